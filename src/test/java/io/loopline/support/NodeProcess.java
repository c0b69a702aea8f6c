package io.loopline.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Loopline node as its own process ({@code java -jar target/loopline.jar}), for what only a process can
 * show: signals, {@code kill -9}, exit codes. Configured by environment variables, like in production; its
 * HTTP port is chosen by the OS and read from its log. Its command line carries this test run's owner
 * ({@code -Dloopline.testOwner}), so a sweep can stop it if the test JVM dies without closing it.
 */
public final class NodeProcess implements AutoCloseable {

  private static final Path JAR = Path.of("target", "loopline.jar");

  /** A node that serves says so, ready or still waiting for its database. */
  private static final Pattern READY =
      Pattern.compile("Loopline (?:ready|serving): HTTP on port (\\d+)");

  private static final Pattern JOINED = Pattern.compile("Cluster: joined as member (\\S+)");

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> log = new ArrayList<>();
  private final Thread reader;
  private volatile int port = -1;
  private volatile String member;

  private NodeProcess(Process process) {
    this.process = process;
    this.reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                  lines.add(line);
                }
              } catch (java.io.IOException ignored) {
                // the process ended
              }
            },
            "node-process-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts a node on an HTTP port the OS chooses, with these settings (on top of the tests' servers). */
  public static NodeProcess start(String databaseUrl, Map<String, String> env)
      throws java.io.IOException {
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dloopline.testOwner=" + TestRun.PREFIX,
                "-jar",
                JAR.toString())
            .redirectErrorStream(true);
    Map<String, String> environment = builder.environment();
    environment.put("LOOPLINE_HTTP_PORT", "0");
    environment.put("LOOPLINE_HTTP_HOST", "127.0.0.1");
    environment.put("LOOPLINE_DB_URL", databaseUrl);
    environment.put("LOOPLINE_REDIS_URL", TestServers.REDIS);
    environment.put("LOOPLINE_DATA_DIR", TestNode.tempDir().toString());
    environment.put("LOOPLINE_ADMIN_KEY", TestNode.ADMIN_KEY);
    // No load balancer to wait for on SIGTERM; a test of that drain sets its own.
    environment.put("LOOPLINE_HTTP_DRAIN_DELAY_MS", "200");
    environment.putAll(env);
    return new NodeProcess(builder.start());
  }

  /**
   * Settings for a clustered process: Hazelcast on a port the OS chooses, joining {@code members}
   * ({@code host:port} of a running member, or nothing for the first node).
   */
  public static Map<String, String> cluster(String name, String... members) {
    return Map.of(
        "LOOPLINE_CLUSTER_ENABLED",
        "true",
        "LOOPLINE_CLUSTER_NAME",
        name,
        "LOOPLINE_CLUSTER_HAZELCAST_PORT",
        "0",
        "LOOPLINE_CLUSTER_MEMBERS",
        String.join(",", members));
  }

  /** The HTTP port, from the node's ready line, or its serving line while it waits for its database (waiting for one). */
  public int port() throws InterruptedException {
    while (port < 0) {
      awaitLine(": HTTP on port ");
    }
    return port;
  }

  /** The {@code host:port} of a clustered node's Hazelcast member, from its log (waiting for it). */
  public String hazelcastMember() throws InterruptedException {
    if (member == null) {
      awaitLine("Cluster: joined as member ");
    }
    return member;
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
        remember(line);
        if (line.contains(text) || message(line).contains(text)) {
          return line;
        }
      } else if (!process.isAlive()) {
        break;
      }
    }
    throw new AssertionError("no line containing '" + text + "' in:\n" + String.join("\n", log));
  }

  private void remember(String line) {
    String message = message(line);
    Matcher ready = READY.matcher(message);
    if (ready.find()) {
      port = Integer.parseInt(ready.group(1));
    }
    Matcher joined = JOINED.matcher(message);
    if (joined.find()) {
      member = joined.group(1);
    }
  }

  /** A log line's message with its arguments filled in: JSON lines ({@code log.format: json}) keep them apart. */
  private static String message(String line) {
    if (!line.startsWith("{")) {
      return line;
    }
    try {
      JsonObject json = new JsonObject(line);
      String message = json.getString("message", "");
      JsonArray arguments = json.getJsonArray("arguments");
      for (int i = 0; arguments != null && i < arguments.size() && message.contains("{}"); i++) {
        message =
            message.replaceFirst(
                "\\{\\}", Matcher.quoteReplacement(String.valueOf(arguments.getValue(i))));
      }
      return message;
    } catch (RuntimeException notJson) {
      return line;
    }
  }

  /** What the process printed so far (read by {@link #awaitLine}, plus what is waiting). */
  public String log() {
    List<String> more = new ArrayList<>();
    lines.drainTo(more);
    more.forEach(this::remember);
    log.addAll(more);
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

  /** Stops the process with SIGTERM if it still runs (kill -9 after 30 s, or at once if interrupted), and reads its output to the end. */
  @Override
  public void close() throws InterruptedException {
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    } finally {
      if (process.isAlive()) {
        process.destroyForcibly();
      }
    }
    drain();
  }
}
