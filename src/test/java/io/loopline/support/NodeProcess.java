package io.loopline.support;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Loopline node as its own process ({@code java -jar target/loopline.jar}), for what only a process can
 * show: signals, {@code kill -9}, exit codes. Configured by environment variables, like in production.
 */
public final class NodeProcess implements AutoCloseable {

  private static final Path JAR = Path.of("target", "loopline.jar");

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> log = new ArrayList<>();
  private final Thread reader;
  private final int port;

  private NodeProcess(Process process, int port) {
    this.process = process;
    this.port = port;
    this.reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          lines.add(line);
        }
      } catch (java.io.IOException ignored) {
        // the process ended
      }
    }, "node-process-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts a node on a free HTTP port with these settings (on top of the test machine's servers). */
  public static NodeProcess start(String databaseUrl, Map<String, String> env) throws java.io.IOException {
    int port = TestNode.freePort();
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString())
        .redirectErrorStream(true);
    Map<String, String> environment = builder.environment();
    environment.put("LOOPLINE_HTTP_PORT", String.valueOf(port));
    environment.put("LOOPLINE_HTTP_HOST", "127.0.0.1");
    environment.put("LOOPLINE_DB_URL", databaseUrl);
    environment.put("LOOPLINE_REDIS_URL", TestServers.REDIS);
    environment.put("LOOPLINE_DATA_DIR", TestNode.tempDir().toString());
    environment.put("LOOPLINE_ADMIN_KEY", TestNode.ADMIN_KEY);
    environment.putAll(env);
    return new NodeProcess(builder.start(), port);
  }

  public int port() {
    return port;
  }

  public Process process() {
    return process;
  }

  /** Waits up to 90 s for a line containing {@code text}, and returns it. */
  public String awaitLine(String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line != null) {
        log.add(line);
        if (line.contains(text)) {
          return line;
        }
      } else if (!process.isAlive()) {
        break;
      }
    }
    throw new AssertionError("no line containing '" + text + "' in:\n" + String.join("\n", log));
  }

  /** What the process printed so far (read by {@link #awaitLine}, plus what is waiting). */
  public String log() {
    lines.drainTo(log);
    return String.join("\n", log);
  }

  /** After the process ended: waits for the rest of its output to be read. */
  private void drain() throws InterruptedException {
    reader.join(TimeUnit.SECONDS.toMillis(10));
  }

  /** kill -9: no shutdown hook, no draining, nothing released. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Stops the process with SIGTERM if it still runs (kill -9 after 30 s), and reads its output to the end. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    drain();
  }
}
