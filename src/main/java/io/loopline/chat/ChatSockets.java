package io.loopline.chat;

import io.loopline.contract.Addresses;
import io.loopline.platform.bus.Operations;
import io.loopline.platform.config.ChatSettings;
import io.loopline.platform.observe.NodeGauge;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat sockets of one HTTP verticle: a "socket host". It consumes {@link Addresses#CHAT_EVENTS},
 * registered before it accepts any socket, where the active sequencer publishes every event of every room,
 * and writes each event to its local sockets of the room. Joins and leaves are reported to the sequencer,
 * which keeps the cluster-wide member list, and a lease tells it this host is alive. When another
 * sequencer is elected, the host sends its lease at once and, for each room it holds, reads back from
 * history the messages the previous sequencer stored but may not have published, before it writes anything
 * of the new one. One timer pings every socket and closes idle ones.
 */
final class ChatSockets {

  private static final Logger log = LoggerFactory.getLogger(ChatSockets.class);
  private static final long PROBE_EVERY_MS = 100;
  private static final long PROBE_LIMIT_MS = 5000;

  /** Messages a takeover may leave unpublished: at most the previous sequencer's last history batch. */
  private static final int REPAIR_MAX = 1000;

  /** Events of a room held while it is repaired; more and its sockets are closed (they come back with since). */
  private static final int HELD_MAX = 10_000;

  /** One room's sockets on this host, and the events held while the room is read back from history. */
  private static final class Room {
    final String name;
    final Set<ChatSocket> sockets = new LinkedHashSet<>();

    /** Not null while the room is read back from history. */
    Deque<JsonObject> held;

    /** A floor announced while the room was being read back: read back again up to it. */
    long floorAfter;

    Room(String name) {
      this.name = name;
    }
  }

  private final Vertx vertx;
  private final EventBus bus;
  private final ChatSettings settings;
  private final DeliveryOptions delivery;
  private final String host = UUID.randomUUID().toString();
  private final Map<String, Room> rooms = new HashMap<>();
  private final Set<ChatSocket> sockets = new LinkedHashSet<>();
  private final MessageConsumer<JsonObject> inbox;
  private final long ticker;
  private final long leases;
  private final Promise<Void> probed = Promise.promise();
  private final long probeStart = System.nanoTime();
  private long probeTimer;
  private final NodeGauge open;
  private final Counter out;
  private final Timer fanout;

  ChatSockets(Vertx vertx, ChatSettings settings, long busTimeoutMs, MeterRegistry registry) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.settings = settings;
    this.delivery = new DeliveryOptions().setSendTimeout(busTimeoutMs);
    this.open =
        NodeGauge.of(vertx, registry, "loopline.chat.sockets", "Chat WebSockets open on this node");
    this.out =
        Counter.builder("loopline.chat.messages.out")
            .description("Chat events written to this node's sockets")
            .register(registry);
    this.fanout =
        Timer.builder("loopline.chat.fanout")
            .description(
                "From an event's arrival at a socket host to its write to every local socket of the room")
            .publishPercentileHistogram()
            .register(registry);
    this.inbox = Operations.listen(bus, Addresses.CHAT_EVENTS, this::event);
    long tick = Math.max(20, Math.min(settings.pingIntervalMs(), settings.idleTimeoutMs()) / 2);
    this.ticker = vertx.setPeriodic(tick, t -> keepAlive());
    this.leases = vertx.setPeriodic(settings.hostLeaseMs(), t -> renewLease());
  }

  /**
   * Completes when this host's consumer is registered and, if a sequencer answers, when a probe it published
   * has arrived here: on a clustered bus a registration reaches the other nodes a little later, and the host
   * accepts sockets only once the sequencer's node can reach it. With no sequencer on the bus it goes on at
   * once; if the probe never arrives, after {@link #PROBE_LIMIT_MS}.
   */
  Future<Void> ready() {
    return inbox
        .completion()
        .compose(
            v -> {
              probeTimer =
                  vertx.setPeriodic(
                      0,
                      PROBE_EVERY_MS,
                      t -> {
                        if (System.nanoTime() - probeStart
                            > TimeUnit.MILLISECONDS.toNanos(PROBE_LIMIT_MS)) {
                          log.warn(
                              "chat sequencer did not reach this socket host within {} ms; accepting sockets anyway",
                              PROBE_LIMIT_MS);
                          probed.tryComplete();
                        } else {
                          bus.request(
                                  Addresses.CHAT_HOST_ALIVE,
                                  new JsonObject()
                                      .put("host", host)
                                      .put("probe", true)
                                      .put("members", new JsonArray()),
                                  new DeliveryOptions().setSendTimeout(PROBE_EVERY_MS))
                              .onFailure(
                                  e -> {
                                    if (e instanceof ReplyException r
                                        && r.failureType() == ReplyFailure.NO_HANDLERS) {
                                      probed
                                          .tryComplete(); // no sequencer running anywhere: nothing
                                      // to wait for
                                    }
                                  });
                        }
                      });
              return probed.future().onComplete(done -> vertx.cancelTimer(probeTimer));
            });
  }

  /**
   * A new socket in {@code room}, back from {@code since} when not null: paused until the sequencer has
   * counted it in and it has its welcome.
   */
  void accept(ServerWebSocket ws, String room, String name, Long since) {
    ws.pause();
    ChatSocket socket =
        new ChatSocket(ws, room, UUID.randomUUID().toString(), name, since, this, settings);
    sockets.add(socket);
    open.increment();
    rooms.computeIfAbsent(room, Room::new).sockets.add(socket);
    bus.<JsonObject>request(
            Addresses.CHAT_JOIN,
            new JsonObject()
                .put("room", room)
                .put("member", socket.member)
                .put("name", name)
                .put("host", host),
            delivery)
        .onSuccess(
            answer -> {
              if (socket.isClosed()) {
                leave(
                    socket); // closed while joining: the sequencer may have counted it in after its
                // leave
              } else {
                socket.joined(answer.body());
              }
            })
        .onFailure(
            e -> {
              log.warn("chat join to {} failed: {}", room, e.getMessage());
              socket.close(ChatSocket.TRY_AGAIN_LATER, "chat is unavailable; try again");
            });
  }

  private void event(JsonObject event) {
    String type = event.getString("type");
    if ("probe".equals(type)) {
      if (host.equals(event.getString("host"))) {
        probed.tryComplete();
      }
      return;
    }
    if ("sequencer".equals(type)) {
      elected(event.getLong("floor"));
      return;
    }
    Room room = rooms.get(event.getString("room"));
    if (room == null) {
      return;
    }
    if (room.held != null) {
      if (room.held.size() >= HELD_MAX) {
        closeAll(room, "too many events while catching up; reconnect with since");
      } else {
        room.held.add(event);
      }
      return;
    }
    write(room, event.encode(), event.getLong("seq"));
  }

  /** To every local socket of the room; each writes what it has not had yet. */
  private void write(Room room, String text, long seq) {
    long start = System.nanoTime();
    // A copy: a socket closed for being slow leaves the set while we iterate.
    for (ChatSocket socket : room.sockets.toArray(ChatSocket[]::new)) {
      try {
        if (socket.deliver(text, seq)) {
          out.increment();
        }
      } catch (RuntimeException e) {
        // One socket's trouble must not keep the event from the others.
        log.debug("chat delivery to a socket failed: {}", e.toString());
        socket.close(ChatSocket.GOING_AWAY, "write failed");
      }
    }
    fanout.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
  }

  /**
   * Another sequencer was elected. Its first events follow this announcement, and the previous one may have
   * stored messages it never published (it died between the two): each room held here is read back from
   * history, from the oldest last seq of its live sockets up to {@code floor}, and its new events are held
   * meanwhile. A room that cannot be read back has its sockets closed with 1013: they come back with since.
   */
  private void elected(long floor) {
    renewLease();
    List.copyOf(rooms.values()).forEach(room -> readBack(room, floor));
  }

  private void readBack(Room room, long floor) {
    if (room.held != null) {
      room.floorAfter = Math.max(room.floorAfter, floor);
      return;
    }
    long from =
        room.sockets.stream()
            .mapToLong(ChatSocket::lastSeq)
            .filter(seq -> seq >= 0)
            .min()
            .orElse(floor);
    if (from >= floor) {
      return;
    }
    room.held = new ArrayDeque<>();
    missed(room.name, from, floor, REPAIR_MAX)
        .onSuccess(
            missed -> {
              if (room.held == null) {
                return; // closed meanwhile
              }
              if (missed.getValue("next") != null) {
                closeAll(
                    room, "too much to catch up after a sequencer change; reconnect with since");
                return;
              }
              JsonArray messages = missed.getJsonArray("messages");
              for (int i = 0; i < messages.size(); i++) {
                JsonObject m = messages.getJsonObject(i);
                write(room, m.encode(), m.getLong("seq"));
              }
              Deque<JsonObject> held = room.held;
              room.held = null;
              held.forEach(e -> write(room, e.encode(), e.getLong("seq")));
              if (room.floorAfter > 0) {
                long again = room.floorAfter;
                room.floorAfter = 0;
                readBack(room, again);
              }
            })
        .onFailure(
            e ->
                closeAll(
                    room, "history unavailable after a sequencer change; reconnect with since"));
  }

  private void closeAll(Room room, String reason) {
    room.held = null;
    List.copyOf(room.sockets).forEach(s -> s.close(ChatSocket.TRY_AGAIN_LATER, reason));
  }

  /**
   * Stored messages of {@code room} with a seq above {@code after} and at most {@code upTo}, oldest first: the
   * newest {@code max} of them, with {@code next} not null when there were more.
   */
  Future<JsonObject> missed(String room, long after, long upTo, int max) {
    return bus.<JsonObject>request(
            Addresses.CHAT_HISTORY_LIST,
            new JsonObject()
                .put("room", room)
                .put("after", after)
                .put("before", upTo + 1)
                .put("limit", max),
            delivery)
        .map(Message::body);
  }

  /** A message from one of this host's sockets, to the sequencer; completes once it is stored and shown. */
  Future<JsonObject> send(ChatSocket socket, String text) {
    return bus.<JsonObject>request(
            Addresses.CHAT_SEND,
            new JsonObject()
                .put("room", socket.room)
                .put("sender", socket.name)
                .put("member", socket.member)
                .put("text", text),
            delivery)
        .map(Message::body);
  }

  /** The socket closed or was closed: out of its room here, and out of the member list. */
  void left(ChatSocket socket) {
    if (!sockets.remove(socket)) {
      return;
    }
    open.decrement();
    Room room = rooms.get(socket.room);
    if (room != null && room.sockets.remove(socket) && room.sockets.isEmpty()) {
      rooms.remove(socket.room);
    }
    leave(socket);
  }

  private void leave(ChatSocket socket) {
    bus.request(
            Addresses.CHAT_LEAVE,
            new JsonObject().put("room", socket.room).put("member", socket.member),
            delivery)
        .onFailure(e -> log.debug("chat leave not recorded: {}", e.getMessage()));
  }

  private void renewLease() {
    JsonArray members = new JsonArray();
    for (ChatSocket socket : sockets) {
      members.add(
          new JsonObject()
              .put("room", socket.room)
              .put("id", socket.member)
              .put("name", socket.name));
    }
    bus.send(Addresses.CHAT_HOST_ALIVE, new JsonObject().put("host", host).put("members", members));
  }

  private void keepAlive() {
    long now = System.nanoTime();
    long idleNanos = TimeUnit.MILLISECONDS.toNanos(settings.idleTimeoutMs());
    long pingNanos = TimeUnit.MILLISECONDS.toNanos(settings.pingIntervalMs());
    for (ChatSocket socket : sockets.toArray(ChatSocket[]::new)) {
      if (now - socket.lastSeen >= idleNanos) {
        socket.close(ChatSocket.GOING_AWAY, "idle timeout");
      } else if (now - socket.lastPing >= pingNanos) {
        socket.ping();
      }
    }
  }

  /** On stop: every socket closed with 1001, and the sequencer told that this host's members are gone. */
  Future<Void> close() {
    vertx.cancelTimer(probeTimer);
    probed.tryComplete();
    vertx.cancelTimer(ticker);
    vertx.cancelTimer(leases);
    List<ChatSocket> closing = new ArrayList<>(sockets);
    sockets.clear();
    rooms.clear();
    closing.forEach(
        s -> {
          open.decrement();
          s.close(ChatSocket.GOING_AWAY, "server stopping");
        });
    return bus.request(Addresses.CHAT_HOST_GONE, new JsonObject().put("host", host), delivery)
        .<Void>mapEmpty()
        .recover(e -> Future.succeededFuture())
        .eventually(inbox::unregister);
  }
}
