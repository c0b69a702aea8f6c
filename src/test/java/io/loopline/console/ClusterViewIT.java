package io.loopline.console;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.Poll;
import io.loopline.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the console's Overview reads, on two nodes clustered over loopback: each lists both nodes with their
 * roles and readiness, each node's meter history is fetched from that node, and a node that stops leaves the
 * list.
 */
class ClusterViewIT {

  private static final Duration LIMIT = Duration.ofSeconds(30);

  private static JsonObject clustered(String... roles) {
    return new JsonObject()
        .put("roles", new JsonArray(List.of((Object[]) roles)))
        .put("metrics", new JsonObject().put("sampleMs", 300))
        .put("cluster", new JsonObject().put("enabled", true).put("heartbeatTimeoutSeconds", 5));
  }

  @Test
  void everyNodeListsTheClusterAndEachNodesHistoryAndANodeThatStopsLeavesTheList() {
    TestNode backend =
        TestNode.start(clustered("persistence", "cache", "worker", "scraper", "chat", "http"));
    TestNode front = null;
    try {
      front = TestNode.join(backend, clustered("http"));
      TestNode asked = front;
      Poll.until("both nodes listed on the front node", LIMIT, () -> nodes(asked).size() == 2);
      List<JsonObject> nodes = nodes(front);
      JsonObject http =
          nodes.stream().filter(n -> n.getJsonArray("roles").size() == 1).findFirst().orElseThrow();
      assertThat(http.getJsonArray("roles")).containsExactly("http");
      assertThat(http.getInteger("httpPort")).isEqualTo(front.port());
      assertThat(http.getBoolean("clustered")).isTrue();
      Poll.until(
          "the back node ready in its card",
          LIMIT,
          () ->
              nodes(asked).stream()
                  .anyMatch(
                      n ->
                          n.getJsonArray("roles").contains("persistence")
                              && n.getBoolean("ready")));
      JsonObject back =
          nodes(front).stream()
              .filter(n -> n.getJsonArray("roles").contains("persistence"))
              .findFirst()
              .orElseThrow();
      assertThat(back.getJsonObject("checks").getString("persistence")).isEqualTo("UP");
      assertThat(back.getInteger("httpPort")).isEqualTo(backend.port());

      for (int i = 0; i < 20; i++) {
        await(backend.client().get("/items?limit=1").send());
      }
      Poll.until(
          "the back node's history, fetched through the front node",
          LIMIT,
          () -> {
            JsonObject series =
                await(asked.client().get("/cluster/series").send()).bodyAsJsonObject();
            return series.getJsonArray("nodes").stream()
                .map(JsonObject.class::cast)
                .anyMatch(
                    n ->
                        back.getString("id").equals(n.getString("node"))
                            && n.getJsonObject("routes").containsKey("GET /items"));
          });
      JsonObject only =
          await(backend.client().get("/cluster/series?node=" + http.getString("id")).send())
              .bodyAsJsonObject();
      assertThat(only.getJsonArray("nodes")).hasSize(1);
      assertThat(only.getJsonArray("nodes").getJsonObject(0).getString("node"))
          .isEqualTo(http.getString("id"));

      front.close();
      front = null;
      Poll.until("the stopped node gone from the list", LIMIT, () -> nodes(backend).size() == 1);
    } finally {
      TestNode.closeAll(front, backend);
    }
  }

  private static List<JsonObject> nodes(TestNode node) {
    return await(node.client().get("/cluster").send())
        .bodyAsJsonObject()
        .getJsonArray("nodes")
        .stream()
        .map(JsonObject.class::cast)
        .toList();
  }
}
