package io.loopline.platform.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: a real PostgreSQL (binaries from Maven Central) whose data stays under the data
 * directory across restarts. Starting and stopping block, so both run on worker threads.
 */
public final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

  private final EmbeddedPostgres postgres;
  private final Path directory;
  private final FileChannel lockChannel;

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path directory, FileChannel lockChannel) {
    this.postgres = postgres;
    this.directory = directory;
    this.lockChannel = lockChannel;
  }

  /** Starts PostgreSQL in {@code dataDir/postgres}; blocks until it accepts connections. */
  public static EmbeddedDatabase start(Path dataDir, int port) {
    Path directory = dataDir.resolve("postgres").toAbsolutePath();
    FileChannel lock = null;
    try {
      Files.createDirectories(directory);
      lock = lockDataDir(dataDir);
      stopOrphan(directory);
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setDataDirectory(directory)
              .setCleanDataDirectory(false)
              .setRegisterShutdownHook(true);
      if (port > 0) {
        builder.setPort(port);
      }
      return new EmbeddedDatabase(builder.start(), directory, lock);
    } catch (IOException | RuntimeException e) {
      closeQuietly(lock);
      if (e instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new UncheckedIOException(
          "embedded PostgreSQL did not start in " + directory, (IOException) e);
    }
  }

  /** Held while this process uses the data directory: a second Loopline on it is refused, not let in. */
  private static FileChannel lockDataDir(Path dataDir) throws IOException {
    FileChannel channel =
        FileChannel.open(
            dataDir.resolve("loopline.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    if (channel.tryLock() == null) {
      channel.close();
      throw new IllegalStateException(
          "another Loopline is using "
              + dataDir.toAbsolutePath()
              + "; stop it or set LOOPLINE_DATA_DIR to another directory");
    }
    return channel;
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException ignored) {
      // nothing more to release
    }
  }

  /**
   * PostgreSQL runs as its own process: if an earlier Loopline was killed (kill -9), its server may still
   * hold the data directory. Stop it (SIGTERM, a smart shutdown: it has no clients left) before starting.
   */
  private static void stopOrphan(Path directory) throws IOException {
    Path pidFile = directory.resolve("postmaster.pid");
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    } catch (RuntimeException e) {
      return;
    }
    ProcessHandle.of(pid)
        .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
        .ifPresent(
            orphan -> {
              log.warn(
                  "Embedded PostgreSQL from an earlier run (pid {}) still holds {}; stopping it",
                  pid,
                  directory);
              orphan.destroy();
              try {
                orphan.onExit().get(30, TimeUnit.SECONDS);
              } catch (Exception e) {
                throw new IllegalStateException(
                    "embedded PostgreSQL pid " + pid + " did not stop; stop it and start again", e);
              }
            });
  }

  /** A {@code postgresql://} URL for the pool and for migrations. */
  public String url() {
    return "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/postgres";
  }

  public Path directory() {
    return directory;
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      closeQuietly(lockChannel);
    }
  }
}
