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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A message is shown and acknowledged only once it is stored: with PostgreSQL gone, messages are refused at
 * once (HTTP 503 with {@code Retry-After}, an {@code unavailable} frame) and no socket sees them; when
 * PostgreSQL is back chat goes on by itself, and history holds exactly the messages that were acknowledged,
 * once, in order.
 */
class ChatHistoryOutageIT {

  @Test
  void whilePostgresqlIsDownMessagesAreRefusedNotShownAndChatGoesOnWhenItIsBack() {
    String database = TestServers.createDatabase();
    Vertx clients = Vertx.vertx();
    try (TcpProxy proxy = TcpProxy.toPostgres()) {
      JsonObject config =
          new JsonObject()
              .put(
                  "db",
                  new JsonObject()
                      .put("url", proxy.url(database))
                      .put("connectTimeoutMs", 1000)
                      .put("queryTimeoutMs", 1000))
              .put("chat", new JsonObject().put("historyRetryMs", 200));
      try (TestNode node = TestNode.start(config);
          ChatClient ada = ChatClient.connect(clients, node.port(), "outage", "ada")) {
        assertThat(post(node, "m0").statusCode()).isEqualTo(201);
        assertThat(ada.next("message").getString("text")).isEqualTo("m0");

        proxy.stop();
        HttpResponse<Buffer> refused = post(node, "refused");
        assertProblem(refused, 503);
        assertThat(refused.getHeader("Retry-After")).isNotNull();
        ada.say("refused too");
        JsonObject error = ada.next("error");
        assertThat(error.getString("code")).isEqualTo("unavailable");

        proxy.start();
        List<Integer> statuses = new ArrayList<>();
        Poll.until(
            "a message taken again once PostgreSQL is back",
            Duration.ofSeconds(30),
            () -> {
              statuses.add(post(node, "after").statusCode());
              return statuses.get(statuses.size() - 1) == 201;
            });
        assertThat(statuses).allMatch(status -> status == 201 || status == 503);
        assertThat(ada.next("message").getString("text"))
            .as("nothing refused was shown")
            .isEqualTo("after");
        assertThat(texts(node)).containsExactly("m0", "after");
      }
    } finally {
      await(clients.close());
      TestServers.dropDatabase(database);
    }
  }

  private static HttpResponse<Buffer> post(TestNode node, String text) {
    return await(
        node.client()
            .post("/chat/rooms/outage/messages")
            .sendJsonObject(new JsonObject().put("sender", "ada").put("text", text)));
  }

  private static List<String> texts(TestNode node) {
    HttpResponse<Buffer> page =
        await(node.client().get("/chat/rooms/outage/messages?limit=50").send());
    return page.statusCode() != 200
        ? List.of()
        : page.bodyAsJsonObject().getJsonArray("messages").stream()
            .map(m -> ((JsonObject) m).getString("text"))
            .toList();
  }
}
