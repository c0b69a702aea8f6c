package io.loopline.chat;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.ChatClient;
import io.loopline.support.Poll;
import io.loopline.support.TcpProxy;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * History is written after the fan-out: with PostgreSQL gone, messages still reach the sockets until the
 * bounded history queue is full; then they are refused (503, an {@code unavailable} frame), and when
 * PostgreSQL is back every message the room saw is stored, once, in order.
 */
class ChatHistoryOutageIT {

  private static final int QUEUE_MAX = 5;

  @Test
  void messagesFlowWhilePostgresqlIsDownUntilTheHistoryQueueIsFullAndAreAllStoredAfterwards() {
    String database = TestServers.createDatabase();
    Vertx clients = Vertx.vertx();
    try (TcpProxy proxy = TcpProxy.toPostgres()) {
      JsonObject config = new JsonObject()
          .put("db", new JsonObject().put("url", proxy.url(database))
              .put("connectTimeoutMs", 1000).put("queryTimeoutMs", 1000))
          .put("chat", new JsonObject().put("historyQueueMax", QUEUE_MAX).put("historyRetryMs", 200));
      try (TestNode node = TestNode.start(config);
           ChatClient ada = ChatClient.connect(clients, node.port(), "outage", "ada")) {
        assertThat(post(node, "m0").statusCode()).isEqualTo(201);
        Poll.until("m0 stored", Duration.ofSeconds(10), () -> texts(node).equals(List.of("m0")));

        proxy.stop();
        for (int i = 1; i <= QUEUE_MAX; i++) {
          assertThat(post(node, "m" + i).statusCode()).isEqualTo(201);
        }
        assertThat(ada.next("message", QUEUE_MAX + 1).stream().map(m -> m.getString("text")))
            .containsExactly("m0", "m1", "m2", "m3", "m4", "m5");
        HttpResponse<Buffer> refused = post(node, "refused");
        assertProblem(refused, 503);
        assertThat(refused.getHeader("Retry-After")).isNotNull();
        ada.say("refused too");
        JsonObject error = ada.next();
        assertThat(error.getString("type")).isEqualTo("error");
        assertThat(error.getString("code")).isEqualTo("unavailable");

        proxy.start();
        Poll.until("the queue written once PostgreSQL is back", Duration.ofSeconds(20),
            () -> texts(node).equals(List.of("m0", "m1", "m2", "m3", "m4", "m5")));
        assertThat(post(node, "after").statusCode()).isEqualTo(201);
        assertThat(ada.next("message").getString("text")).isEqualTo("after");
      }
    } finally {
      await(clients.close());
      TestServers.dropDatabase(database);
    }
  }

  private static HttpResponse<Buffer> post(TestNode node, String text) {
    return await(node.client().post("/chat/rooms/outage/messages")
        .sendJsonObject(new JsonObject().put("sender", "ada").put("text", text)));
  }

  private static List<String> texts(TestNode node) {
    HttpResponse<Buffer> page = await(node.client().get("/chat/rooms/outage/messages?limit=50").send());
    return page.statusCode() != 200 ? List.of() : page.bodyAsJsonObject().getJsonArray("messages").stream()
        .map(m -> ((JsonObject) m).getString("text")).toList();
  }
}
