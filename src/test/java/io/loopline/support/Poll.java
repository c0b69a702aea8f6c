package io.loopline.support;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits for observable state (a row, a file, a status) to become true, checking every few milliseconds,
 * and fails with {@code what} when the limit passes. For state that has no event to wait on.
 */
public final class Poll {

  private Poll() {}

  public static void until(String what, Duration limit, Callable<Boolean> condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (Boolean.TRUE.equals(condition.call())) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    throw new AssertionError("not within " + limit.toMillis() + " ms: " + what, last);
  }
}
