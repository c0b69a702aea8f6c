package io.loopline.support;

import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;

/**
 * A client of the TCP event-bus bridge as a service in another language writes one: a plain socket, frames
 * of a 4-byte big-endian length and a JSON object (the protocol of {@code scripts/bus_client.py}).
 */
public final class BridgeClient implements AutoCloseable {

  /** The longest wait for one frame: generous, a shared machine may stall for seconds. */
  private static final int WAIT_MS = 30_000;

  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;

  /**
   * Frames that arrived while {@link #request} waited for its reply (a published message can overtake the
   * reply of the request that caused it), handed out by {@link #read} before anything new.
   */
  private final Deque<JsonObject> early = new ArrayDeque<>();

  private BridgeClient(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(WAIT_MS);
    this.in = new DataInputStream(socket.getInputStream());
    this.out = new DataOutputStream(socket.getOutputStream());
  }

  public static BridgeClient connect(int port) {
    try {
      return new BridgeClient(new Socket("127.0.0.1", port));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Sends {@code body} to {@code address} with a reply address and returns the frame that answers: the reply
   * ({@code "type": "message"} at the reply address), the handler's failure ({@code "type": "err"} with
   * {@code failureCode} and {@code message}) or the bridge's refusal ({@code "type": "err"}, {@code "message":
   * "access_denied"}, no code).
   */
  public JsonObject request(String address, JsonObject body) {
    String replyTo = "bridge-test." + UUID.randomUUID();
    write(
        new JsonObject()
            .put("type", "send")
            .put("address", address)
            .put("replyAddress", replyTo)
            .put("body", body));
    while (true) {
      JsonObject frame = readFrame();
      if ("err".equals(frame.getString("type")) || replyTo.equals(frame.getString("address"))) {
        return frame;
      }
      early.add(frame);
    }
  }

  /** Asks to receive what is sent or published to {@code address}; a refusal comes back as an {@code err} frame. */
  public void register(String address) {
    write(new JsonObject().put("type", "register").put("address", address));
  }

  /** Publishes {@code body} to {@code address}, with no reply. */
  public void publish(String address, JsonObject body) {
    write(new JsonObject().put("type", "publish").put("address", address).put("body", body));
  }

  /** The next frame, failing after 30 s. */
  public JsonObject read() {
    JsonObject frame = early.poll();
    return frame != null ? frame : readFrame();
  }

  private JsonObject readFrame() {
    try {
      int length = in.readInt();
      byte[] json = new byte[length];
      in.readFully(json);
      return new JsonObject(new String(json, StandardCharsets.UTF_8));
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no frame from the bridge within " + WAIT_MS + " ms", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next frame if one comes within {@code millis}, else null: for asserting that nothing arrives. */
  public JsonObject readWithin(int millis) {
    if (!early.isEmpty()) {
      return early.poll();
    }
    try {
      socket.setSoTimeout(millis);
      return read();
    } catch (AssertionError e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try {
        socket.setSoTimeout(WAIT_MS);
      } catch (IOException ignored) {
        // closed
      }
    }
  }

  private void write(JsonObject frame) {
    byte[] json = frame.encode().getBytes(StandardCharsets.UTF_8);
    try {
      out.writeInt(json.length);
      out.write(json);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing to release
    }
  }
}
