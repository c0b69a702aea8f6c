package io.loopline.support;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Waits for observable state (a row, a file, a status) to become true: checks, pauses, checks again, and
 * fails with {@code what} (and the last value or error seen) when the limit passes. For state that has no
 * event to wait on; never a busy loop, so the node under test keeps the CPU.
 */
public final class Poll {

  /** The pause between two checks, unless a test gives its own. */
  public static final Duration PAUSE = Duration.ofMillis(50);

  private Poll() {}

  /** Waits until {@code condition} is true. */
  public static void until(String what, Duration limit, Callable<Boolean> condition) {
    value(what, limit, PAUSE, condition, Boolean.TRUE::equals);
  }

  /** Waits until {@code condition} is true, checking every {@code pause}. */
  public static void until(
      String what, Duration limit, Duration pause, Callable<Boolean> condition) {
    value(what, limit, pause, condition, Boolean.TRUE::equals);
  }

  /** Waits until the value {@code read} returns satisfies {@code accept}, and returns that value. */
  public static <T> T value(String what, Duration limit, Callable<T> read, Predicate<T> accept) {
    return value(what, limit, PAUSE, read, accept);
  }

  /** As {@link #value(String, Duration, Callable, Predicate)}, checking every {@code pause}. */
  public static <T> T value(
      String what, Duration limit, Duration pause, Callable<T> read, Predicate<T> accept) {
    long deadline = System.nanoTime() + limit.toNanos();
    Exception error = null;
    T last = null;
    while (true) {
      try {
        last = read.call();
        error = null;
        if (accept.test(last)) {
          return last;
        }
      } catch (Exception e) {
        error = e;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new AssertionError(
            "not within "
                + limit.toMillis()
                + " ms: "
                + what
                + "; last seen: "
                + (error != null ? error : last),
            error);
      }
      try {
        Thread.sleep(pause.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(
            "interrupted while waiting for " + what + " (the test's timeout?)", e);
      }
    }
  }
}
