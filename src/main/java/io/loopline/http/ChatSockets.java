package io.loopline.http;

import io.loopline.config.ChatSettings;
import io.loopline.contract.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
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
 * The chat sockets of one HTTP verticle (a "socket host"). For each room with a local member it consumes
 * the room's address once and writes every event to each local socket, so the sequencer publishes a
 * message once per host, not once per socket. Joins and leaves are reported to the sequencer, which keeps
 * the cluster-wide member list. One timer pings every socket and closes the idle ones.
 */
final class ChatSockets {

  private static final Logger log = LoggerFactory.getLogger(ChatSockets.class);

  private final Vertx vertx;
  private final EventBus bus;
  private final ChatSettings settings;
  private final DeliveryOptions delivery;
  private final String host = UUID.randomUUID().toString();
  private final Map<String, LocalRoom> rooms = new HashMap<>();
  private final Set<ChatSocket> sockets = new LinkedHashSet<>();
  private final long ticker;

  private static final class LocalRoom {
    final Set<ChatSocket> sockets = new LinkedHashSet<>();
    MessageConsumer<JsonObject> consumer;
    Future<Void> ready;
  }

  ChatSockets(Vertx vertx, ChatSettings settings, long busTimeoutMs) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.settings = settings;
    this.delivery = new DeliveryOptions().setSendTimeout(busTimeoutMs);
    long tick = Math.max(20, Math.min(settings.pingIntervalMs(), settings.idleTimeoutMs()) / 2);
    this.ticker = vertx.setPeriodic(tick, t -> keepAlive());
  }

  /** A new socket in {@code room}: paused until the sequencer has counted it in and it has its welcome. */
  void accept(ServerWebSocket ws, String room, String name) {
    ws.pause();
    ChatSocket socket = new ChatSocket(ws, room, UUID.randomUUID().toString(), name, this, settings);
    sockets.add(socket);
    LocalRoom local = rooms.computeIfAbsent(room, this::subscribe);
    local.sockets.add(socket);
    local.ready
        .compose(v -> bus.<JsonObject>request(Addresses.CHAT_JOIN, new JsonObject()
            .put("room", room).put("member", socket.member).put("name", name).put("host", host), delivery))
        .onSuccess(answer -> {
          if (socket.isClosed()) {
            leave(socket); // closed while joining: the sequencer counted it in after the leave was sent
          } else {
            socket.joined(answer.body());
          }
        })
        .onFailure(e -> {
          log.warn("chat join to {} failed: {}", room, e.getMessage());
          socket.close(ChatSocket.TRY_AGAIN_LATER, "chat is unavailable; try again");
        });
  }

  private LocalRoom subscribe(String room) {
    LocalRoom local = new LocalRoom();
    local.consumer = bus.consumer(Addresses.chatRoom(room), event -> deliver(local, event));
    local.ready = local.consumer.completion();
    return local;
  }

  private void deliver(LocalRoom local, Message<JsonObject> event) {
    String text = event.body().encode();
    long seq = event.body().getLong("seq");
    // A copy: a socket closed for being slow leaves the set while we iterate.
    for (ChatSocket socket : local.sockets.toArray(ChatSocket[]::new)) {
      try {
        socket.deliver(text, seq);
      } catch (RuntimeException e) {
        // One socket's trouble must not keep the event from the others.
        log.debug("chat delivery to a socket failed: {}", e.toString());
        socket.close(ChatSocket.GOING_AWAY, "write failed");
      }
    }
  }

  /** A message from one of this host's sockets, to its room's sequencer. */
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
    LocalRoom local = rooms.get(socket.room);
    if (local != null && local.sockets.remove(socket) && local.sockets.isEmpty()) {
      rooms.remove(socket.room);
      local.consumer.unregister();
    }
    leave(socket);
  }

  private void leave(ChatSocket socket) {
    bus.request(Addresses.CHAT_LEAVE, new JsonObject().put("room", socket.room).put("member", socket.member), delivery)
        .onFailure(e -> log.debug("chat leave not recorded: {}", e.getMessage()));
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
    vertx.cancelTimer(ticker);
    List<ChatSocket> open = new ArrayList<>(sockets);
    sockets.clear();
    rooms.values().forEach(r -> r.consumer.unregister());
    rooms.clear();
    open.forEach(s -> s.close(ChatSocket.GOING_AWAY, "server stopping"));
    return bus.request(Addresses.CHAT_HOST_GONE, new JsonObject().put("host", host), delivery)
        .<Void>mapEmpty()
        .recover(e -> Future.succeededFuture());
  }
}
