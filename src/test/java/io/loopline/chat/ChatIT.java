package io.loopline.chat;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.contract.Role;
import io.loopline.roles.HttpVerticle;
import io.loopline.support.ChatClient;
import io.loopline.support.Cleanup;
import io.loopline.support.Poll;
import io.loopline.support.Ports;
import io.loopline.support.RawWebSocket;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Chat over WebSockets and HTTP on a real node: fan-out once and in order, history, members, every limit
 * of the protocol, and two socket hosts sharing one event bus.
 */
class ChatIT {

  private static final int MAX_FRAME = 4096;
  private static final int MAX_LENGTH = 1000;
  private static final int BURST = 10;
  private static final int VIOLATIONS = 3;
  private static final int HISTORY_MAX = 20;
  // Pings, the idle close and hosts' leases are long enough that a test stalled for seconds on a
  // shared
  // machine keeps every live socket and member: only a client that answers nothing, or a host that
  // never
  // renews, is dropped.
  private static final long PING_MS = 2000;
  private static final long IDLE_MS = 10_000;
  private static final long LEASE_MS = 3000;
  private static final int RESUME_MAX = 5;

  private static TestNode node;
  private static WebClient client;
  private static Vertx clients;

  private static String sequencer;

  @BeforeAll
  static void start() {
    // The chat role is deployed here rather than by the launcher, so that a test can restart it.
    node =
        TestNode.start(
            new JsonObject()
                .put("roles", new JsonArray().add("http").add("persistence"))
                .put(
                    "chat",
                    new JsonObject()
                        .put("maxFrameBytes", MAX_FRAME)
                        .put("maxMessageLength", MAX_LENGTH)
                        // A bucket that does not refill within a test: each connection may send
                        // exactly BURST messages.
                        .put("messagesPerSecond", 0.0001)
                        .put("burst", BURST)
                        .put("rateViolationsBeforeClose", VIOLATIONS)
                        .put("writeQueueMaxBytes", 16384)
                        .put("pingIntervalMs", PING_MS)
                        .put("idleTimeoutMs", IDLE_MS)
                        .put("historyMaxLimit", HISTORY_MAX)
                        .put("historyQueueMax", 100_000)
                        .put("resumeMaxMessages", RESUME_MAX)
                        .put("hostLeaseMs", LEASE_MS)));
    sequencer = deploySequencer();
    client = node.client();
    clients = Vertx.vertx();
  }

  private static String deploySequencer() {
    return await(
        node.vertx()
            .deployVerticle(
                ChatVerticle::new,
                new DeploymentOptions().setConfig(node.node().config().sections("chat"))));
  }

  @AfterAll
  static void stop() {
    Cleanup.run(
        () -> {
          if (clients != null) {
            await(clients.close());
          }
        },
        () -> TestNode.closeAll(node));
  }

  private static String room() {
    return "room-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static ChatClient connect(String room, String name) {
    return ChatClient.connect(clients, node.port(), room, name);
  }

  @Test
  void everyClientGetsEveryMessageOnceInTheRoomsOrder() {
    String room = room();
    List<ChatClient> sockets = new ArrayList<>();
    try {
      for (String name : List.of("ada", "grace", "linus")) {
        sockets.add(connect(room, name));
      }
      // Everyone sends at once; the room decides one order.
      for (int i = 0; i < 5; i++) {
        for (ChatClient socket : sockets) {
          socket.say(socket.welcome.getJsonObject("member").getString("name") + " " + i);
        }
      }
      List<List<JsonObject>> seen = sockets.stream().map(s -> s.next("message", 15)).toList();

      List<Long> order = seen.get(0).stream().map(m -> m.getLong("seq")).toList();
      assertThat(order).isSorted().doesNotHaveDuplicates();
      for (List<JsonObject> messages : seen) {
        assertThat(messages).isEqualTo(seen.get(0));
      }
      assertThat(seen.get(0).stream().map(m -> m.getString("text")))
          .containsExactlyInAnyOrderElementsOf(
              IntStream.range(0, 5)
                  .boxed()
                  .flatMap(i -> List.of("ada " + i, "grace " + i, "linus " + i).stream())
                  .toList());
      // Each sender's own messages keep the order it sent them in.
      for (String name : List.of("ada", "grace", "linus")) {
        assertThat(
                seen.get(0).stream()
                    .filter(m -> m.getString("sender").equals(name))
                    .map(m -> m.getString("text")))
            .containsExactly(name + " 0", name + " 1", name + " 2", name + " 3", name + " 4");
      }
      JsonObject first = seen.get(0).get(0);
      assertThat(first.fieldNames())
          .containsExactlyInAnyOrder("type", "id", "seq", "room", "sender", "text", "time");
      assertThat(first.getString("room")).isEqualTo(room);
      // Nothing more arrives: each message came once.
      sockets.get(0).say("last");
      for (ChatClient socket : sockets) {
        assertThat(socket.next("message").getString("text")).isEqualTo("last");
      }
    } finally {
      sockets.forEach(ChatClient::close);
    }
  }

  @Test
  void joinsAndLeavesGoToTheRoomAndMembersAreListed() {
    String room = room();
    try (ChatClient ada = connect(room, "ada")) {
      assertThat(ada.welcome.getString("room")).isEqualTo(room);
      assertThat(ada.welcome.getJsonArray("members")).hasSize(1);
      try (ChatClient grace = connect(room, "grace")) {
        JsonObject joined = ada.next("join");
        assertThat(joined.getJsonObject("member").getString("name")).isEqualTo("grace");
        assertThat(joined.getLong("seq")).isEqualTo(grace.welcome.getLong("seq"));
        assertThat(
                grace.welcome.getJsonArray("members").stream()
                    .map(m -> ((JsonObject) m).getString("name")))
            .containsExactly("ada", "grace");

        HttpResponse<Buffer> members = await(client.get("/chat/rooms/" + room + "/members").send());
        assertThat(members.statusCode()).isEqualTo(200);
        assertThat(
                members.bodyAsJsonObject().getJsonArray("members").stream()
                    .map(m -> ((JsonObject) m).getString("name")))
            .containsExactly("ada", "grace");
      }
      JsonObject left = ada.next("leave");
      assertThat(left.getJsonObject("member").getString("name")).isEqualTo("grace");
      JsonArray after =
          await(client.get("/chat/rooms/" + room + "/members").send())
              .bodyAsJsonObject()
              .getJsonArray("members");
      assertThat(after.stream().map(m -> ((JsonObject) m).getString("name")))
          .containsExactly("ada");
    }
  }

  @Test
  void messagesPostedOverHttpReachTheSockets() {
    String room = room();
    try (ChatClient ada = connect(room, "ada")) {
      HttpResponse<Buffer> posted =
          await(
              client
                  .post("/chat/rooms/" + room + "/messages")
                  .sendJsonObject(
                      new JsonObject().put("sender", "curl user").put("text", "hello from HTTP")));

      assertThat(posted.statusCode()).as(posted.bodyAsString()).isEqualTo(201);
      JsonObject message = posted.bodyAsJsonObject();
      assertThat(message.getString("sender")).isEqualTo("curl user");
      assertThat(ada.next("message")).isEqualTo(message);
    }
  }

  @Test
  void historyPagesBackwardsFromTheNewest() throws Exception {
    String room = room();
    List<JsonObject> sent = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      sent.add(
          await(
                  client
                      .post("/chat/rooms/" + room + "/messages")
                      .sendJsonObject(new JsonObject().put("sender", "ada").put("text", "m" + i)))
              .bodyAsJsonObject());
    }
    Poll.until(
        "seven messages stored",
        Duration.ofSeconds(10),
        () -> history(room, "?limit=20").getJsonArray("messages").size() == 7);

    JsonObject newest = history(room, "?limit=3");
    assertThat(texts(newest)).containsExactly("m4", "m5", "m6");
    assertThat(newest.getJsonArray("messages").getJsonObject(2)).isEqualTo(sent.get(6));
    JsonObject middle = history(room, "?limit=3&before=" + newest.getLong("next"));
    assertThat(texts(middle)).containsExactly("m1", "m2", "m3");
    JsonObject oldest = history(room, "?limit=3&before=" + middle.getLong("next"));
    assertThat(texts(oldest)).containsExactly("m0");
    assertThat(oldest.getValue("next")).isNull();
    assertThat(texts(history(room, ""))).hasSize(7);
    assertThat(texts(history(room(), ""))).isEmpty();
  }

  @Test
  void historyAndRoomRequestsAreBounded() {
    String room = room();
    assertProblem(
        await(client.get("/chat/rooms/" + room + "/messages?limit=" + (HISTORY_MAX + 1)).send()),
        400);
    assertProblem(await(client.get("/chat/rooms/" + room + "/messages?limit=0").send()), 400);
    assertProblem(await(client.get("/chat/rooms/" + room + "/messages?before=0").send()), 400);
    assertProblem(await(client.get("/chat/rooms/" + "x".repeat(65) + "/messages").send()), 400);
    assertProblem(await(client.get("/chat/rooms/bad%20room/members").send()), 400);
    assertProblem(
        await(
            client
                .post("/chat/rooms/" + room + "/messages")
                .sendJsonObject(
                    new JsonObject().put("sender", "ada").put("text", "x".repeat(MAX_LENGTH + 1)))),
        400);
    assertProblem(
        await(
            client
                .post("/chat/rooms/" + room + "/messages")
                .sendJsonObject(new JsonObject().put("sender", " ada").put("text", "hi"))),
        400);
    assertProblem(
        await(
            client
                .post("/chat/rooms/" + room + "/messages")
                .sendJsonObject(new JsonObject().put("sender", "ada"))),
        400);
    // Not an upgrade, a bad name, a bad room: refused before any socket exists.
    assertProblem(await(client.get("/chat/rooms/" + room + "/ws?name=ada").send()), 400);
    assertProblem(await(client.get("/chat/rooms/" + room + "/ws").send()), 400);
    assertProblem(await(client.get("/chat/rooms/" + room + "/ws?name=%3Cscript%3E").send()), 400);
  }

  @Test
  void aPageOfAnotherSiteMayNotOpenASocket() {
    HttpResponse<Buffer> refused =
        await(
            client
                .get("/chat/rooms/" + room() + "/ws?name=ada")
                .putHeader("Upgrade", "websocket")
                .putHeader("Connection", "Upgrade")
                .putHeader("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
                .putHeader("Sec-WebSocket-Version", "13")
                .putHeader("Origin", "https://elsewhere.example")
                .send());
    assertProblem(refused, 403);
    // The server's own origin may: the Vert.x client sends Origin http://127.0.0.1:<port> as a page
    // there
    // would (every other test connects that way), and so does the browser test.
    try (ChatClient own = connect(room(), "ada")) {
      assertThat(own.welcome.getString("type")).isEqualTo("welcome");
    }
  }

  @Test
  void badInputGetsAnErrorFrameAndTheSocketStays() {
    String room = room();
    try (ChatClient ada = connect(room, "ada")) {
      ada.sendText("{not json");
      assertError(ada.next(), "invalid_json");
      ada.sendText("[1, 2]");
      assertError(ada.next(), "invalid_json");
      ada.sendText("{\"type\": \"shout\", \"text\": \"hi\"}");
      assertError(ada.next(), "unknown_type");
      ada.sendText("{\"type\": \"message\"}");
      assertError(ada.next(), "invalid_message");
      ada.say("x".repeat(MAX_LENGTH + 1));
      assertError(ada.next(), "too_long");
      // Longest allowed, in characters, not bytes: 1000 two-byte characters in a 4096-byte limit.
      ada.say("é".repeat(MAX_LENGTH));
      assertThat(ada.next("message").getString("text")).hasSize(MAX_LENGTH);
      ada.say("still here");
      assertThat(ada.next("message").getString("text")).isEqualTo("still here");
      assertThat(ada.isClosed()).isFalse();
    }
  }

  @Test
  void aMessageOverTheFrameLimitClosesWith1009AndOnlyThatSocket() {
    String room = room();
    try (ChatClient ada = connect(room, "ada");
        ChatClient grace = connect(room, "grace")) {
      grace.sendText("{\"type\": \"message\", \"text\": \"" + "x".repeat(MAX_FRAME) + "\"}");
      assertThat(grace.closeCode()).isEqualTo((short) 1009);
      assertThat(ada.next("leave").getJsonObject("member").getString("name")).isEqualTo("grace");
      ada.say("unaffected");
      assertThat(ada.next("message").getString("text")).isEqualTo("unaffected");
    }
    // The limit is on the whole message, fragments added up.
    try (ChatClient linus = connect(room, "linus")) {
      String half = "x".repeat(MAX_FRAME / 2 + 10);
      linus.sendFrame(
          WebSocketFrame.textFrame("{\"type\": \"message\", \"text\": \"" + half, false));
      linus.sendFrame(WebSocketFrame.continuationFrame(Buffer.buffer(half + "\"}"), true));
      assertThat(linus.closeCode()).isEqualTo((short) 1009);
    }
  }

  @Test
  void invalidUtf8ClosesWith1007AndBinaryWith1003() {
    String room = room();
    try (RawWebSocket raw =
        RawWebSocket.connect(node.port(), "/chat/rooms/" + room + "/ws?name=raw", 0)) {
      assertThat(frameText(raw)).contains("\"welcome\"");
      byte[] invalid =
          "{\"type\": \"message\", \"text\": \"\u00ff\u00fe\"}"
              .getBytes(StandardCharsets.ISO_8859_1);
      raw.send(0x1, invalid);
      assertThat(raw.readUntilClose()).isEqualTo(1007);
    }
    try (ChatClient ada = connect(room, "ada")) {
      ada.sendBinary(Buffer.buffer("{\"type\": \"message\", \"text\": \"hi\"}"));
      assertThat(ada.closeCode()).isEqualTo((short) 1003);
    }
  }

  @Test
  void aConnectionOverItsMessageRateGetsErrorsThenACloseWith1008() {
    String room = room();
    try (ChatClient ada = connect(room, "ada");
        ChatClient grace = connect(room, "grace")) {
      for (int i = 0; i < BURST; i++) {
        ada.say("burst " + i);
      }
      assertThat(ada.next("message", BURST)).hasSize(BURST);
      for (int i = 0; i < VIOLATIONS - 1; i++) {
        ada.say("too many " + i);
        assertError(ada.next("error"), "rate_limited");
      }
      ada.say("one too many");
      assertThat(ada.closeCode()).isEqualTo((short) 1008);
      // The room heard none of the refused messages, and grace, with her own budget, still talks.
      assertThat(grace.next("message", BURST).get(BURST - 1).getString("text"))
          .isEqualTo("burst " + (BURST - 1));
      grace.say("my turn");
      assertThat(grace.next("message").getString("text")).isEqualTo("my turn");
    }
  }

  @Test
  void aClientThatAnswersNoPingIsClosedAfterTheIdleTimeout() {
    String room = room();
    try (RawWebSocket raw =
            RawWebSocket.connect(node.port(), "/chat/rooms/" + room + "/ws?name=sleepy", 0);
        ChatClient awake = connect(room, "awake")) {
      boolean pinged = false;
      long started = System.nanoTime();
      // Pings keep arriving, so the socket's read timeout never fires: the loop has a deadline of
      // its own.
      long deadline = started + Duration.ofMillis(IDLE_MS * 5).toNanos();
      RawWebSocket.Frame frame;
      while ((frame = raw.read()) != null && frame.opcode() != 0x8) {
        pinged |= frame.opcode() == 0x9;
        assertThat(System.nanoTime() - deadline)
            .as("closed within " + IDLE_MS * 5 + " ms")
            .isNegative();
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .as("not closed before the idle timeout")
          .isGreaterThanOrEqualTo(Duration.ofMillis(IDLE_MS - PING_MS));
      assertThat(pinged).as("the server pinged").isTrue();
      assertThat(frame).isNotNull();
      assertThat(frame.closeCode()).isEqualTo(1001);
      // A client that answers pings (Vert.x does) stays past the idle timeout.
      assertThat(awake.next("leave").getJsonObject("member").getString("name")).isEqualTo("sleepy");
      awake.say("still awake");
      assertThat(awake.next("message").getString("text")).isEqualTo("still awake");
      assertThat(awake.isClosed()).isFalse();
    }
  }

  @Test
  void aClientThatDoesNotReadIsDisconnectedWith1013() {
    String room = room();
    try (RawWebSocket slow =
            RawWebSocket.connect(node.port(), "/chat/rooms/" + room + "/ws?name=slow", 4096);
        ChatClient fast = connect(room, "fast")) {
      String text = "y".repeat(MAX_LENGTH);
      int sent = 0;
      // The kernel's buffers (a few MB on loopback) fill first, then the server's write queue (16
      // KiB here).
      while (members(room).size() == 2 && sent < 40_000) {
        // It reads nothing but is not idle: an unsolicited pong (a heartbeat, RFC 6455 5.5.3) keeps
        // it
        // clear of the idle timeout, so that only the full write queue can close it.
        slow.send(0xA, new byte[0]);
        List<Future<Object>> batch = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          batch.add(
              node.vertx()
                  .eventBus()
                  .request(
                      Addresses.CHAT_SEND,
                      new JsonObject().put("room", room).put("sender", "bulk").put("text", text))
                  .map(m -> m.body()));
        }
        await(Future.all(batch));
        sent += 200;
        // The fast client keeps up: it reads everything.
        fast.next("message", 200);
      }
      assertThat(members(room)).containsExactly("fast");
      assertThat(slow.readUntilClose()).isEqualTo(1013);
      assertThat(fast.isClosed()).isFalse();
    }
  }

  @Test
  void twoSocketHostsOnOneEventBusDeliverTheRoomsMessagesAcrossThem() {
    JsonObject config = node.node().config().sections(HttpVerticle.SECTIONS);
    // A port of its own: port 0 would share the node's HTTP verticles' port (Vert.x shares a port
    // chosen by
    // the OS among the servers of one instance), and http.port takes no other value that the OS
    // chooses.
    // So a port free a moment ago, tried again if another process took it.
    int[] port = new int[1];
    String deployment =
        Ports.retryOnConflict(
            () -> {
              port[0] = Ports.free();
              config.getJsonObject("http").put("port", port[0]).put("instances", 1);
              return await(
                  node.vertx()
                      .deployVerticle(
                          new HttpVerticle(), new DeploymentOptions().setConfig(config.copy())));
            });
    String room = room();
    try (ChatClient ada = connect(room, "ada");
        ChatClient grace = ChatClient.connect(clients, port[0], room, "grace")) {
      assertThat(ada.next("join").getJsonObject("member").getString("name")).isEqualTo("grace");
      ada.say("from the first host");
      grace.say("from the second host");
      List<JsonObject> atAda = ada.next("message", 2);
      List<JsonObject> atGrace = grace.next("message", 2);
      assertThat(atAda).isEqualTo(atGrace);
      assertThat(atAda.stream().map(m -> m.getString("text")))
          .containsExactlyInAnyOrder("from the first host", "from the second host");
      WebClient second =
          WebClient.create(
              clients, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port[0]));
      try {
        JsonArray members =
            await(second.get("/chat/rooms/" + room + "/members").send())
                .bodyAsJsonObject()
                .getJsonArray("members");
        assertThat(members.stream().map(m -> ((JsonObject) m).getString("name")))
            .containsExactly("ada", "grace");
        await(
            second
                .post("/chat/rooms/" + room + "/messages")
                .sendJsonObject(new JsonObject().put("sender", "http").put("text", "both")));
        assertThat(ada.next("message").getString("text")).isEqualTo("both");
        assertThat(grace.next("message").getString("text")).isEqualTo("both");
      } finally {
        second.close();
      }
    } finally {
      await(node.vertx().undeploy(deployment));
    }
  }

  @Test
  void membersOfAHostThatDiedWithoutAWordLeaveAfterThreeMissedLeases() {
    String room = room();
    try (ChatClient ada = connect(room, "ada")) {
      // A socket host on a node that then died: it joined a member and never renews its lease.
      await(
          node.vertx()
              .eventBus()
              .request(
                  Addresses.CHAT_JOIN,
                  new JsonObject()
                      .put("room", room)
                      .put("member", "ghost-1")
                      .put("name", "ghost")
                      .put("host", "dead-host")));
      assertThat(ada.next("join").getJsonObject("member").getString("name")).isEqualTo("ghost");
      assertThat(members(room)).containsExactly("ada", "ghost");
      long joined = System.nanoTime();

      assertThat(ada.next("leave").getJsonObject("member").getString("name")).isEqualTo("ghost");
      assertThat(Duration.ofNanos(System.nanoTime() - joined))
          .as("not before two leases were missed")
          .isGreaterThanOrEqualTo(Duration.ofMillis(2 * LEASE_MS));
      assertThat(members(room)).containsExactly("ada");
    }
  }

  @Test
  void aRestartedSequencerLearnsTheMembersBackFromTheLeases() {
    String room = room();
    try (ChatClient ada = connect(room, "ada");
        ChatClient grace = connect(room, "grace")) {
      await(node.vertx().undeploy(sequencer));
      sequencer = deploySequencer();

      Poll.until("members listed again", Duration.ofSeconds(30), () -> members(room).size() == 2);
      assertThat(members(room)).containsExactlyInAnyOrder("ada", "grace");
      ada.say("after the restart");
      assertThat(grace.next("message").getString("text")).isEqualTo("after the restart");
    }
  }

  @Test
  void eachMessageIsAcknowledgedWithItsSeqAndRefOnceStoredAndShown() throws Exception {
    String room = room();
    try (ChatClient ada = connect(room, "ada")) {
      ada.say("hello", "r-1");
      JsonObject echo = ada.next("message");
      JsonObject ack = ada.next("ack");
      assertThat(ack.getString("ref")).isEqualTo("r-1");
      assertThat(ack.getLong("seq"))
          .isEqualTo(echo.getLong("seq"))
          .isGreaterThan(ada.welcome.getLong("seq"));
      assertThat(ack.getString("id")).isEqualTo(echo.getString("id"));
      try (Connection db = TestServers.jdbc(node.databaseUrl());
          Statement st = db.createStatement();
          ResultSet rows =
              st.executeQuery(
                  "SELECT seq FROM chat_messages WHERE id = '" + ack.getString("id") + "'")) {
        assertThat(rows.next()).as("stored before it was acknowledged").isTrue();
        assertThat(rows.getLong(1)).isEqualTo(ack.getLong("seq"));
      }
      HttpResponse<Buffer> posted =
          await(
              client
                  .post("/chat/rooms/" + room + "/messages")
                  .sendJsonObject(new JsonObject().put("sender", "http").put("text", "over HTTP")));
      assertThat(posted.statusCode()).isEqualTo(201);
      assertThat(posted.bodyAsJsonObject().getLong("seq")).isGreaterThan(ack.getLong("seq"));
      ada.sendText(
          new JsonObject()
              .put("type", "message")
              .put("text", "x")
              .put("ref", "r".repeat(65))
              .encode());
      assertError(ada.next("error"), "invalid_message");

      // The socket hosts' series (this test deploys the sequencer itself, outside the node's
      // registry: its
      // series are checked in ChatPoisonIT).
      String metrics = await(client.get("/metrics").send()).bodyAsString();
      assertThat(metrics)
          .contains(
              "loopline_chat_sockets ",
              "loopline_chat_messages_out_total ",
              "loopline_chat_fanout_seconds_count ");
    }
  }

  @Test
  void aSocketThatComesBackWithSinceGetsExactlyWhatItMissedThenLiveEvents() {
    String room = room();
    long since;
    try (ChatClient ada = connect(room, "ada")) {
      post(room, "seen 1");
      since = ada.next("message").getLong("seq");
    }
    List<Long> missed = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      missed.add(post(room, "missed " + i));
    }
    try (ChatClient back = ChatClient.connect(clients, node.port(), room, "ada", since)) {
      List<JsonObject> replayed = back.next("message", 3);
      assertThat(replayed).extracting(m -> m.getLong("seq")).containsExactlyElementsOf(missed);
      assertThat(replayed)
          .extracting(m -> m.getString("text"))
          .containsExactly("missed 1", "missed 2", "missed 3");
      JsonObject resumed = back.next();
      assertThat(resumed.getString("type")).isEqualTo("resumed");
      assertThat(resumed.getLong("since")).isEqualTo(since);
      assertThat(resumed.getLong("seq")).isEqualTo(back.welcome.getLong("seq"));
      assertThat(resumed.getInteger("replayed")).isEqualTo(3);
      assertThat(resumed.getBoolean("truncated")).isFalse();
      long live = post(room, "live");
      JsonObject next = back.next("message");
      assertThat(next.getString("text")).isEqualTo("live");
      assertThat(next.getLong("seq")).isEqualTo(live);
      assertThat(back.pending()).noneMatch(f -> "message".equals(f.getString("type")));
    }
    // More missed than chat.resumeMaxMessages: the newest ones, and the client is told.
    for (int i = 0; i < RESUME_MAX + 2; i++) {
      post(room, "many " + i);
    }
    try (ChatClient far = ChatClient.connect(clients, node.port(), room, "ada", since)) {
      List<JsonObject> replayed = far.next("message", RESUME_MAX);
      assertThat(replayed.get(RESUME_MAX - 1).getString("text"))
          .isEqualTo("many " + (RESUME_MAX + 1));
      assertThat(replayed).extracting(m -> m.getLong("seq")).isSorted();
      JsonObject resumed = far.next();
      assertThat(resumed.getString("type")).isEqualTo("resumed");
      assertThat(resumed.getBoolean("truncated")).isTrue();
    }
    HttpResponse<Buffer> bad =
        await(
            client
                .get("/chat/rooms/" + room + "/ws?name=ada&since=-1")
                .putHeader("Upgrade", "websocket")
                .putHeader("Connection", "Upgrade")
                .putHeader("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
                .putHeader("Sec-WebSocket-Version", "13")
                .send());
    assertThat(assertProblem(bad, 400).getJsonArray("errors").getJsonObject(0).getString("pointer"))
        .isEqualTo("/query/since");
  }

  /**
   * Fencing: history writes name the lease's epoch, and one of an epoch that no longer holds the lease
   * stores nothing; the lease cannot be taken while its holder renews it.
   */
  @Test
  void historyWritesOfAnEpochThatDoesNotHoldTheLeaseStoreNothing() throws Exception {
    String room = room();
    long epoch =
        await(
                node.vertx()
                    .eventBus()
                    .<JsonObject>request(Addresses.health(Role.CHAT), new JsonObject()))
            .body()
            .getLong("epoch");
    JsonObject message =
        new JsonObject()
            .put("room", room)
            .put("seq", 1)
            .put("id", "fenced")
            .put("sender", "old")
            .put("text", "from a deposed sequencer")
            .put("time", "2026-01-01T00:00:00Z");
    ReplyException fenced =
        catchThrowableOfType(
            ReplyException.class,
            () ->
                await(
                    node.vertx()
                        .eventBus()
                        .request(
                            Addresses.CHAT_HISTORY_APPEND,
                            new JsonObject()
                                .put("epoch", epoch + 1)
                                .put("messages", new JsonArray().add(message)))));
    assertThat(fenced.failureCode()).isEqualTo(Failures.CONFLICT);
    ReplyException held =
        catchThrowableOfType(
            ReplyException.class,
            () ->
                await(
                    node.vertx()
                        .eventBus()
                        .request(
                            Addresses.CHAT_LEASE_TAKE,
                            new JsonObject().put("holder", "usurper").put("leaseMs", 5000))));
    assertThat(held.failureCode()).isEqualTo(Failures.CONFLICT);
    assertThat(held.getMessage()).contains("held by chat-");
    HttpResponse<Buffer> page = await(client.get("/chat/rooms/" + room + "/messages").send());
    assertThat(page.bodyAsJsonObject().getJsonArray("messages")).isEmpty();
    await(
        node.vertx()
            .eventBus()
            .request(
                Addresses.CHAT_HISTORY_APPEND,
                new JsonObject()
                    .put("epoch", epoch)
                    .put("messages", new JsonArray().add(message))));
    assertThat(
            await(client.get("/chat/rooms/" + room + "/messages").send())
                .bodyAsJsonObject()
                .getJsonArray("messages"))
        .hasSize(1);
  }

  /** Posts over HTTP; the stored message's seq. */
  private static long post(String room, String text) {
    HttpResponse<Buffer> posted =
        await(
            client
                .post("/chat/rooms/" + room + "/messages")
                .sendJsonObject(new JsonObject().put("sender", "grace").put("text", text)));
    assertThat(posted.statusCode()).as(posted.bodyAsString()).isEqualTo(201);
    return posted.bodyAsJsonObject().getLong("seq");
  }

  @Test
  void thePageIsServedWithAContentSecurityPolicy() {
    HttpResponse<Buffer> page = await(client.get("/chat/").send());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    assertThat(page.getHeader("Content-Security-Policy"))
        .contains("script-src 'self'")
        .contains("connect-src 'self'");
    assertThat(page.bodyAsString()).contains("chat.js");
    HttpResponse<Buffer> script = await(client.get("/chat/chat.js").send());
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.bodyAsString()).contains("/chat/rooms/");
    assertThat(await(client.get("/chat").followRedirects(false).send()).getHeader("Location"))
        .isEqualTo("/chat/");
    assertProblem(await(client.get("/chat/nothing-here.js").send()), 404);
  }

  private static JsonObject history(String room, String query) {
    HttpResponse<Buffer> page =
        await(client.get("/chat/rooms/" + room + "/messages" + query).send());
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    return page.bodyAsJsonObject();
  }

  private static List<String> texts(JsonObject page) {
    return page.getJsonArray("messages").stream()
        .map(m -> ((JsonObject) m).getString("text"))
        .toList();
  }

  private static List<String> members(String room) {
    return await(client.get("/chat/rooms/" + room + "/members").send())
        .bodyAsJsonObject()
        .getJsonArray("members")
        .stream()
        .map(m -> ((JsonObject) m).getString("name"))
        .toList();
  }

  private static String frameText(RawWebSocket raw) {
    RawWebSocket.Frame frame = raw.read();
    assertThat(frame).isNotNull();
    return new String(frame.payload(), StandardCharsets.UTF_8);
  }

  private static void assertError(JsonObject frame, String code) {
    assertThat(frame.getString("type")).isEqualTo("error");
    assertThat(frame.getString("code")).isEqualTo(code);
    assertThat(frame.getString("detail")).isNotBlank();
  }
}
