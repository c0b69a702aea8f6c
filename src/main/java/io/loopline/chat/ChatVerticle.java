package io.loopline.chat;

import io.loopline.config.ChatSettings;
import io.loopline.contract.Addresses;
import io.loopline.contract.ChatNames;
import io.loopline.contract.Failures;
import io.loopline.contract.Role;
import io.loopline.contract.StorableText;
import io.loopline.observe.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rooms' sequencer, one per cluster: every message, join and leave of every room passes through this
 * verticle's single event loop, which stamps it with the room's next {@code seq} and sends it to each
 * socket host with a member in the room ({@link Addresses#chatHost}), then publishes it on the room's
 * address ({@link Addresses#chatRoom}). So every socket host, on any node, receives a room's events in one
 * order. It also keeps who is in each room and on which host ({@link Presence}), and queues messages for
 * PostgreSQL ({@link HistoryWriter}). Receives the {@code chat} section.
 */
public final class ChatVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ChatVerticle.class);

  private final Sequence sequence = new Sequence();
  private final Presence presence = new Presence();
  private ChatSettings settings;
  private HistoryWriter history;

  @Override
  public Future<?> start() {
    settings = ChatSettings.from(config());
    history = new HistoryWriter(vertx, settings, Metrics.registry(config()));
    vertx.setPeriodic(settings.hostLeaseMs(), t -> expireHosts());
    EventBus bus = vertx.eventBus();
    return Future.all(List.of(
        bus.<JsonObject>consumer(Addresses.CHAT_SEND, this::send).completion(),
        bus.<JsonObject>consumer(Addresses.CHAT_JOIN, this::join).completion(),
        bus.<JsonObject>consumer(Addresses.CHAT_LEAVE, this::leave).completion(),
        bus.<JsonObject>consumer(Addresses.CHAT_HOST_GONE, this::hostGone).completion(),
        bus.<JsonObject>consumer(Addresses.CHAT_MEMBERS, this::members).completion(),
        bus.<JsonObject>consumer(Addresses.CHAT_HOST_ALIVE, this::hostAlive).completion(),
        bus.<Object>consumer(Addresses.health(Role.CHAT), m -> m.reply(new JsonObject()
            .put("role", Role.CHAT.id()).put("historyBacklog", history.backlog()))).completion()));
  }

  private void send(Message<JsonObject> request) {
    JsonObject body = request.body();
    String room = body == null ? null : body.getString("room");
    if (!ChatNames.validRoom(room)) {
      request.fail(Failures.BAD_REQUEST, "room: must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
      return;
    }
    String sender = body.getString("sender");
    if (!ChatNames.validSender(sender)) {
      request.fail(Failures.BAD_REQUEST, "sender: must be 1 to 32 letters, digits, spaces and . _ -");
      return;
    }
    Object text = body.getValue("text");
    if (!(text instanceof String t) || t.isBlank() || t.codePointCount(0, t.length()) > settings.maxMessageLength()) {
      request.fail(Failures.BAD_REQUEST, "text: must be 1 to " + settings.maxMessageLength() + " characters, not blank");
      return;
    }
    if (!StorableText.storable(t)) {
      request.fail(Failures.BAD_REQUEST, "text: " + StorableText.REASON);
      return;
    }
    if (history.full()) {
      request.fail(Failures.UNAVAILABLE, "chat history is backed up; try again shortly");
      return;
    }
    JsonObject message = sequence.stamp("message", room)
        .put("id", UUID.randomUUID().toString())
        .put("sender", sender)
        .put("text", t);
    fanOut(room, message);
    history.add(message);
    request.reply(message);
  }

  private void join(Message<JsonObject> request) {
    JsonObject body = request.body();
    String room = body.getString("room");
    String member = body.getString("member");
    String name = body.getString("name");
    if (!ChatNames.validRoom(room) || member == null || !ChatNames.validSender(name)) {
      request.fail(Failures.BAD_REQUEST, "join: needs a valid room, member and name");
      return;
    }
    presence.join(room, member, name, body.getString("host", ""));
    JsonObject event = sequence.stamp("join", room).put("member", Presence.member(member, name));
    fanOut(room, event);
    request.reply(new JsonObject()
        .put("event", event)
        .put("memberCount", presence.count(room))
        .put("members", presence.members(room, settings.welcomeMembersMax())));
  }

  private void leave(Message<JsonObject> request) {
    JsonObject body = request.body();
    String room = body.getString("room");
    String member = body.getString("member");
    String name = presence.leave(room, member);
    if (name != null) {
      publishLeave(room, member, name);
    }
    request.reply(new JsonObject());
  }

  private void hostGone(Message<JsonObject> request) {
    String host = request.body().getString("host");
    List<Presence.Gone> gone = presence.leaveHost(host);
    gone.forEach(g -> publishLeave(g.room(), g.member(), g.name()));
    request.reply(new JsonObject().put("left", gone.size()));
  }

  private void publishLeave(String room, String member, String name) {
    fanOut(room, sequence.stamp("leave", room).put("member", Presence.member(member, name)));
  }

  /**
   * To every socket host with a member in the room, in this order (one sender, one receiver: the bus keeps
   * it), and to the room's address for services that follow it.
   */
  private void fanOut(String room, JsonObject event) {
    EventBus bus = vertx.eventBus();
    for (String host : presence.hosts(room)) {
      bus.send(Addresses.chatHost(host), event);
    }
    bus.publish(Addresses.chatRoom(room), event);
  }

  /** A host's lease: it is alive, and these are its members (learned back after this verticle restarted). */
  private void hostAlive(Message<JsonObject> lease) {
    String host = lease.body().getString("host");
    if (host == null) {
      return;
    }
    presence.renew(host);
    if (lease.body().getBoolean("probe", false)) {
      // A new host asks whether events from here reach it: it accepts sockets once this one arrives.
      vertx.eventBus().send(Addresses.chatHost(host), new JsonObject().put("type", "probe"));
      lease.reply(new JsonObject());
    }
    JsonArray members = lease.body().getJsonArray("members", new JsonArray());
    for (int i = 0; i < members.size(); i++) {
      JsonObject m = members.getJsonObject(i);
      String room = m.getString("room");
      String member = m.getString("id");
      if (ChatNames.validRoom(room) && member != null && ChatNames.validSender(m.getString("name"))
          && !presence.contains(room, member)) {
        presence.join(room, member, m.getString("name"), host);
      }
    }
  }

  private void expireHosts() {
    long before = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(3 * settings.hostLeaseMs());
    for (String host : presence.expired(before)) {
      List<Presence.Gone> gone = presence.leaveHost(host);
      log.warn("chat socket host {} missed three leases: {} members left", host, gone.size());
      gone.forEach(g -> publishLeave(g.room(), g.member(), g.name()));
    }
  }

  private void members(Message<JsonObject> request) {
    String room = request.body() == null ? null : request.body().getString("room");
    if (!ChatNames.validRoom(room)) {
      request.fail(Failures.BAD_REQUEST, "room: must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
      return;
    }
    request.reply(new JsonObject().put("room", room).put("members", presence.members(room, Integer.MAX_VALUE)));
  }

  /** Writes what is still queued before the node goes, within the configured bounds. */
  @Override
  public Future<?> stop() {
    return history == null ? Future.succeededFuture() : history.drain();
  }
}
