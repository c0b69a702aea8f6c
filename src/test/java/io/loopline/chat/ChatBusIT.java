package io.loopline.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.Addresses;
import io.loopline.contract.Role;
import io.loopline.support.BusClient;
import io.loopline.support.Poll;
import io.loopline.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chat addresses of docs/event-bus.md sent to directly: the sequencer's (join, send, leave, members,
 * hostGone, hostAlive, health) with the events it publishes on {@code chat.events} and the room's address,
 * and the persistence role's (history, leases, rooms) on a node with no sequencer, so the lease is free.
 */
class ChatBusIT {

  private static final int MAX_LENGTH = 200;

  private static TestNode node;
  private static TestNode store;
  private static BusClient bus;
  private static BusClient storeBus;

  @BeforeAll
  static void start() {
    // Hosts' leases far longer than the test: the members it joins for a host that never renews
    // stay.
    node =
        TestNode.start(
            new JsonObject()
                .put(
                    "chat",
                    new JsonObject()
                        .put("hostLeaseMs", 600_000)
                        .put("maxMessageLength", MAX_LENGTH)));
    store = TestNode.start(new JsonObject().put("roles", new JsonArray().add("persistence")));
    bus = new BusClient(node.vertx().eventBus());
    storeBus = new BusClient(store.vertx().eventBus());
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(store, node);
  }

  private static String room() {
    return "bus-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static JsonObject awaitSequencer() {
    return Poll.value(
        "a sequencer elected",
        Duration.ofSeconds(30),
        () -> {
          try {
            return bus.ask(Addresses.health(Role.CHAT), new JsonObject());
          } catch (RuntimeException e) {
            return null; // no sequencer yet: NO_HANDLERS
          }
        },
        h -> h != null && h.getString("sequencer") != null);
  }

  @Test
  void membersJoinTalkAndLeaveWithEveryEventPublished() {
    awaitSequencer();
    String room = room();
    try (BusClient.Inbox roomEvents = bus.listen(Addresses.chatRoom(room));
        BusClient.Inbox allEvents = bus.listen(Addresses.CHAT_EVENTS)) {
      JsonObject joined =
          bus.ask(
              Addresses.CHAT_JOIN,
              new JsonObject()
                  .put("room", room)
                  .put("member", "m-1")
                  .put("name", "ada")
                  .put("host", "bus-host"));
      assertThat(joined.getInteger("memberCount")).isEqualTo(1);
      assertThat(joined.getJsonArray("members"))
          .containsExactly(new JsonObject().put("id", "m-1").put("name", "ada"));
      JsonObject joinEvent = joined.getJsonObject("event");
      assertThat(joinEvent.getString("type")).isEqualTo("join");
      assertThat(joinEvent.getJsonObject("member"))
          .isEqualTo(new JsonObject().put("id", "m-1").put("name", "ada"));
      assertThat(roomEvents.next()).isEqualTo(joinEvent);
      assertThat(allEvents.next(e -> room.equals(e.getString("room")))).isEqualTo(joinEvent);

      JsonObject message =
          bus.ask(
              Addresses.CHAT_SEND,
              new JsonObject()
                  .put("room", room)
                  .put("sender", "ada")
                  .put("text", "hello")
                  .put("member", "m-1"));
      assertThat(message.fieldNames())
          .containsExactlyInAnyOrder("type", "id", "seq", "room", "sender", "text", "time");
      assertThat(message.getString("type")).isEqualTo("message");
      assertThat(message.getLong("seq")).isGreaterThan(joinEvent.getLong("seq"));
      assertThat(roomEvents.next()).isEqualTo(message);
      assertThat(allEvents.next(e -> room.equals(e.getString("room")))).isEqualTo(message);

      assertThat(bus.ask(Addresses.CHAT_MEMBERS, new JsonObject().put("room", room)))
          .isEqualTo(
              new JsonObject()
                  .put("room", room)
                  .put(
                      "members",
                      new JsonArray().add(new JsonObject().put("id", "m-1").put("name", "ada"))));
      assertThat(
              bus.ask(
                  Addresses.CHAT_LEAVE, new JsonObject().put("room", room).put("member", "m-1")))
          .isEqualTo(new JsonObject());
      JsonObject left = roomEvents.next();
      assertThat(left.getString("type")).isEqualTo("leave");
      assertThat(left.getJsonObject("member"))
          .isEqualTo(new JsonObject().put("id", "m-1").put("name", "ada"));
      assertThat(left.getLong("seq")).isGreaterThan(message.getLong("seq"));
      assertThat(
              bus.ask(Addresses.CHAT_MEMBERS, new JsonObject().put("room", room))
                  .getJsonArray("members"))
          .isEmpty();

      assertThat(
              bus.failureCode(
                  Addresses.CHAT_SEND,
                  new JsonObject().put("room", room).put("sender", "ada").put("text", " "),
                  "text: "))
          .isEqualTo(400);
      assertThat(
              bus.failureCode(
                  Addresses.CHAT_SEND,
                  new JsonObject()
                      .put("room", room)
                      .put("sender", "ada")
                      .put("text", "x".repeat(MAX_LENGTH + 1)),
                  "text: "))
          .isEqualTo(400);
      assertThat(
              bus.failureCode(
                  Addresses.CHAT_SEND,
                  new JsonObject().put("room", "bad room").put("sender", "ada").put("text", "hi"),
                  "room: "))
          .isEqualTo(400);
      assertThat(
              bus.failureCode(
                  Addresses.CHAT_SEND,
                  new JsonObject().put("room", room).put("sender", "<ada>").put("text", "hi"),
                  "sender: "))
          .isEqualTo(400);
      assertThat(
              bus.failureCode(
                  Addresses.CHAT_JOIN,
                  new JsonObject().put("room", room).put("name", "ada"),
                  "join: "))
          .isEqualTo(400);
      assertThat(
              bus.failureCode(
                  Addresses.CHAT_MEMBERS, new JsonObject().put("room", "x".repeat(65)), "room: "))
          .isEqualTo(400);
      assertThat(
              bus.failureCode(
                  Addresses.CHAT_MEMBERS, room, "the message body must be a JSON object"))
          .isEqualTo(400);
      // Refused messages were never published: the next event of the room is the one sent now.
      JsonObject after =
          bus.ask(
              Addresses.CHAT_SEND,
              new JsonObject().put("room", room).put("sender", "ada").put("text", "after"));
      assertThat(roomEvents.next()).isEqualTo(after);
    }
  }

  @Test
  void aHostThatIsGoneLosesItsMembersAndALiveHostIsCountedIn() {
    awaitSequencer();
    String room = room();
    try (BusClient.Inbox roomEvents = bus.listen(Addresses.chatRoom(room));
        BusClient.Inbox allEvents = bus.listen(Addresses.CHAT_EVENTS)) {
      for (String member : new String[] {"g-1", "g-2"}) {
        bus.ask(
            Addresses.CHAT_JOIN,
            new JsonObject()
                .put("room", room)
                .put("member", member)
                .put("name", "ghost " + member)
                .put("host", "gone-host"));
      }
      bus.ask(
          Addresses.CHAT_JOIN,
          new JsonObject()
              .put("room", room)
              .put("member", "s-1")
              .put("name", "stays")
              .put("host", "live-host"));

      assertThat(bus.ask(Addresses.CHAT_HOST_GONE, new JsonObject().put("host", "gone-host")))
          .isEqualTo(new JsonObject().put("left", 2));
      assertThat(
              roomEvents
                  .next(e -> "leave".equals(e.getString("type")))
                  .getJsonObject("member")
                  .getString("id"))
          .isEqualTo("g-1");
      assertThat(
              roomEvents
                  .next(e -> "leave".equals(e.getString("type")))
                  .getJsonObject("member")
                  .getString("id"))
          .isEqualTo("g-2");
      assertThat(
              bus.ask(Addresses.CHAT_MEMBERS, new JsonObject().put("room", room))
                  .getJsonArray("members"))
          .containsExactly(new JsonObject().put("id", "s-1").put("name", "stays"));
      assertThat(bus.ask(Addresses.CHAT_HOST_GONE, new JsonObject().put("host", "gone-host")))
          .isEqualTo(new JsonObject().put("left", 0));

      // A host the sequencer did not know (after an election, say) brings its members with its
      // lease.
      node.vertx()
          .eventBus()
          .send(
              Addresses.CHAT_HOST_ALIVE,
              new JsonObject()
                  .put("host", "new-host")
                  .put(
                      "members",
                      new JsonArray()
                          .add(
                              new JsonObject()
                                  .put("room", room)
                                  .put("id", "n-1")
                                  .put("name", "newcomer"))));
      Poll.until(
          "the new host's member counted in",
          Duration.ofSeconds(30),
          () ->
              bus.ask(Addresses.CHAT_MEMBERS, new JsonObject().put("room", room))
                  .getJsonArray("members")
                  .contains(new JsonObject().put("id", "n-1").put("name", "newcomer")));

      // A probe is answered once its event went out on chat.events, where the asking host listens.
      assertThat(
              bus.ask(
                  Addresses.CHAT_HOST_ALIVE,
                  new JsonObject().put("host", "probing-host").put("probe", true)))
          .isEqualTo(new JsonObject());
      assertThat(
              allEvents.next(
                  e ->
                      "probe".equals(e.getString("type"))
                          && "probing-host".equals(e.getString("host"))))
          .isEqualTo(new JsonObject().put("type", "probe").put("host", "probing-host"));
    }
  }

  @Test
  void anElectedSequencerAnnouncesItselfOnTheEvents() {
    // A node of its own without the chat role, so this test starts the sequencer and sees its
    // election.
    try (TestNode bare =
            TestNode.start(new JsonObject().put("roles", new JsonArray().add("persistence")));
        BusClient.Inbox events =
            new BusClient(bare.vertx().eventBus()).listen(Addresses.CHAT_EVENTS)) {
      TestNode.await(
          bare.vertx()
              .deployVerticle(
                  ChatVerticle::new,
                  new io.vertx.core.DeploymentOptions()
                      .setConfig(bare.node().config().sections("chat"))));
      JsonObject elected = events.next(e -> "sequencer".equals(e.getString("type")));
      assertThat(elected.fieldNames()).containsExactlyInAnyOrder("type", "epoch", "floor", "node");
      assertThat(elected.getLong("epoch")).isPositive();
      JsonObject health =
          new BusClient(bare.vertx().eventBus()).ask(Addresses.health(Role.CHAT), new JsonObject());
      assertThat(health.getLong("epoch")).isEqualTo(elected.getLong("epoch"));
      assertThat(health.getString("sequencer")).isEqualTo(elected.getString("node"));
    }
  }

  @Test
  void healthNamesTheSequencerAndItsEpoch() {
    JsonObject health = awaitSequencer();
    assertThat(health.getString("role")).isEqualTo("chat");
    assertThat(health.getLong("epoch")).isPositive();
    assertThat(health.getInteger("historyQueue")).isNotNegative();
  }

  @Test
  void theLeaseIsTakenRenewedAndReleasedAndFencesHistoryWrites() {
    JsonObject taken =
        storeBus.ask(
            Addresses.CHAT_LEASE_TAKE,
            new JsonObject().put("holder", "first").put("leaseMs", 600_000));
    long epoch = taken.getLong("epoch");
    assertThat(taken.fieldNames()).containsExactlyInAnyOrder("epoch", "lastStored", "lastGiven");
    assertThat(
            storeBus.failureCode(
                Addresses.CHAT_LEASE_TAKE,
                new JsonObject().put("holder", "second").put("leaseMs", 600_000),
                "the chat sequencer's lease is held by first"))
        .isEqualTo(409);

    assertThat(
            storeBus.ask(
                Addresses.CHAT_LEASE_RENEW,
                new JsonObject()
                    .put("epoch", epoch)
                    .put("holder", "first")
                    .put("leaseMs", 600_000)
                    .put("lastSeq", 5)))
        .isEqualTo(new JsonObject().put("epoch", epoch));
    assertThat(
            storeBus.failureCode(
                Addresses.CHAT_LEASE_RENEW,
                new JsonObject()
                    .put("epoch", epoch + 1)
                    .put("holder", "first")
                    .put("leaseMs", 600_000)
                    .put("lastSeq", 5),
                ""))
        .isEqualTo(409);

    String room = room();
    JsonObject message =
        new JsonObject()
            .put("type", "message")
            .put("id", UUID.randomUUID().toString())
            .put("seq", 1)
            .put("room", room)
            .put("sender", "ada")
            .put("text", "stored by the holder")
            .put("time", "2026-01-01T00:00:00Z");
    JsonObject append =
        new JsonObject().put("epoch", epoch).put("messages", new JsonArray().add(message));
    assertThat(storeBus.ask(Addresses.CHAT_HISTORY_APPEND, append))
        .isEqualTo(new JsonObject().put("stored", 1));
    assertThat(storeBus.ask(Addresses.CHAT_HISTORY_APPEND, append))
        .as("the same room and seq again")
        .isEqualTo(new JsonObject().put("stored", 0));
    JsonObject page = storeBus.ask(Addresses.CHAT_HISTORY_LIST, new JsonObject().put("room", room));
    assertThat(page.getString("room")).isEqualTo(room);
    assertThat(page.getJsonArray("messages")).hasSize(1);
    assertThat(page.getJsonArray("messages").getJsonObject(0).getString("text"))
        .isEqualTo("stored by the holder");
    assertThat(page.getValue("next")).isNull();
    assertThat(
            storeBus.failureCode(
                Addresses.CHAT_HISTORY_LIST,
                new JsonObject().put("room", room).put("limit", 1001),
                "limit: "))
        .isEqualTo(400);
    assertThat(storeBus.ask(Addresses.CHAT_ROOMS, new JsonObject()).getInteger("windowMinutes"))
        .isEqualTo(15);

    assertThat(
            storeBus.ask(
                Addresses.CHAT_LEASE_RELEASE,
                new JsonObject().put("epoch", epoch).put("lastSeq", 7)))
        .isEqualTo(new JsonObject().put("released", true));
    assertThat(
            storeBus.ask(
                Addresses.CHAT_LEASE_RELEASE,
                new JsonObject().put("epoch", epoch + 100).put("lastSeq", 7)))
        .as("an epoch that never held the lease")
        .isEqualTo(new JsonObject().put("released", false));
    JsonObject next =
        storeBus.ask(
            Addresses.CHAT_LEASE_TAKE,
            new JsonObject().put("holder", "second").put("leaseMs", 600_000));
    assertThat(next.getLong("epoch")).isGreaterThan(epoch);
    assertThat(next.getLong("lastGiven")).isEqualTo(7);
    assertThat(next.getLong("lastStored")).isGreaterThanOrEqualTo(1);
    // The old epoch is fenced off: its writes store nothing.
    JsonObject late = message.copy().put("seq", 2).put("id", UUID.randomUUID().toString());
    assertThat(
            storeBus.failureCode(
                Addresses.CHAT_HISTORY_APPEND,
                new JsonObject().put("epoch", epoch).put("messages", new JsonArray().add(late)),
                ""))
        .isEqualTo(409);
    assertThat(
            storeBus
                .ask(Addresses.CHAT_HISTORY_LIST, new JsonObject().put("room", room))
                .getJsonArray("messages"))
        .hasSize(1);
  }
}
