package io.loopline.chat;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.contract.StorableText;
import io.loopline.support.ChatClient;
import io.loopline.support.Cleanup;
import io.loopline.support.LogCapture;
import io.loopline.support.Poll;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One message PostgreSQL cannot store must not stop chat history: U+0000 is refused where it comes in
 * (HTTP 400 naming the field, an error frame on the socket, which stays open); and a message that passes
 * every check but that the database still refuses (here a constraint the test adds) is refused alone (400,
 * never shown), counted and logged, while every message behind it, of every room, is stored and shown.
 */
class ChatPoisonIT {

  private static TestNode node;
  private static Vertx clients;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    clients = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    Cleanup.closeAll(clients == null ? null : () -> await(clients.close()), node);
  }

  @Test
  void aNulIsRefusedOverHttpAndOnTheSocketWhichStaysOpen() {
    try (ChatClient ada = ChatClient.connect(clients, node.port(), "nul", "ada")) {
      JsonObject problem = assertProblem(post("nul", "ada", "before\u0000after"), 400);
      assertThat(problem.getJsonArray("errors").getJsonObject(0).getString("pointer"))
          .isEqualTo("/body/text");

      ada.say("a\u0000b");
      JsonObject error = ada.next();
      assertThat(error.getString("type")).isEqualTo("error");
      assertThat(error.getString("code")).isEqualTo("invalid_message");
      assertThat(error.getString("detail")).isEqualTo("text: " + StorableText.REASON);

      ada.say("still here");
      assertThat(ada.next("message").getString("text")).isEqualTo("still here");
      assertThat(ada.isClosed()).isFalse();
      Poll.until(
          "the good message stored, alone",
          Duration.ofSeconds(10),
          () -> texts("nul").equals(List.of("still here")));
    }
  }

  @Test
  void aMessageTheDatabaseRefusesIsRefusedAloneAndEveryMessageBehindItIsStored() throws Exception {
    try (Connection db = TestServers.jdbc(node.databaseUrl());
        Statement st = db.createStatement()) {
      st.execute(
          "ALTER TABLE chat_messages ADD CONSTRAINT planted_poison CHECK (text <> 'poison')");
    }
    try (LogCapture log = new LogCapture(HistoryWriter.class.getName());
        ChatClient bob = ChatClient.connect(clients, node.port(), "poisoned", "bob")) {
      // All at once, so that the poison travels in one batch with good messages on both sides of
      // it.
      List<Future<Message<JsonObject>>> sent = new ArrayList<>();
      for (String text : List.of("m1", "m2", "poison", "m3", "m4")) {
        sent.add(
            node.vertx()
                .eventBus()
                .request(
                    Addresses.CHAT_SEND,
                    new JsonObject()
                        .put("room", "poisoned")
                        .put("sender", "bob")
                        .put("text", text)));
      }
      await(Future.join(sent).otherwiseEmpty());
      ReplyException refused = (ReplyException) sent.get(2).cause();
      assertThat(refused.failureCode()).isEqualTo(Failures.BAD_REQUEST);
      assertThat(refused.getMessage()).isEqualTo("text: refused by the database");
      assertThat(sent.stream().filter(Future::succeeded)).hasSize(4);
      assertThat(bob.next("message", 4).stream().map(m -> m.getString("text")))
          .containsExactly("m1", "m2", "m3", "m4");

      assertThat(post("poisoned", "bob", "after").statusCode()).isEqualTo(201);
      assertThat(post("elsewhere", "bob", "another room").statusCode()).isEqualTo(201);
      Poll.until(
          "every message but the poison stored",
          Duration.ofSeconds(20),
          () -> texts("poisoned").equals(List.of("m1", "m2", "m3", "m4", "after")));
      Poll.until(
          "the other room's message stored",
          Duration.ofSeconds(20),
          () -> texts("elsewhere").equals(List.of("another room")));

      assertThat(log.await("chat message not stored")).contains("room poisoned");
      String metrics = await(node.client().get("/metrics").send()).bodyAsString();
      assertThat(metrics)
          .contains(
              "loopline_chat_history_failed_total 1.0",
              "loopline_chat_messages_in_total{outcome=\"accepted\"} ",
              "loopline_chat_messages_in_total{outcome=\"refused\"} 1.0",
              "loopline_chat_commit_seconds_count ",
              "loopline_chat_sequencer_leader 1.0",
              "loopline_chat_sequencer_epoch ",
              "loopline_chat_sequencer_elections_total 1.0",
              "loopline_chat_history_queue 0.0",
              "loopline_chat_sockets ",
              "loopline_chat_messages_out_total ",
              "loopline_chat_fanout_seconds_count ");
    }
  }

  private static HttpResponse<Buffer> post(String room, String sender, String text) {
    return await(
        node.client()
            .post("/chat/rooms/" + room + "/messages")
            .sendJsonObject(new JsonObject().put("sender", sender).put("text", text)));
  }

  private static List<String> texts(String room) {
    HttpResponse<Buffer> page =
        await(node.client().get("/chat/rooms/" + room + "/messages?limit=50").send());
    return page.statusCode() != 200
        ? List.of()
        : page.bodyAsJsonObject().getJsonArray("messages").stream()
            .map(m -> ((JsonObject) m).getString("text"))
            .toList();
  }
}
