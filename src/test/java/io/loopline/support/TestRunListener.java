package io.loopline.support;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Opens every test run in this JVM: says first which PostgreSQL and Redis the tests will use, and arms a
 * watchdog that prints every thread's stack shortly before the build's fork timeout
 * ({@code loopline.test.forkTimeoutSeconds}) kills this JVM, so a hang outside any one test (a lifecycle
 * method, a property test, the JVM's exit) still leaves a thread dump in the output. Hangs inside a test
 * are failed by JUnit's default timeout, with a thread dump of their own (junit-platform.properties).
 */
public final class TestRunListener implements LauncherSessionListener {

  /** The dump comes this long before the fork is killed. */
  private static final Duration MARGIN = Duration.ofSeconds(60);

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    System.out.println(ServerChoice.CURRENT.describe() + "; test run " + TestRun.OWNER);
    String timeout = System.getProperty("loopline.test.forkTimeoutSeconds");
    if (timeout != null) {
      long delayMs =
          Math.max(0, Duration.ofSeconds(Long.parseLong(timeout)).minus(MARGIN).toMillis());
      Thread watchdog =
          new Thread(
              () -> {
                try {
                  Thread.sleep(delayMs);
                } catch (InterruptedException e) {
                  return;
                }
                System.err.println(
                    "This test JVM is about to reach its fork timeout ("
                        + timeout
                        + " s); its threads:");
                for (ThreadInfo thread :
                    ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
                  System.err.print(fullStack(thread));
                }
              },
              "fork-timeout-watchdog");
      watchdog.setDaemon(true);
      watchdog.start();
    }
  }

  /** {@link ThreadInfo#toString()} stops after eight frames; a hang needs the whole stack. */
  private static String fullStack(ThreadInfo thread) {
    StringBuilder out =
        new StringBuilder("\"" + thread.getThreadName() + "\" " + thread.getThreadState());
    if (thread.getLockName() != null) {
      out.append(" on ").append(thread.getLockName());
    }
    out.append('\n');
    for (StackTraceElement frame : thread.getStackTrace()) {
      out.append("\tat ").append(frame).append('\n');
    }
    return out.append('\n').toString();
  }
}
