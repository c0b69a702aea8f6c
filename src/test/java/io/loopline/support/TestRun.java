package io.loopline.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * This test JVM as the owner of what it creates on shared servers and disks. Every database, Redis
 * namespace, temporary directory and child process a test makes carries {@link #OWNER}: the PID namespace,
 * process id and start time (clock ticks since boot, from {@code /proc/self/stat}) of this JVM. A run that
 * was killed cannot clean up after itself; {@code .ci/sweep} removes what it left, and only that: whatever
 * carries an owner that is provably gone (no process with that pid, or one started at another time).
 */
public final class TestRun {

  /** {@code <pid namespace>-<pid>-<start ticks>}, e.g. {@code 4026531836-41234-9876543}. */
  public static final String OWNER = owner();

  /** The prefix of every name this JVM gives: {@code loopline-test-<owner>}. */
  public static final String PREFIX = "loopline-test-" + OWNER;

  private static final Deque<Runnable> EXIT_ACTIONS = new ConcurrentLinkedDeque<>();
  private static final Path ROOT = createRoot();

  private TestRun() {}

  /** A name no other test or run uses: {@code loopline-test-<owner>-<random>}. */
  public static String uniqueName() {
    return PREFIX + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  }

  /**
   * A new empty directory under this run's root ({@code $TMPDIR/loopline-test-<owner>/}), which is removed
   * when the JVM exits (and by the sweep, if it was killed).
   */
  public static Path tempDir() {
    try {
      return Files.createTempDirectory(ROOT, "dir-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code action} when the JVM exits (the last registered first), before the root directory is removed. */
  public static void onExit(Runnable action) {
    EXIT_ACTIONS.push(action);
  }

  private static Path createRoot() {
    Path root = Path.of(System.getProperty("java.io.tmpdir"), PREFIX);
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (Runnable action : EXIT_ACTIONS) {
                    try {
                      action.run();
                    } catch (RuntimeException ignored) {
                      // the next one still runs
                    }
                  }
                  deleteTree(root);
                },
                "test-run-cleanup"));
    return root;
  }

  /** Deletes a directory and everything in it; what cannot be deleted (a file still open) is left. */
  public static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              path -> {
                try {
                  Files.deleteIfExists(path);
                } catch (IOException ignored) {
                  // left for the sweep
                }
              });
    } catch (IOException | UncheckedIOException ignored) {
      // a file vanished while walking: what is left goes with the sweep
    }
  }

  private static String owner() {
    long pid = ProcessHandle.current().pid();
    try {
      String namespace =
          Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString().replaceAll("\\D", "");
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // Fields after the command name, which is in parentheses and may hold spaces: field 22 is the
      // start time.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return namespace + "-" + pid + "-" + fields[19];
    } catch (IOException | RuntimeException e) {
      // Not Linux: the start time as the JDK reports it (the sweep, which reads /proc, never
      // matches it).
      long started =
          ProcessHandle.current().info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
      return "0-" + pid + "-" + started;
    }
  }
}
