package io.loopline;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.Cleanup;
import io.loopline.support.NodeProcess;
import io.loopline.support.TestServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The built jar as an operator runs it: configured through LOOPLINE_* variables, on the real servers,
 * stopped with SIGTERM.
 */
class ProcessIT {

  private String database;
  private NodeProcess node;
  private Vertx vertx;

  @BeforeEach
  void createDatabase() {
    database = TestServers.createDatabase();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void cleanUp() {
    Cleanup.run(
        () -> {
          if (node != null) {
            node.kill();
            node.close();
          }
        },
        () -> await(vertx.close()),
        () -> TestServers.dropDatabase(database));
  }

  @Test
  void sigtermLetsInFlightRequestsFinishAndExitsZero() throws Exception {
    node = NodeProcess.start(database, Map.of("LOOPLINE_LOG_LEVEL", "DEBUG"));
    node.awaitLine("Loopline ready");
    assertThat(node.log())
        .contains("Database: PostgreSQL at " + TestServers.POSTGRES_HOST + ":" + TestServers.POSTGRES_PORT + "/"
            + database.substring(database.lastIndexOf('/') + 1))
        .contains("Cache: Redis at " + TestServers.REDIS);

    WebClient client = client(node.port());
    Future<HttpResponse<Buffer>> inFlight = client.get("/sleep/2").send();
    node.awaitLine("GET /sleep/2");
    node.process().toHandle().destroy(); // SIGTERM

    HttpResponse<Buffer> response = await(inFlight);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getString("message")).isEqualTo("Slept for 2 seconds.");
    assertThat(node.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(node.process().exitValue()).isZero();
    node.close();
    assertThat(node.log()).contains("SIGTERM received").contains("Loopline stopped");
  }

  @Test
  void jsonLogLinesCarryTheRequestIdAndTheAccessLogHasItsFields() throws Exception {
    node = NodeProcess.start(database, Map.of(
        "LOOPLINE_LOG_FORMAT", "json", "LOOPLINE_LOG_ACCESS", "true", "LOOPLINE_LOG_LEVEL", "INFO"));
    node.awaitLine("Loopline ready");

    WebClient client = client(node.port());
    assertThat(await(client.get("/items/424242").putHeader("X-Request-Id", "json-probe-1").send()).statusCode()).isEqualTo(404);
    JsonObject access = new JsonObject(node.awaitLine("json-probe-1"));

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
    node = NodeProcess.start(database, Map.of("LOOPLINE_HTTP_PROT", "1"));

    assertThat(node.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(node.process().exitValue()).isEqualTo(2);
    node.close();
    assertThat(node.log()).contains("unknown setting LOOPLINE_HTTP_PROT");
  }

  private WebClient client(int port) {
    return WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }
}
