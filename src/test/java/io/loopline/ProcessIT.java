package io.loopline;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The built jar as an operator runs it: configured through LOOPLINE_* variables, on the real servers,
 * stopped with SIGTERM.
 */
class ProcessIT {

  private static final Path JAR = Path.of("target", "loopline.jar");

  private String database;
  private Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> log = new ArrayList<>();
  private Vertx vertx;
  private Thread reader;

  @BeforeEach
  void createDatabase() {
    database = TestServers.createDatabase();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void cleanUp() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
    await(vertx.close());
    TestServers.dropDatabase(database);
  }

  @Test
  void sigtermLetsInFlightRequestsFinishAndExitsZero() throws Exception {
    int port = TestNode.freePort();
    start(port);
    awaitLine("Loopline ready");
    assertThat(String.join("\n", log))
        .contains("Database: PostgreSQL at 127.0.0.1:5432/" + database.substring(database.lastIndexOf('/') + 1))
        .contains("Cache: Redis at " + TestServers.REDIS);

    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    Future<HttpResponse<Buffer>> inFlight = client.get("/sleep/2").send();
    awaitLine("GET /sleep/2");
    process.toHandle().destroy(); // SIGTERM

    HttpResponse<Buffer> response = await(inFlight);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getString("message")).isEqualTo("Slept for 2 seconds.");
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    drain();
    assertThat(String.join("\n", log)).contains("SIGTERM received").contains("Loopline stopped");
  }

  @Test
  void jsonLogLinesCarryTheRequestIdAndTheAccessLogHasItsFields() throws Exception {
    int port = TestNode.freePort();
    ProcessBuilder builder = command(port);
    builder.environment().put("LOOPLINE_LOG_FORMAT", "json");
    builder.environment().put("LOOPLINE_LOG_ACCESS", "true");
    builder.environment().put("LOOPLINE_LOG_LEVEL", "INFO");
    start(builder);
    awaitLine("Loopline ready");

    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    assertThat(await(client.get("/items/424242").putHeader("X-Request-Id", "json-probe-1").send()).statusCode()).isEqualTo(404);
    JsonObject access = new JsonObject(awaitLine("json-probe-1"));

    assertThat(access.getString("loggerName")).isEqualTo("io.loopline.access");
    assertThat(access.getString("level")).isEqualTo("INFO");
    assertThat(access.getJsonObject("mdc").getString("requestId")).isEqualTo("json-probe-1");
    assertThat(access.getJsonArray("kvpList").stream().map(kv -> ((JsonObject) kv).fieldNames().iterator().next()))
        .contains("method", "route", "status", "durationMs");
    assertThat(access.getString("message")).isEqualTo("GET /items/424242 404");
    assertThat(access.encode()).contains("\"route\":\"/items/{id}\"");
  }

  @Test
  void aBadSettingStopsTheStartWithAClearMessage() throws Exception {
    ProcessBuilder builder = command(TestNode.freePort());
    builder.environment().put("LOOPLINE_HTTP_PROT", "1");
    start(builder);

    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(2);
    drain();
    assertThat(String.join("\n", log)).contains("unknown setting LOOPLINE_HTTP_PROT");
  }

  private void start(int port) throws Exception {
    start(command(port));
  }

  private void start(ProcessBuilder builder) throws Exception {
    process = builder.start();
    reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          lines.add(line);
        }
      } catch (java.io.IOException ignored) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
  }

  private ProcessBuilder command(int port) {
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString())
        .redirectErrorStream(true);
    builder.environment().put("LOOPLINE_HTTP_PORT", String.valueOf(port));
    builder.environment().put("LOOPLINE_HTTP_HOST", "127.0.0.1");
    builder.environment().put("LOOPLINE_DB_URL", database);
    builder.environment().put("LOOPLINE_REDIS_URL", TestServers.REDIS);
    builder.environment().put("LOOPLINE_DATA_DIR", TestNode.tempDir().toString());
    builder.environment().put("LOOPLINE_LOG_LEVEL", "DEBUG");
    return builder;
  }

  /** Waits for a log line containing {@code text}: the process says what it did, the test listens. */
  private String awaitLine(String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
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

  /** After the process ended: everything it printed, read to the end. */
  private void drain() throws InterruptedException {
    reader.join(TimeUnit.SECONDS.toMillis(10));
    lines.drainTo(log);
  }
}
