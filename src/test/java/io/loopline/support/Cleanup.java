package io.loopline.support;

/**
 * Teardown that does not stop at the first failure: every step runs, the first failure is thrown with the
 * later ones attached as suppressed, so a test that failed still leaves nothing behind.
 */
public final class Cleanup {

  /** One step of a teardown. */
  @FunctionalInterface
  public interface Step {
    void run() throws Exception;
  }

  private Cleanup() {}

  /** Runs every step in order. */
  public static void run(Step... steps) {
    Throwable first = null;
    for (Step step : steps) {
      try {
        step.run();
      } catch (Throwable e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (first instanceof Error error) {
      throw error;
    }
    if (first != null) {
      throw new IllegalStateException(first);
    }
  }

  /** Closes every resource that is not null, in order. */
  public static void closeAll(AutoCloseable... resources) {
    Step[] steps = new Step[resources.length];
    for (int i = 0; i < resources.length; i++) {
      AutoCloseable resource = resources[i];
      steps[i] =
          () -> {
            if (resource != null) {
              resource.close();
            }
          };
    }
    run(steps);
  }
}
