package io.loopline.support;

import static io.loopline.support.TestNode.await;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A chat WebSocket as a client program holds it (a Vert.x WebSocket client on loopback): every JSON
 * frame it receives is queued for the test to take in order, and its close code is kept.
 */
public final class ChatClient implements AutoCloseable {

  /** The longest wait for a frame or a close: generous, a shared machine may stall for seconds. */
  public static final Duration WAIT = Duration.ofSeconds(30);

  private final WebSocketClient client;
  private final ClientWebSocket socket;
  private final LinkedBlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Short> closed = new CompletableFuture<>();

  /** The welcome frame, taken by {@link #connect}. */
  public final JsonObject welcome;

  private ChatClient(
      WebSocketClient client, ClientWebSocket socket, WebSocketConnectOptions options) {
    this.client = client;
    this.socket = socket;
    // Handlers first: the welcome may arrive before connect's future is seen on this thread.
    socket.textMessageHandler(text -> received.add(new JsonObject(text)));
    socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
    await(socket.connect(options));
    this.welcome = next("welcome");
  }

  /** Connects as {@code name} to {@code room} and waits for the welcome. */
  public static ChatClient connect(Vertx vertx, int port, String room, String name) {
    return connect(vertx, port, room, name, null);
  }

  /** Connects back to {@code room} after the event of seq {@code since} ({@code ?since=}), and waits for the welcome. */
  public static ChatClient connect(Vertx vertx, int port, String room, String name, Long since) {
    WebSocketClient client =
        vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20));
    try {
      return new ChatClient(
          client,
          client.webSocket(),
          new WebSocketConnectOptions()
              .setHost("127.0.0.1")
              .setPort(port)
              .setURI(
                  "/chat/rooms/"
                      + room
                      + "/ws?name="
                      + URLEncoder.encode(name, StandardCharsets.UTF_8)
                      + (since == null ? "" : "&since=" + since)));
    } catch (RuntimeException | AssertionError e) {
      client.close();
      throw e;
    }
  }

  /** A message with a {@code ref} the server gives back in its ack (or error). */
  public void say(String text, String ref) {
    sendText(new JsonObject().put("type", "message").put("text", text).put("ref", ref).encode());
  }

  public void say(String text) {
    sendText(new JsonObject().put("type", "message").put("text", text).encode());
  }

  public void sendText(String frame) {
    await(socket.writeTextMessage(frame));
  }

  public void sendFrame(WebSocketFrame frame) {
    await(socket.writeFrame(frame));
  }

  public void sendBinary(Buffer data) {
    await(socket.writeBinaryMessage(data));
  }

  /** The next frame, whatever its type; fails after {@link #WAIT}. */
  public JsonObject next() {
    return next(System.nanoTime() + WAIT.toNanos(), "a frame");
  }

  /** The next frame of this type, skipping others (joins and leaves of other clients, say); fails after {@link #WAIT}. */
  public JsonObject next(String type) {
    return next(type, System.nanoTime() + WAIT.toNanos());
  }

  private JsonObject next(String type, long deadline) {
    while (true) {
      JsonObject frame = next(deadline, "a '" + type + "' frame");
      if (type.equals(frame.getString("type"))) {
        return frame;
      }
    }
  }

  private JsonObject next(long deadline, String what) {
    try {
      JsonObject frame =
          received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (frame == null) {
        throw new AssertionError(
            "no " + what + " before the deadline (" + WAIT.toSeconds() + " s or more)");
      }
      return frame;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for " + what, e);
    }
  }

  /** The next {@code n} frames of this type, all within one deadline: {@link #WAIT}, plus a second per 100 frames. */
  public List<JsonObject> next(String type, int n) {
    long deadline = System.nanoTime() + WAIT.toNanos() + TimeUnit.MILLISECONDS.toNanos(10L * n);
    List<JsonObject> out = new ArrayList<>();
    while (out.size() < n) {
      out.add(next(type, deadline));
    }
    return out;
  }

  /** Frames received and not taken yet. */
  public List<JsonObject> pending() {
    List<JsonObject> out = new ArrayList<>();
    received.drainTo(out);
    return out;
  }

  /** The close code the server sent, waiting up to {@link #WAIT} for the close. */
  public short closeCode() {
    try {
      return closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for the close", e);
    } catch (Exception e) {
      throw new AssertionError("the socket was not closed within " + WAIT.toSeconds() + " s", e);
    }
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  public String memberId() {
    return welcome.getJsonObject("member").getString("id");
  }

  @Override
  public void close() {
    try {
      if (!closed.isDone()) {
        await(socket.close());
      }
    } catch (RuntimeException ignored) {
      // already closing
    } finally {
      await(client.close());
    }
  }
}
