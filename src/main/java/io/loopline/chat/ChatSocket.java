package io.loopline.chat;

import io.loopline.contract.StorableText;
import io.loopline.platform.config.ChatSettings;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One client's WebSocket in a room: reads its frames (size, UTF-8, JSON, rate), writes the room's events
 * to it, each once and in seq order, and closes it with the code the protocol gives for what went wrong.
 * A socket that came back with {@code ?since=SEQ} is first sent, from history, the messages it missed up to
 * its join, then the room's events after it. Runs on its HTTP verticle's event loop only.
 */
final class ChatSocket {

  /** Close codes (RFC 6455, section 7.4.1). */
  static final short GOING_AWAY = 1001;

  static final short UNSUPPORTED_DATA = 1003;
  static final short INVALID_PAYLOAD = 1007;
  static final short POLICY_VIOLATION = 1008;
  static final short TOO_BIG = 1009;
  static final short TRY_AGAIN_LATER = 1013;

  /** Events that may arrive while joining or being sent history; more and the socket is too slow. */
  private static final int EARLY_MAX = 10_000;

  /** Longest {@code ref} a client may give a message to find it in its ack. */
  private static final int REF_MAX = 64;

  /** An event held until the socket is live. */
  private record Held(String text, long seq) {}

  final ServerWebSocket ws;
  final String room;
  final String member;
  final String name;

  /** The seq the client said it saw last ({@code ?since=}), or null for a new socket. */
  private final Long since;

  private final ChatSockets host;
  private final ChatSettings settings;

  long lastSeen = System.nanoTime();
  long lastPing = System.nanoTime();
  private Buffer pending;
  private double tokens;
  private long refilled = System.nanoTime();
  private int violations;

  /** The seq of the last event written to this socket: nothing at or below it is written again. */
  private long lastSeq = -1;

  /** Events held until the socket is live: while it joins, and while history is sent to it. */
  private List<Held> early = new ArrayList<>();

  private boolean closed;

  ChatSocket(
      ServerWebSocket ws,
      String room,
      String member,
      String name,
      Long since,
      ChatSockets host,
      ChatSettings settings) {
    this.ws = ws;
    this.room = room;
    this.member = member;
    this.name = name;
    this.since = since;
    this.host = host;
    this.settings = settings;
    this.tokens = settings.burst();
    ws.setWriteQueueMaxSize(settings.writeQueueMaxBytes());
    ws.frameHandler(this::frame);
    ws.pongHandler(pong -> lastSeen = System.nanoTime());
    ws.exceptionHandler(e -> {}); // a reset peer is a close; closeHandler cleans up
    ws.closeHandler(
        v -> {
          closed = true;
          host.left(this);
        });
  }

  /**
   * The sequencer's answer to the join: the welcome; for a socket that came back, the messages it missed
   * from history; then the events held meanwhile.
   */
  void joined(JsonObject answer) {
    JsonObject event = answer.getJsonObject("event");
    long joinSeq = event.getLong("seq");
    write(
        new JsonObject()
            .put("type", "welcome")
            .put("room", room)
            .put("seq", joinSeq)
            .put("member", event.getJsonObject("member"))
            .put("memberCount", answer.getInteger("memberCount"))
            .put("members", answer.getJsonArray("members"))
            .put(
                "limits",
                new JsonObject()
                    .put("maxFrameBytes", settings.maxFrameBytes())
                    .put("maxMessageLength", settings.maxMessageLength())
                    .put("messagesPerSecond", settings.messagesPerSecond())
                    .put("burst", settings.burst()))
            .encode());
    ws.resume();
    if (since == null) {
      live(joinSeq);
      return;
    }
    host.missed(room, since, joinSeq, settings.resumeMaxMessages())
        .onFailure(
            e -> close(TRY_AGAIN_LATER, "history unavailable; reconnect with since=" + since))
        .onSuccess(
            missed ->
                replay(
                    missed.getJsonArray("messages"), 0, joinSeq, missed.getValue("next") != null));
  }

  /**
   * Writes the missed messages from {@code from} on, as fast as the client reads them (it may have missed
   * many: they are not queued past the write queue's limit), then the {@code resumed} frame, then goes live.
   */
  private void replay(JsonArray messages, int from, long joinSeq, boolean truncated) {
    for (int i = from; i < messages.size(); i++) {
      if (closed || ws.isClosed()) {
        return;
      }
      if (ws.writeQueueFull()) {
        int next = i;
        ws.drainHandler(
            v -> {
              ws.drainHandler(null);
              replay(messages, next, joinSeq, truncated);
            });
        return;
      }
      ws.writeTextMessage(messages.getJsonObject(i).encode());
    }
    write(
        new JsonObject()
            .put("type", "resumed")
            .put("room", room)
            .put("since", since)
            .put("seq", joinSeq)
            .put("replayed", messages.size())
            .put("truncated", truncated)
            .encode());
    live(joinSeq);
  }

  /**
   * From now on events are written as they come: first those held meanwhile, in seq order, the ones at or
   * below {@code from} (said before this member joined, or sent from history) left out.
   */
  private void live(long from) {
    lastSeq = from;
    List<Held> held = early;
    early = null;
    held.sort(Comparator.comparingLong(Held::seq));
    for (Held e : held) {
      deliver(e.text(), e.seq());
    }
  }

  /**
   * A room event, already encoded: written once, in seq order (an event at or below the last written is
   * left out), or held while the socket is not live yet. A socket whose write queue is full is closed
   * rather than buffered. Whether it was written now.
   */
  boolean deliver(String text, long seq) {
    if (closed) {
      return false;
    }
    if (early != null) {
      if (early.size() >= EARLY_MAX) {
        close(TRY_AGAIN_LATER, "too slow to join");
      } else {
        early.add(new Held(text, seq));
      }
      return false;
    }
    if (seq <= lastSeq) {
      return false;
    }
    lastSeq = seq;
    write(text);
    return true;
  }

  /** The seq of the last event written, or -1 while the socket is not live. */
  long lastSeq() {
    return early == null ? lastSeq : -1;
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
      case PING, PONG, CLOSE -> {}
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
      text =
          StandardCharsets.UTF_8
              .newDecoder()
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
      error(
          "unknown_type",
          "unknown frame type "
              + (type == null ? "(none)" : "'" + type + "'")
              + "; expected 'message'");
      return;
    }
    Object ref = json.getValue("ref");
    if (ref != null && !(ref instanceof String r && r.length() <= REF_MAX)) {
      error("invalid_message", "ref: must be a string of at most " + REF_MAX + " characters", null);
      return;
    }
    String reference = (String) ref;
    if (!(json.getValue("text") instanceof String said) || said.isBlank()) {
      error("invalid_message", "text: must be a non-blank string", reference);
      return;
    }
    if (!StorableText.storable(said)) {
      error("invalid_message", "text: " + StorableText.REASON, reference);
      return;
    }
    if (said.codePointCount(0, said.length()) > settings.maxMessageLength()) {
      error("too_long", "text: at most " + settings.maxMessageLength() + " characters", reference);
      return;
    }
    if (!takeToken()) {
      if (++violations >= settings.rateViolationsBeforeClose()) {
        close(POLICY_VIOLATION, "message rate exceeded");
      } else {
        error(
            "rate_limited",
            "at most "
                + settings.messagesPerSecond()
                + " messages per second (burst "
                + settings.burst()
                + "); this one was dropped",
            reference);
      }
      return;
    }
    violations = 0;
    host.send(this, said)
        .onSuccess(
            stored -> {
              if (!closed) {
                JsonObject ack =
                    new JsonObject()
                        .put("type", "ack")
                        .put("seq", stored.getLong("seq"))
                        .put("id", stored.getString("id"))
                        .put("time", stored.getString("time"));
                write((reference == null ? ack : ack.put("ref", reference)).encode());
              }
            })
        .onFailure(
            e -> {
              boolean invalid =
                  e instanceof ReplyException r
                      && r.failureType() == ReplyFailure.RECIPIENT_FAILURE
                      && r.failureCode() == 400;
              error(
                  invalid ? "invalid_message" : "unavailable",
                  invalid
                      ? e.getMessage()
                      : "the message was not taken (not stored, not shown); try again",
                  reference);
            });
  }

  private boolean takeToken() {
    long now = System.nanoTime();
    tokens =
        Math.min(settings.burst(), tokens + (now - refilled) / 1e9 * settings.messagesPerSecond());
    refilled = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  private void error(String code, String detail) {
    error(code, detail, null);
  }

  /** An error frame; {@code ref} is the message's, when it gave one. */
  private void error(String code, String detail, String ref) {
    if (!closed) {
      JsonObject error =
          new JsonObject().put("type", "error").put("code", code).put("detail", detail);
      write((ref == null ? error : error.put("ref", ref)).encode());
    }
  }
}
