package io.loopline;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.Cleanup;
import io.loopline.support.NodeProcess;
import io.loopline.support.Poll;
import io.loopline.support.Responses;
import io.loopline.support.TcpProxy;
import io.loopline.support.TestServers;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node's life as an orchestrator sees it, on real processes: it serves while its database does not
 * answer and becomes ready by itself when it does; it refuses to start on a database it cannot use (exit
 * code 2); and on SIGTERM its readiness fails first, while it still serves, before it drains and stops.
 */
class NodeLifecycleIT {

  private static final Duration LIMIT = Duration.ofSeconds(60);

  private String database;
  private Vertx vertx;
  private NodeProcess node;

  @BeforeEach
  void setUp() {
    database = TestServers.createDatabase();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    Cleanup.run(
        () -> Cleanup.closeAll(node),
        () -> await(vertx.close()),
        () -> TestServers.dropDatabase(database));
  }

  @Test
  void aNodeWhoseDatabaseDoesNotAnswerServesAndBecomesReadyByItselfWhenItDoes() throws Exception {
    try (TcpProxy proxy = TcpProxy.toPostgres()) {
      proxy.stop(); // the database's address: nothing answers there yet
      node =
          NodeProcess.start(proxy.url(database), Map.of("LOOPLINE_DB_START_RETRY_MAX_MS", "1000"));
      WebClient client = client(node.port());
      long pid = node.process().pid();

      assertThat(await(client.get("/health/live").send()).statusCode()).isEqualTo(200);
      HttpResponse<Buffer> ready = await(client.get("/health/ready").send());
      assertThat(ready.statusCode()).isEqualTo(503);
      JsonObject databaseCheck = Responses.checks(ready.bodyAsJsonObject()).get("database");
      assertThat(databaseCheck.getString("status")).isEqualTo("DOWN");
      assertThat(databaseCheck.getJsonObject("data").getString("reason"))
          .contains(
              "the database at 127.0.0.1:"
                  + proxy.port()
                  + "/"
                  + name(database)
                  + " does not answer");
      HttpResponse<Buffer> write =
          await(
              client
                  .post("/items")
                  .sendJsonObject(new JsonObject().put("name", "n").put("price", "1.00")));
      assertProblem(write, 503);
      assertThat(write.getHeader("Retry-After")).isNotNull();
      assertThat(node.log())
          .contains("Loopline serving: HTTP on port " + node.port() + "; waiting for the database")
          .doesNotContain("Loopline ready");

      proxy.start();
      Poll.until(
          "ready once the database answers",
          LIMIT,
          () -> await(client.get("/health/ready").send()).statusCode() == 200);
      assertThat(node.process().isAlive()).isTrue();
      assertThat(node.process().pid()).as("no restart").isEqualTo(pid);
      HttpResponse<Buffer> created =
          await(
              client
                  .post("/items")
                  .sendJsonObject(new JsonObject().put("name", "n").put("price", "1.00")));
      assertThat(created.statusCode()).isEqualTo(201);
      assertThat(node.log()).contains("Loopline ready: HTTP on port " + node.port());
    }
  }

  @Test
  void aDatabaseThatRefusesTheCredentialsStopsTheStartWithExitCode2() throws Exception {
    String url = database.replaceFirst("//[^@/]*@", "//no_such_role@");
    node = NodeProcess.start(url, Map.of());
    assertThat(node.process().waitFor(90, TimeUnit.SECONDS)).isTrue();
    assertThat(node.process().exitValue()).isEqualTo(2);
    assertThat(node.log())
        .contains("cannot be used")
        .contains("no_such_role")
        .doesNotContain("Loopline serving");
  }

  @Test
  void aMigrationThatFailsStopsTheStartWithExitCode2() throws Exception {
    try (Connection db = TestServers.jdbc(database);
        Statement st = db.createStatement()) {
      st.execute(
          "CREATE TABLE users (id int)"); // a schema Flyway did not make: it will not migrate over
      // it
    }
    node = NodeProcess.start(database, Map.of());
    assertThat(node.process().waitFor(90, TimeUnit.SECONDS)).isTrue();
    assertThat(node.process().exitValue()).isEqualTo(2);
    assertThat(node.log()).contains("cannot be used").doesNotContain("Loopline serving");
  }

  @Test
  void onSigtermReadinessFailsFirstWhileTheNodeStillServesThenItStops() throws Exception {
    node = NodeProcess.start(database, Map.of("LOOPLINE_HTTP_DRAIN_DELAY_MS", "3000"));
    WebClient client = client(node.port());
    assertThat(await(client.get("/health/ready").send()).statusCode()).isEqualTo(200);

    node.process().toHandle().destroy(); // SIGTERM
    HttpResponse<Buffer> stopping =
        Poll.value(
            "readiness fails",
            LIMIT,
            () -> await(client.get("/health/ready").send()),
            response -> response.statusCode() == 503);
    JsonObject check = Responses.checks(stopping.bodyAsJsonObject()).get("node");
    assertThat(check.getString("status")).isEqualTo("DOWN");
    assertThat(check.getJsonObject("data").getString("reason")).startsWith("stopping");
    assertThat(await(client.get("/items").send()).statusCode())
        .as("still serving while not ready")
        .isEqualTo(200);

    assertThat(node.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(node.process().exitValue()).isZero();
    String log = node.log();
    assertThat(log.indexOf("readiness fails now"))
        .isGreaterThanOrEqualTo(0)
        .isLessThan(log.indexOf("Draining and stopping"));
    assertThat(log).contains("Loopline stopped");
  }

  private WebClient client(int port) {
    return WebClient.create(
        vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  private static String name(String url) {
    return url.substring(url.lastIndexOf('/') + 1);
  }
}
