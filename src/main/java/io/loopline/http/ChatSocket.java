package io.loopline.http;

import io.loopline.config.ChatSettings;
import io.loopline.contract.StorableText;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One client's WebSocket in a room: reads its frames (size, UTF-8, JSON, rate), writes the room's events
 * to it, and closes it with the code the protocol gives for what went wrong. Runs on its HTTP verticle's
 * event loop only.
 */
final class ChatSocket {

  /** Close codes (RFC 6455, section 7.4.1). */
  static final short GOING_AWAY = 1001;
  static final short UNSUPPORTED_DATA = 1003;
  static final short INVALID_PAYLOAD = 1007;
  static final short POLICY_VIOLATION = 1008;
  static final short TOO_BIG = 1009;
  static final short TRY_AGAIN_LATER = 1013;

  /** Events that may arrive between joining and the sequencer's answer; more and the socket is too slow. */
  private static final int EARLY_MAX = 10_000;

  final ServerWebSocket ws;
  final String room;
  final String member;
  final String name;
  private final ChatSockets host;
  private final ChatSettings settings;

  long lastSeen = System.nanoTime();
  long lastPing = System.nanoTime();
  private Buffer pending;
  private double tokens;
  private long refilled = System.nanoTime();
  private int violations;
  private long joinSeq = -1;
  private List<Object[]> early = new ArrayList<>();
  private boolean closed;

  ChatSocket(ServerWebSocket ws, String room, String member, String name, ChatSockets host, ChatSettings settings) {
    this.ws = ws;
    this.room = room;
    this.member = member;
    this.name = name;
    this.host = host;
    this.settings = settings;
    this.tokens = settings.burst();
    ws.setWriteQueueMaxSize(settings.writeQueueMaxBytes());
    ws.frameHandler(this::frame);
    ws.pongHandler(pong -> lastSeen = System.nanoTime());
    ws.exceptionHandler(e -> { }); // a reset peer is a close; closeHandler cleans up
    ws.closeHandler(v -> {
      closed = true;
      host.left(this);
    });
  }

  /** The sequencer's answer to the join: the welcome, then what the room said since. */
  void joined(JsonObject answer) {
    JsonObject event = answer.getJsonObject("event");
    joinSeq = event.getLong("seq");
    write(new JsonObject()
        .put("type", "welcome")
        .put("room", room)
        .put("seq", joinSeq)
        .put("member", event.getJsonObject("member"))
        .put("memberCount", answer.getInteger("memberCount"))
        .put("members", answer.getJsonArray("members"))
        .put("limits", new JsonObject()
            .put("maxFrameBytes", settings.maxFrameBytes())
            .put("maxMessageLength", settings.maxMessageLength())
            .put("messagesPerSecond", settings.messagesPerSecond())
            .put("burst", settings.burst()))
        .encode());
    List<Object[]> held = early;
    early = null;
    for (Object[] e : held) {
      deliver((String) e[0], (Long) e[1]);
    }
    ws.resume();
  }

  /** A room event, already encoded; a socket whose write queue is full is closed rather than buffered. */
  void deliver(String text, long seq) {
    if (closed) {
      return;
    }
    if (early != null) {
      if (early.size() >= EARLY_MAX) {
        close(TRY_AGAIN_LATER, "too slow to join");
      } else {
        early.add(new Object[] {text, seq});
      }
      return;
    }
    if (seq <= joinSeq) {
      return; // said before this member joined
    }
    write(text);
  }

  private void write(String text) {
    if (ws.isClosed()) {
      return; // the peer's close is on its way to closeHandler
    }
    if (ws.writeQueueFull()) {
      close(TRY_AGAIN_LATER, "slow consumer: events not read in time");
      return;
    }
    ws.writeTextMessage(text);
  }

  void ping() {
    if (!closed && !ws.isClosed() && !ws.writeQueueFull()) {
      lastPing = System.nanoTime();
      ws.writePing(Buffer.buffer());
    }
  }

  void close(short code, String reason) {
    if (closed) {
      return;
    }
    closed = true;
    host.left(this);
    if (!ws.isClosed()) {
      ws.close(code, reason);
    }
  }

  boolean isClosed() {
    return closed;
  }

  private void frame(WebSocketFrame frame) {
    lastSeen = System.nanoTime();
    if (closed) {
      return;
    }
    switch (frame.type()) {
      case PING, PONG, CLOSE -> { }
      case BINARY -> close(UNSUPPORTED_DATA, "only text frames are accepted");
      case TEXT -> {
        pending = Buffer.buffer();
        append(frame);
      }
      case CONTINUATION -> {
        if (pending != null) {
          append(frame);
        }
      }
    }
  }

  private void append(WebSocketFrame frame) {
    Buffer data = frame.binaryData();
    if (pending.length() + data.length() > settings.maxFrameBytes()) {
      pending = null;
      close(TOO_BIG, "message over " + settings.maxFrameBytes() + " bytes");
      return;
    }
    pending.appendBuffer(data);
    if (frame.isFinal()) {
      Buffer message = pending;
      pending = null;
      message(message);
    }
  }

  private void message(Buffer bytes) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.getBytes()))
          .toString();
    } catch (CharacterCodingException e) {
      close(INVALID_PAYLOAD, "text frames must be UTF-8");
      return;
    }
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      error("invalid_json", "a frame must be a JSON object");
      return;
    }
    Object type = json.getValue("type");
    if (!"message".equals(type)) {
      error("unknown_type", "unknown frame type " + (type == null ? "(none)" : "'" + type + "'") + "; expected 'message'");
      return;
    }
    if (!(json.getValue("text") instanceof String said) || said.isBlank()) {
      error("invalid_message", "text: must be a non-blank string");
      return;
    }
    if (!StorableText.storable(said)) {
      error("invalid_message", "text: " + StorableText.REASON);
      return;
    }
    if (said.codePointCount(0, said.length()) > settings.maxMessageLength()) {
      error("too_long", "text: at most " + settings.maxMessageLength() + " characters");
      return;
    }
    if (!takeToken()) {
      if (++violations >= settings.rateViolationsBeforeClose()) {
        close(POLICY_VIOLATION, "message rate exceeded");
      } else {
        error("rate_limited", "at most " + settings.messagesPerSecond() + " messages per second (burst "
            + settings.burst() + "); this one was dropped");
      }
      return;
    }
    violations = 0;
    host.send(this, said).onFailure(e -> error(
        e instanceof ReplyException r && r.failureType() == ReplyFailure.RECIPIENT_FAILURE && r.failureCode() == 400
            ? "invalid_message" : "unavailable",
        e instanceof ReplyException r && r.failureCode() == 400 ? r.getMessage() : "the message was not sent; try again"));
  }

  private boolean takeToken() {
    long now = System.nanoTime();
    tokens = Math.min(settings.burst(), tokens + (now - refilled) / 1e9 * settings.messagesPerSecond());
    refilled = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  private void error(String code, String detail) {
    if (!closed) {
      write(new JsonObject().put("type", "error").put("code", code).put("detail", detail).encode());
    }
  }
}
