package io.loopline.http;

import io.loopline.config.ChatSettings;
import io.loopline.contract.Addresses;
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
import java.util.ArrayList;
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
 * The chat sockets of one HTTP verticle: a "socket host". It consumes its own address,
 * {@code loopline.chat.host.<id>}, registered before it accepts any socket; the sequencer sends there
 * every event of every room where this host has a member, once per host, and the host writes it to each
 * local socket of the room. Joins and leaves are reported to the sequencer, which keeps the cluster-wide
 * member list, and a lease tells it this host is alive. One timer pings every socket and closes idle ones.
 */
final class ChatSockets {

  private static final Logger log = LoggerFactory.getLogger(ChatSockets.class);

  private final Vertx vertx;
  private final EventBus bus;
  private final ChatSettings settings;
  private final DeliveryOptions delivery;
  private final String host = UUID.randomUUID().toString();
  private final Map<String, Set<ChatSocket>> rooms = new HashMap<>();
  private final Set<ChatSocket> sockets = new LinkedHashSet<>();
  private final MessageConsumer<JsonObject> inbox;
  private final long ticker;
  private final long leases;
  private final Promise<Void> probed = Promise.promise();
  private final long probeStart = System.nanoTime();
  private long probeTimer;
  private static final long PROBE_EVERY_MS = 100;
  private static final long PROBE_LIMIT_MS = 5000;

  ChatSockets(Vertx vertx, ChatSettings settings, long busTimeoutMs) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.settings = settings;
    this.delivery = new DeliveryOptions().setSendTimeout(busTimeoutMs);
    this.inbox = bus.consumer(Addresses.chatHost(host), this::deliver);
    long tick = Math.max(20, Math.min(settings.pingIntervalMs(), settings.idleTimeoutMs()) / 2);
    this.ticker = vertx.setPeriodic(tick, t -> keepAlive());
    this.leases = vertx.setPeriodic(settings.hostLeaseMs(), t -> renewLease());
  }

  /**
   * Completes when this host's address is registered and, if the sequencer answers, when an event it sent
   * here has arrived: on a clustered bus a registration reaches the other nodes a little later, and the
   * host accepts sockets only once the sequencer's node can route to it. With no chat role on the bus it
   * goes on at once; if the probe never arrives, after {@link #PROBE_LIMIT_MS}.
   */
  Future<Void> ready() {
    return inbox.completion().compose(v -> {
      probeTimer = vertx.setPeriodic(0, PROBE_EVERY_MS, t -> {
        if (System.nanoTime() - probeStart > TimeUnit.MILLISECONDS.toNanos(PROBE_LIMIT_MS)) {
          log.warn("chat sequencer did not reach this socket host within {} ms; accepting sockets anyway", PROBE_LIMIT_MS);
          probed.tryComplete();
        } else {
          bus.request(Addresses.CHAT_HOST_ALIVE, new JsonObject().put("host", host).put("probe", true)
                  .put("members", new JsonArray()), new DeliveryOptions().setSendTimeout(PROBE_EVERY_MS))
              .onFailure(e -> {
                if (e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
                  probed.tryComplete(); // no chat role running anywhere: nothing to wait for
                }
              });
        }
      });
      return probed.future().onComplete(done -> vertx.cancelTimer(probeTimer));
    });
  }

  /** A new socket in {@code room}: paused until the sequencer has counted it in and it has its welcome. */
  void accept(ServerWebSocket ws, String room, String name) {
    ws.pause();
    ChatSocket socket = new ChatSocket(ws, room, UUID.randomUUID().toString(), name, this, settings);
    sockets.add(socket);
    rooms.computeIfAbsent(room, r -> new LinkedHashSet<>()).add(socket);
    bus.<JsonObject>request(Addresses.CHAT_JOIN, new JsonObject()
            .put("room", room).put("member", socket.member).put("name", name).put("host", host), delivery)
        .onSuccess(answer -> {
          if (socket.isClosed()) {
            leave(socket); // closed while joining: the sequencer may have counted it in after its leave
          } else {
            socket.joined(answer.body());
          }
        })
        .onFailure(e -> {
          log.warn("chat join to {} failed: {}", room, e.getMessage());
          socket.close(ChatSocket.TRY_AGAIN_LATER, "chat is unavailable; try again");
        });
  }

  private void deliver(Message<JsonObject> event) {
    if ("probe".equals(event.body().getString("type"))) {
      probed.tryComplete();
      return;
    }
    Set<ChatSocket> local = rooms.get(event.body().getString("room"));
    if (local == null) {
      return;
    }
    String text = event.body().encode();
    long seq = event.body().getLong("seq");
    // A copy: a socket closed for being slow leaves the set while we iterate.
    for (ChatSocket socket : local.toArray(ChatSocket[]::new)) {
      try {
        socket.deliver(text, seq);
      } catch (RuntimeException e) {
        // One socket's trouble must not keep the event from the others.
        log.debug("chat delivery to a socket failed: {}", e.toString());
        socket.close(ChatSocket.GOING_AWAY, "write failed");
      }
    }
  }

  /** A message from one of this host's sockets, to the sequencer. */
  Future<JsonObject> send(ChatSocket socket, String text) {
    return bus.<JsonObject>request(Addresses.CHAT_SEND, new JsonObject()
        .put("room", socket.room).put("sender", socket.name).put("member", socket.member).put("text", text), delivery)
        .map(Message::body);
  }

  /** The socket closed or was closed: out of its room here, and out of the member list. */
  void left(ChatSocket socket) {
    if (!sockets.remove(socket)) {
      return;
    }
    Set<ChatSocket> local = rooms.get(socket.room);
    if (local != null && local.remove(socket) && local.isEmpty()) {
      rooms.remove(socket.room);
    }
    leave(socket);
  }

  private void leave(ChatSocket socket) {
    bus.request(Addresses.CHAT_LEAVE, new JsonObject().put("room", socket.room).put("member", socket.member), delivery)
        .onFailure(e -> log.debug("chat leave not recorded: {}", e.getMessage()));
  }

  private void renewLease() {
    JsonArray members = new JsonArray();
    for (ChatSocket socket : sockets) {
      members.add(new JsonObject().put("room", socket.room).put("id", socket.member).put("name", socket.name));
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
    List<ChatSocket> open = new ArrayList<>(sockets);
    sockets.clear();
    rooms.clear();
    open.forEach(s -> s.close(ChatSocket.GOING_AWAY, "server stopping"));
    return bus.request(Addresses.CHAT_HOST_GONE, new JsonObject().put("host", host), delivery)
        .<Void>mapEmpty()
        .recover(e -> Future.succeededFuture())
        .eventually(inbox::unregister);
  }
}
