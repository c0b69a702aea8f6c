package io.loopline;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import io.loopline.support.Cleanup;
import io.loopline.support.NodeProcess;
import io.loopline.support.TestNode;
import io.loopline.support.TestRun;
import io.loopline.support.TestServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
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
        .contains(
            "Database: PostgreSQL at "
                + TestServers.POSTGRES_HOST
                + ":"
                + TestServers.POSTGRES_PORT
                + "/"
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
    node =
        NodeProcess.start(
            database,
            Map.of(
                "LOOPLINE_LOG_FORMAT",
                "json",
                "LOOPLINE_LOG_ACCESS",
                "true",
                "LOOPLINE_LOG_LEVEL",
                "INFO"));
    node.awaitLine("Loopline ready");

    WebClient client = client(node.port());
    assertThat(
            await(client.get("/items/424242").putHeader("X-Request-Id", "json-probe-1").send())
                .statusCode())
        .isEqualTo(404);
    JsonObject access = new JsonObject(node.awaitLine("json-probe-1"));

    assertThat(access.getString("loggerName")).isEqualTo("io.loopline.access");
    assertThat(access.getString("level")).isEqualTo("INFO");
    assertThat(access.getJsonObject("mdc").getString("requestId")).isEqualTo("json-probe-1");
    assertThat(
            access.getJsonArray("kvpList").stream()
                .map(kv -> ((JsonObject) kv).fieldNames().iterator().next()))
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

  /**
   * A value the node cannot use stops the launcher before anything starts, the cluster join included: exit
   * code 2 and one line naming the setting, no stack trace.
   */
  @Test
  void aBadValueStopsTheStartBeforeTheClusterIsJoinedWithOneLine() throws Exception {
    Path clusterFile = TestNode.tempDir().resolve("second-join.xml");
    Files.writeString(
        clusterFile,
        """
        <hazelcast xmlns="http://www.hazelcast.com/schema/config">
          <network><join><kubernetes enabled="true"><service-dns>loopline.svc</service-dns></kubernetes></join></network>
        </hazelcast>
        """);
    Map<String, String> clustered = NodeProcess.cluster("bad-values-" + TestRun.PREFIX);
    List<Map.Entry<Map<String, String>, String>> cases =
        List.of(
            Map.entry(
                with(clustered, "LOOPLINE_CLUSTER_JOIN", "gossip"),
                "loopline: cluster.join must be tcp, kubernetes or multicast, not 'gossip'"),
            Map.entry(
                with(clustered, "LOOPLINE_CLUSTER_CONFIG_FILE", clusterFile.toString()),
                "loopline: cluster.configFile "
                    + clusterFile
                    + " turns on the kubernetes join, but cluster.join is tcp"),
            Map.entry(
                with(
                    with(
                        with(clustered, "LOOPLINE_CLUSTER_TLS_ENABLED", "true"),
                        "LOOPLINE_CLUSTER_TLS_KEY_STORE",
                        "/nonexistent/node.p12"),
                    "LOOPLINE_CLUSTER_TLS_TRUST_STORE",
                    "/nonexistent/ca.p12"),
                "loopline: cluster.tls: cannot read the PKCS#12 file /nonexistent/node.p12"),
            Map.entry(
                Map.of("LOOPLINE_HTTP_PORT", "70000"),
                "loopline: http.port must be 0 (any free port) to 65535, not 70000"),
            Map.entry(
                Map.of("LOOPLINE_INGEST_BATCH_SIZE", "0"),
                "loopline: ingest: sizes and counts must be positive"));

    for (Map.Entry<Map<String, String>, String> bad : cases) {
      node = NodeProcess.start(database, bad.getKey());
      assertThat(node.process().waitFor(60, TimeUnit.SECONDS)).as(bad.getValue()).isTrue();
      int exit = node.process().exitValue();
      node.close();
      String log = node.log();
      node = null;

      assertThat(exit).as(log).isEqualTo(2);
      assertThat(log.lines().filter(l -> !l.isBlank()))
          .as(log)
          .singleElement(STRING)
          .startsWith(bad.getValue());
    }
  }

  private static Map<String, String> with(Map<String, String> env, String name, String value) {
    Map<String, String> out = new HashMap<>(env);
    out.put(name, value);
    return out;
  }

  private WebClient client(int port) {
    return WebClient.create(
        vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }
}
