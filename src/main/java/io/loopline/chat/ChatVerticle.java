package io.loopline.chat;

import io.loopline.contract.Addresses;
import io.loopline.contract.ChatNames;
import io.loopline.contract.Failures;
import io.loopline.contract.Role;
import io.loopline.platform.bus.Operations;
import io.loopline.platform.config.ChatSettings;
import io.loopline.platform.observe.Metrics;
import io.loopline.platform.observe.NodeGauge;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rooms' sequencer. Every node with the chat role runs one; the one holding the lease
 * ({@link SequencerLease}) is active and the others stand by. The active one alone consumes the chat
 * addresses: every message, join and leave of every room passes through its single event loop, which stamps
 * it with the next {@code seq}. A message is stored in history first ({@link HistoryWriter}); only then is it
 * published to the socket hosts ({@link Addresses#CHAT_EVENTS}) and the room's followers, and acknowledged.
 * Joins and leaves wait behind the messages stamped before them, so every host receives a room's events in
 * seq order, and nothing is shown or acknowledged that history could lose. It also keeps who is in each room
 * and on which host ({@link Presence}). Receives the {@code chat} section.
 */
public final class ChatVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ChatVerticle.class);

  /** An event stamped and waiting for its turn: for a message, for history to store it. */
  private static final class Outgoing {
    final String room;
    final JsonObject event;
    final Promise<JsonObject> request;
    final JsonObject reply;
    final long stamped = System.nanoTime();
    boolean settled;
    ReplyException failure;

    Outgoing(
        String room,
        JsonObject event,
        Promise<JsonObject> request,
        JsonObject reply,
        boolean settled) {
      this.room = room;
      this.event = event;
      this.request = request;
      this.reply = reply;
      this.settled = settled;
    }
  }

  private final Sequence sequence = new Sequence();
  private final Presence presence = new Presence();
  private final Deque<Outgoing> outbox = new ArrayDeque<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  /** This node's name in the lease, logs and readiness. */
  private final String holder = "chat-" + UUID.randomUUID();

  private ChatSettings settings;
  private HistoryWriter history;
  private SequencerLease lease;
  private long expiry = -1;
  private NodeGauge leading;
  private NodeGauge epoch;
  private NodeGauge queued;
  private Counter elections;
  private Counter accepted;
  private Counter refused;
  private Timer commit;

  @Override
  public Future<?> start() {
    settings = ChatSettings.from(config());
    MeterRegistry registry = Metrics.registry(config());
    leading =
        NodeGauge.of(
            vertx,
            registry,
            "loopline.chat.sequencer.leader",
            "1 while this node's chat sequencer is the active one");
    epoch =
        NodeGauge.of(
            vertx,
            registry,
            "loopline.chat.sequencer.epoch",
            "The active sequencer's lease epoch, on its node");
    queued =
        NodeGauge.of(
            vertx,
            registry,
            "loopline.chat.history.queue",
            "Chat messages waiting to be stored (then shown)");
    elections =
        Counter.builder("loopline.chat.sequencer.elections")
            .description("Times this node became the chat sequencer")
            .register(registry);
    accepted =
        Counter.builder("loopline.chat.messages.in")
            .tag("outcome", "accepted")
            .description(
                "Chat messages taken by the sequencer: stored and shown (accepted) or refused")
            .register(registry);
    refused =
        Counter.builder("loopline.chat.messages.in")
            .tag("outcome", "refused")
            .description(
                "Chat messages taken by the sequencer: stored and shown (accepted) or refused")
            .register(registry);
    commit =
        Timer.builder("loopline.chat.commit")
            .description("From a message's stamp to its publication: the history write")
            .publishPercentileHistogram()
            .register(registry);
    history = new HistoryWriter(vertx, settings, registry, () -> lease.fenced());
    lease =
        new SequencerLease(
            vertx,
            holder,
            settings.sequencerLeaseMs(),
            sequence::last,
            new SequencerLease.Listener() {
              @Override
              public void elected(long epoch, long floor) {
                lead(epoch, floor);
              }

              @Override
              public void deposed(String reason) {
                standDown(reason);
              }
            });
    return lease.start();
  }

  /**
   * Takes over: the announcement goes out before any event of this epoch, so that every host reads back
   * what the previous sequencer stored without showing (up to {@code floor}) before it shows anything new.
   */
  private void lead(long epoch, long floor) {
    sequence.floor(floor);
    history.epoch(epoch);
    presence.clear();
    vertx
        .eventBus()
        .publish(
            Addresses.CHAT_EVENTS,
            new JsonObject()
                .put("type", "sequencer")
                .put("epoch", epoch)
                .put("floor", floor)
                .put("node", holder));
    EventBus bus = vertx.eventBus();
    answer(bus, Addresses.CHAT_SEND, this::send);
    answer(bus, Addresses.CHAT_JOIN, this::join);
    answer(bus, Addresses.CHAT_LEAVE, this::leave);
    answer(bus, Addresses.CHAT_HOST_GONE, this::hostGone);
    answer(bus, Addresses.CHAT_MEMBERS, this::members);
    // Sent without a reply address as a lease, with one as a probe: the reply is lost on a lease.
    answer(bus, Addresses.CHAT_HOST_ALIVE, this::hostAlive);
    consumers.add(
        Operations.answerIgnoringBody(
            bus, Addresses.health(Role.CHAT), this::health, Operations.passingOn(500)));
    expiry = vertx.setPeriodic(settings.hostLeaseMs(), t -> expireHosts());
    leading.set(1);
    this.epoch.set(epoch);
    elections.increment();
  }

  /**
   * Consumes a chat address while this sequencer is active; its failures are refusals (from here or from
   * the history writer) and pass on as they are.
   */
  private void answer(
      EventBus bus, String address, Function<JsonObject, Future<JsonObject>> operation) {
    consumers.add(Operations.answer(bus, address, operation, Operations.passingOn(500)));
  }

  /** No longer the active sequencer: takes nothing more; what history is still writing settles as it will. */
  private void standDown(String reason) {
    consumers.forEach(MessageConsumer::unregister);
    consumers.clear();
    vertx.cancelTimer(expiry);
    history.abandon("the chat sequencer changed (" + reason + "); try again");
    presence.clear();
    leading.set(0);
    epoch.set(0);
  }

  /** A message: its text PostgreSQL can store (checked by {@link Operations#answer}), stamped, stored, then shown. */
  private Future<JsonObject> send(JsonObject body) {
    String room = body.getString("room");
    if (!ChatNames.validRoom(room)) {
      throw Operations.refusal(
          Failures.BAD_REQUEST,
          "room: must be 1 to 64 characters of A-Z a-z 0-9 . _ -, not . or ..");
    }
    String sender = body.getString("sender");
    if (!ChatNames.validSender(sender)) {
      throw Operations.refusal(
          Failures.BAD_REQUEST, "sender: must be 1 to 32 letters, digits, spaces and . _ -");
    }
    Object text = body.getValue("text");
    if (!(text instanceof String t)
        || t.isBlank()
        || t.codePointCount(0, t.length()) > settings.maxMessageLength()) {
      throw Operations.refusal(
          Failures.BAD_REQUEST,
          "text: must be 1 to " + settings.maxMessageLength() + " characters, not blank");
    }
    if (history.full() || history.refusing()) {
      refused.increment();
      throw Operations.refusal(
          Failures.UNAVAILABLE, "chat history is backed up or unavailable; try again shortly");
    }
    JsonObject message =
        sequence
            .stamp("message", room)
            .put("id", UUID.randomUUID().toString())
            .put("sender", sender)
            .put("text", t);
    Promise<JsonObject> request = Promise.promise();
    Outgoing out = new Outgoing(room, message, request, message, false);
    outbox.add(out);
    history
        .add(message)
        .onComplete(
            stored -> {
              out.settled = true;
              out.failure = stored.failed() ? (ReplyException) stored.cause() : null;
              flush();
            });
    queued.set(history.backlog());
    return request.future();
  }

  private Future<JsonObject> join(JsonObject body) {
    String room = body.getString("room");
    String member = body.getString("member");
    String name = body.getString("name");
    if (!ChatNames.validRoom(room) || member == null || !ChatNames.validSender(name)) {
      throw Operations.refusal(Failures.BAD_REQUEST, "join: needs a valid room, member and name");
    }
    presence.join(room, member, name, body.getString("host", ""));
    JsonObject event = sequence.stamp("join", room).put("member", Presence.member(member, name));
    Promise<JsonObject> request = Promise.promise();
    outbox.add(
        new Outgoing(
            room,
            event,
            request,
            new JsonObject()
                .put("event", event)
                .put("memberCount", presence.count(room))
                .put("members", presence.members(room, settings.welcomeMembersMax())),
            true));
    flush();
    return request.future();
  }

  private Future<JsonObject> leave(JsonObject body) {
    String room = body.getString("room");
    String member = body.getString("member");
    String name = presence.leave(room, member);
    if (name != null) {
      announceLeave(room, member, name);
    }
    return Future.succeededFuture(new JsonObject());
  }

  private Future<JsonObject> hostGone(JsonObject body) {
    String host = body.getString("host");
    List<Presence.Gone> gone = presence.leaveHost(host);
    gone.forEach(g -> announceLeave(g.room(), g.member(), g.name()));
    return Future.succeededFuture(new JsonObject().put("left", gone.size()));
  }

  private void announceLeave(String room, String member, String name) {
    outbox.add(
        new Outgoing(
            room,
            sequence.stamp("leave", room).put("member", Presence.member(member, name)),
            null,
            null,
            true));
    flush();
  }

  /**
   * Everything at the head of the outbox whose turn has come, in seq order: a stored message is published
   * and acknowledged, a refused one refused, a join or leave published.
   */
  private void flush() {
    while (!outbox.isEmpty() && outbox.peek().settled) {
      Outgoing out = outbox.poll();
      if (out.failure != null) {
        refused.increment();
        out.request.fail(out.failure);
        continue;
      }
      EventBus bus = vertx.eventBus();
      bus.publish(Addresses.CHAT_EVENTS, out.event);
      bus.publish(Addresses.chatRoom(out.room), out.event);
      if ("message".equals(out.event.getString("type"))) {
        accepted.increment();
        commit.record(System.nanoTime() - out.stamped, TimeUnit.NANOSECONDS);
      }
      if (out.request != null) {
        out.request.complete(out.reply);
      }
    }
    queued.set(history.backlog());
  }

  /** A host's lease: it is alive, and these are its members (learned back after an election). */
  private Future<JsonObject> hostAlive(JsonObject lease) {
    String host = lease.getString("host");
    if (host == null) {
      return Future.succeededFuture(new JsonObject());
    }
    presence.renew(host);
    if (lease.getBoolean("probe", false)) {
      // A new host asks whether events from here reach it: it accepts sockets once this one
      // arrives.
      vertx
          .eventBus()
          .publish(Addresses.CHAT_EVENTS, new JsonObject().put("type", "probe").put("host", host));
    }
    JsonArray members = lease.getJsonArray("members", new JsonArray());
    for (int i = 0; i < members.size(); i++) {
      JsonObject m = members.getJsonObject(i);
      String room = m.getString("room");
      String member = m.getString("id");
      if (ChatNames.validRoom(room)
          && member != null
          && ChatNames.validSender(m.getString("name"))
          && !presence.contains(room, member)) {
        presence.join(room, member, m.getString("name"), host);
      }
    }
    return Future.succeededFuture(new JsonObject());
  }

  private void expireHosts() {
    long before = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(3 * settings.hostLeaseMs());
    for (String host : presence.expired(before)) {
      List<Presence.Gone> gone = presence.leaveHost(host);
      log.warn("chat socket host {} missed three leases: {} members left", host, gone.size());
      gone.forEach(g -> announceLeave(g.room(), g.member(), g.name()));
    }
  }

  private Future<JsonObject> members(JsonObject request) {
    String room = request.getString("room");
    if (!ChatNames.validRoom(room)) {
      throw Operations.refusal(
          Failures.BAD_REQUEST,
          "room: must be 1 to 64 characters of A-Z a-z 0-9 . _ -, not . or ..");
    }
    return Future.succeededFuture(
        new JsonObject()
            .put("room", room)
            .put("members", presence.members(room, Integer.MAX_VALUE)));
  }

  /** Readiness: the active sequencer answers, unless its history cannot be written. */
  private Future<JsonObject> health() {
    String stuck = history.stuck();
    if (stuck != null) {
      return Future.failedFuture(
          Operations.refusal(Failures.UNAVAILABLE, "chat history cannot be written: " + stuck));
    }
    return Future.succeededFuture(
        new JsonObject()
            .put("role", Role.CHAT.id())
            .put("sequencer", holder)
            .put("epoch", lease.epoch())
            .put("historyQueue", history.backlog()));
  }

  /**
   * A clean stop: takes nothing more, writes (and so shows) what is queued within a few seconds, then gives
   * the lease up so that a sequencer on another node takes over at once.
   */
  @Override
  public Future<?> stop() {
    if (lease == null) {
      return Future.succeededFuture();
    }
    consumers.forEach(MessageConsumer::unregister);
    consumers.clear();
    vertx.cancelTimer(expiry);
    return history
        .drain()
        .eventually(() -> lease.release())
        .andThen(
            done -> {
              leading.set(0);
              epoch.set(0);
            });
  }
}
