package io.loopline.platform.cluster;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.ChatClient;
import io.loopline.support.Poll;
import io.loopline.support.Ports;
import io.loopline.support.Responses;
import io.loopline.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three nodes in separate Vert.x instances, each its own Hazelcast member, clustered over loopback: a
 * backend node (persistence, cache, worker, scraper, chat), and two HTTP-only nodes that reach it over the
 * clustered bus.
 */
class ClusterIT {

  private static TestNode backend;
  private static TestNode front;
  private static TestNode other;
  private static int bridgePort;

  @BeforeAll
  static void start() {
    // The bridge cannot listen on port 0 and say where: a port free a moment ago, tried again if
    // taken.
    backend =
        Ports.retryOnConflict(
            () -> {
              bridgePort = Ports.free();
              return TestNode.start(
                  clustered("persistence", "cache", "worker", "scraper", "chat")
                      .put(
                          "bridge", new JsonObject().put("enabled", true).put("port", bridgePort)));
            });
    front = TestNode.join(backend, clustered("http"));
    other = TestNode.join(backend, clustered("http"));
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(other, front, backend);
  }

  /** A clustered node with these roles (TestNode gives it a unique cluster name and ports from the OS). */
  static JsonObject clustered(String... roles) {
    return new JsonObject()
        .put("roles", new JsonArray(java.util.List.of((Object[]) roles)))
        .put("cluster", new JsonObject().put("enabled", true).put("heartbeatTimeoutSeconds", 5));
  }

  @Test
  void anHttpOnlyNodeServesItemsThroughThePersistenceNode() {
    HttpResponse<Buffer> created =
        await(
            front
                .client()
                .post("/items")
                .sendJsonObject(new JsonObject().put("name", "clustered").put("price", "3.50")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    long id = created.bodyAsJsonObject().getLong("id");

    HttpResponse<Buffer> read = await(other.client().get("/items/" + id).send());

    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.bodyAsJsonObject().getString("name")).isEqualTo("clustered");
    assertThat(backend.vertx().isClustered()).isTrue();
  }

  @Test
  void aChatMessageSentToOneNodeReachesASocketOnAnother() {
    Vertx clients = Vertx.vertx();
    try (ChatClient ada = ChatClient.connect(clients, other.port(), "cluster-room", "ada")) {
      HttpResponse<Buffer> sent =
          await(
              front
                  .client()
                  .post("/chat/rooms/cluster-room/messages")
                  .sendJsonObject(
                      new JsonObject()
                          .put("sender", "grace")
                          .put("text", "hello from the front node")));
      assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(201);

      JsonObject received = ada.next("message");

      assertThat(received.getString("text")).isEqualTo("hello from the front node");
      assertThat(received.getLong("seq")).isEqualTo(sent.bodyAsJsonObject().getLong("seq"));
    } finally {
      await(clients.close());
    }
  }

  @Test
  void anHttpOnlyNodeIsReadyWhenTheRolesAnswerElsewhere() {
    // Polled: a report made while the backend's roles were still registering may be served for up
    // to a second.
    HttpResponse<Buffer> ready =
        Poll.value(
            "the HTTP-only node ready",
            Duration.ofSeconds(30),
            () -> await(front.client().get("/health/ready").send()),
            r -> r.statusCode() == 200);

    assertThat(Responses.checks(ready.bodyAsJsonObject()))
        .containsKeys("database", "cache", "worker", "scraper", "chat");
  }

  @Test
  void anotherLanguageCallsAnAddressThroughTheBridge() throws Exception {
    long id =
        await(
                front
                    .client()
                    .post("/items")
                    .sendJsonObject(new JsonObject().put("name", "bridged").put("price", "1.25")))
            .bodyAsJsonObject()
            .getLong("id");

    String reply = python("loopline.items.get", new JsonObject().put("id", id).encode(), 0);
    assertThat(new JsonObject(reply).getString("name")).isEqualTo("bridged");
    // Addresses outside bridge.inbound are refused by the bridge.
    python("loopline.items.delete", new JsonObject().put("id", id).encode(), 1);
    assertThat(await(front.client().get("/items/" + id).send()).statusCode()).isEqualTo(200);
  }

  @Test
  void aNodeThatLeavesIsForgottenAndTheRestKeepServing() {
    try (TestNode leaving = TestNode.join(backend, clustered("http"))) {
      Poll.until(
          "the joining node ready",
          Duration.ofSeconds(30),
          () -> await(leaving.client().get("/health/ready").send()).statusCode() == 200);
    }
    Poll.until(
        "the cluster has three members again",
        Duration.ofSeconds(10),
        () ->
            ((io.vertx.core.internal.VertxInternal) backend.vertx())
                    .clusterManager()
                    .getNodes()
                    .size()
                == 3);
    assertThat(await(front.client().get("/items").send()).statusCode()).isEqualTo(200);
  }

  private static String python(String address, String body, int expectedExit) throws Exception {
    Process process =
        new ProcessBuilder(
                "/usr/bin/python3",
                "scripts/bus_client.py",
                "--port",
                String.valueOf(bridgePort),
                address,
                body)
            .redirectErrorStream(true)
            .start();
    String output;
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      output = out.lines().collect(Collectors.joining("\n"));
    }
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isEqualTo(expectedExit);
    return output;
  }
}
