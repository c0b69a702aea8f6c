package io.loopline.reliability;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A thousand generated hostile requests: broken and hostile JSON, wrong types, huge numbers, deep
 * nesting, traversal and injection in paths and queries, invalid UTF-8, broken chunked framing, oversized
 * parts, malformed WebSocket frames after a valid handshake. Every answer must be a 4xx problem+json (or a closed connection for what is not HTTP), never a
 * 5xx, and the node must keep serving good requests all along.
 */
class HostileInputIT {

  private static final List<String> JSON_TARGETS =
      List.of(
          "POST /items",
          "PUT /items/1",
          "PATCH /items/1",
          "POST /users",
          "PATCH /users/1",
          "POST /log",
          "PUT /cache/k1",
          "POST /admin/api-keys");
  private static final AtomicInteger SENT = new AtomicInteger();
  private static final int CUT_OFF_MS = 3000;
  private static TestNode node;

  /** A connection per request, so no pooled connection is closed by the server just as a request goes out. */
  private static WebClient client;

  @BeforeContainer
  static void start() {
    // Requests that promise more than they send are cut off after a few seconds, not the default
    // ten; long
    // enough that a client stalled for a second still sends its whole request in time.
    node =
        TestNode.start(
            new io.vertx.core.json.JsonObject()
                .put(
                    "http",
                    new io.vertx.core.json.JsonObject()
                        .put("headerTimeoutMs", CUT_OFF_MS)
                        .put("bodyTimeoutMs", CUT_OFF_MS)
                        .put("idleTimeoutSeconds", CUT_OFF_MS / 1000)));
    client =
        WebClient.create(
            node.vertx(),
            new WebClientOptions()
                .setDefaultHost("127.0.0.1")
                .setDefaultPort(node.port())
                .setKeepAlive(false));
    await(
        client
            .post("/items")
            .sendJsonObject(
                new io.vertx.core.json.JsonObject().put("name", "target").put("price", "1.00")));
    await(
        client
            .post("/users")
            .sendJsonObject(
                new io.vertx.core.json.JsonObject()
                    .put("email", "t@example.org")
                    .put("name", "t")));
  }

  @AfterContainer
  static void stop() {
    try {
      assertThat(SENT.get()).isGreaterThanOrEqualTo(1000);
      io.loopline.support.Poll.until(
          "still ready",
          java.time.Duration.ofSeconds(30),
          () -> await(client.get("/health/ready").send()).statusCode() == 200);
    } finally {
      TestNode.closeAll(node);
    }
  }

  @Property(tries = 400, generation = GenerationMode.RANDOMIZED)
  void hostileJsonBodiesAreRefusedAsProblems(
      @ForAll("targets") String target, @ForAll("bodies") String body) {
    String[] methodAndPath = target.split(" ");
    HttpResponse<Buffer> response =
        await(
            client
                .request(HttpMethod.valueOf(methodAndPath[0]), methodAndPath[1])
                .putHeader("Content-Type", "application/json")
                .putHeader("Authorization", "Bearer " + TestNode.ADMIN_KEY)
                .sendBuffer(Buffer.buffer(body)));
    SENT.incrementAndGet();

    if (isJson(body)) {
      assertNoServerError(response, target + " " + abbreviate(body));
    } else {
      // Not JSON at all: refused as a bad request whatever the target, never stored.
      assertThat(response.statusCode()).as(target + " " + abbreviate(body)).isEqualTo(400);
      assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
    }
  }

  private static boolean isJson(String body) {
    try {
      io.vertx.core.json.Json.decodeValue(body);
      return !body.isBlank();
    } catch (io.vertx.core.json.DecodeException e) {
      return false;
    }
  }

  @Property(tries = 400, generation = GenerationMode.RANDOMIZED)
  void hostilePathsAndQueriesAreRefusedAsProblems(@ForAll("paths") String path) {
    HttpResponse<Buffer> response = await(client.get(uriSafe(path)).send());
    SENT.incrementAndGet();

    assertNoServerError(response, "GET " + path);
  }

  @Property(tries = 200, generation = GenerationMode.RANDOMIZED)
  void brokenHttpNeverGetsA5xx(@ForAll("rawRequests") Raw raw) throws IOException {
    byte[] request = raw.bytes();
    String status = exchange(request, raw.http());
    SENT.incrementAndGet();

    if (raw.http()) {
      assertThat(status)
          .as("an answer to " + abbreviate(new String(request, StandardCharsets.ISO_8859_1)))
          .startsWith("HTTP/1.");
    }
    // 505 is the one 5xx a client earns: the answer to a request line of a version the server does
    // not speak.
    if (!status.startsWith("HTTP/1.1 505 ")) {
      assertThat(status)
          .as(new String(request, StandardCharsets.ISO_8859_1))
          .doesNotStartWith("HTTP/1.1 5")
          .doesNotStartWith("HTTP/1.0 5");
    }
    assertThat(await(client.get("/health/live").send()).statusCode()).isEqualTo(200);
  }

  @Provide
  Arbitrary<String> targets() {
    return Arbitraries.of(JSON_TARGETS);
  }

  @Provide
  Arbitrary<String> bodies() {
    Arbitrary<String> valid =
        Arbitraries.of(
            "{\"name\":\"x\",\"price\":\"1.00\",\"tags\":[\"a\"]}",
                "{\"email\":\"a@b.co\",\"name\":\"n\"}",
            "{\"message\":\"hello\"}", "{\"name\":\"k\",\"scopes\":[\"read\"]}");
    Arbitrary<String> truncated =
        valid.flatMap(
            v -> Arbitraries.integers().between(0, v.length() - 1).map(n -> v.substring(0, n)));
    Arbitrary<String> wrongTypes =
        Combinators.combine(
                Arbitraries.of(
                    "name",
                    "price",
                    "tags",
                    "email",
                    "message",
                    "description",
                    "scopes",
                    "__proto__",
                    ""),
                Arbitraries.of(
                    "1e400",
                    "-0",
                    "99999999999999999999999999",
                    "null",
                    "true",
                    "[]",
                    "{}",
                    "\"\"",
                    "\"12.345\"",
                    "\"-1\"",
                    "\"NaN\"",
                    "[[[[[[]]]]]]",
                    "\"\\u0000\"",
                    "\"" + "x".repeat(20_000) + "\"",
                    "\"' OR 1=1 --\"",
                    "\"); DROP TABLE items; --\"",
                    "\"\\ud800\"",
                    "1.0e-400"))
            .as(
                (field, value) ->
                    "{\"" + field + "\":" + value + ",\"name\":\"n\",\"price\":\"1.00\"}");
    Arbitrary<String> deep =
        Arbitraries.integers()
            .between(500, 20_000)
            .map(depth -> "{\"name\":" + "[".repeat(depth) + "]".repeat(depth) + "}");
    Arbitrary<String> garbage = Arbitraries.strings().ofMaxLength(200);
    return Arbitraries.oneOf(
        truncated,
        wrongTypes,
        deep,
        garbage,
        Arbitraries.of("", "null", "[]", "\"s\"", "1", "{}{}", "{\"a\":1,}"));
  }

  @Provide
  Arbitrary<String> paths() {
    Arbitrary<String> hostile =
        Arbitraries.of(
            "../../etc/passwd",
            "..%2f..%2fetc%2fpasswd",
            "%2e%2e/%2e%2e",
            "%00",
            "%ff%fe",
            "' OR '1'='1",
            "1; DROP TABLE items",
            "1e999",
            "-1",
            "0",
            "9223372036854775808",
            "%E2%80%AE",
            "<script>",
            "%",
            "%zz",
            "a/b/c",
            "",
            "1.5",
            "0x10",
            "\u00e9t\u00e9");
    Arbitrary<String> random =
        Arbitraries.strings()
            .ofMaxLength(40)
            .map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8));
    Arbitrary<String> part = Arbitraries.oneOf(hostile, random);
    return Arbitraries.oneOf(
        part.map(p -> "/items/" + p),
        part.map(p -> "/users/" + p),
        part.map(p -> "/jobs/" + p),
        part.map(p -> "/cache/" + p),
        part.map(p -> "/sleep/" + p),
        part.map(p -> "/items?cursor=" + p),
        part.map(p -> "/items?sort=" + p + "&minPrice=" + p),
        part.map(p -> "/items?ids=" + p + "," + p),
        part.map(p -> "/users?limit=" + p),
        part.map(p -> "/docs/" + p),
        part.map(p -> "/" + p));
  }

  /**
   * Raw bytes for the wire; {@code http} when they are an HTTP request (broken or not), which must get a status
   * line. Random bytes, and malformed frames after a WebSocket handshake (which may be read before the upgrade
   * is answered), may be answered by a close alone.
   */
  record Raw(byte[] bytes, boolean http) {
    @Override
    public String toString() {
      return abbreviate(new String(bytes, StandardCharsets.ISO_8859_1));
    }
  }

  @Provide
  Arbitrary<Raw> rawRequests() {
    Arbitrary<String> asText =
        Arbitraries.of(
            "GET /items/1 HTTP/1.1\r\nHost: x\r\nX-Bad: a\r\n b\r\n\r\n",
            "GET /items/1 HTTP/1.1\r\n\r\n",
            "GET /items/1\r\n\r\n",
            "GET /items/1 HTTP/9.9\r\nHost: x\r\n\r\n",
            "BREW /items/1 HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
            "POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":1}\r\n0\r\n\r\n",
            "POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Length: 20\r\n\r\n{}",
            "POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
            "POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 3000000\r\n\r\n{",
            "GET /items/1 HTTP/1.1\r\nHost: x\r\nX-Long: " + "a".repeat(40_000) + "\r\n\r\n",
            "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /items/1 HTTP/1.1\r\nHost: x\r\nX-Injected: a\r\nSet-Cookie: evil=1\r\n\r\n",
            "\u0000\u0001\u0002\u0003garbage\r\n\r\n",
            "GET /items/1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n");
    Arbitrary<byte[]> invalidUtf8 =
        Arbitraries.bytes()
            .array(byte[].class)
            .ofMinSize(1)
            .ofMaxSize(30)
            .map(
                bytes -> {
                  ByteArrayOutputStream out = new ByteArrayOutputStream();
                  out.writeBytes(
                      "POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          .getBytes(StandardCharsets.ISO_8859_1));
                  byte[] body = new byte[bytes.length + 12];
                  System.arraycopy(
                      "{\"name\":\"".getBytes(StandardCharsets.ISO_8859_1), 0, body, 0, 9);
                  System.arraycopy(bytes, 0, body, 9, bytes.length);
                  body[bytes.length + 9] = (byte) 0xC3;
                  body[bytes.length + 10] = '"';
                  body[bytes.length + 11] = '}';
                  out.writeBytes(
                      ("Content-Length: " + body.length + "\r\n\r\n")
                          .getBytes(StandardCharsets.ISO_8859_1));
                  out.writeBytes(body);
                  return out.toByteArray();
                });
    Arbitrary<byte[]> randomBytes =
        Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(300);
    // A valid chat WebSocket handshake followed by malformed frames: unmasked, reserved bits and
    // opcodes,
    // lengths that lie, invalid UTF-8 in text frames.
    Arbitrary<byte[]> badFrames =
        Arbitraries.bytes()
            .array(byte[].class)
            .ofMinSize(2)
            .ofMaxSize(64)
            .map(
                frame -> {
                  ByteArrayOutputStream out = new ByteArrayOutputStream();
                  out.writeBytes(
                      ("GET /chat/rooms/fuzz/ws?name=fuzz HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .getBytes(StandardCharsets.ISO_8859_1));
                  out.writeBytes(frame);
                  return out.toByteArray();
                });
    return Arbitraries.oneOf(
        // Bytes that are not HTTP, and broken chunked framing (a size that is not hex or does not
        // match its data:
        // nothing after it can be read), may be answered by a close alone; every other request gets
        // a status line.
        asText.map(
            s ->
                new Raw(
                    s.getBytes(StandardCharsets.UTF_8),
                    !s.startsWith("\u0000") && !s.contains("Transfer-Encoding: chunked"))),
        invalidUtf8.map(b -> new Raw(b, true)),
        randomBytes.map(b -> new Raw(b, false)),
        badFrames.map(b -> new Raw(b, false)));
  }

  private static void assertNoServerError(HttpResponse<Buffer> response, String what) {
    assertThat(response.statusCode()).as(what).isLessThan(500);
    if (response.statusCode() >= 400) {
      assertThat(response.getHeader("Content-Type")).as(what).isEqualTo("application/problem+json");
      assertThat(response.bodyAsJsonObject().getInteger("status")).isEqualTo(response.statusCode());
    }
  }

  /**
   * Sends raw bytes and returns the status line of the answer, or "" when the server closes without one (or,
   * for bytes that are not HTTP, resets the connection). No answer within five times the server's cut-off
   * fails: the server must end every connection itself.
   */
  private static String exchange(byte[] request, boolean http) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", node.port())) {
      socket.setSoTimeout(CUT_OFF_MS * 5);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      if (!http) {
        // Nothing more is coming, and the server may say so at once instead of after its header
        // timeout.
        socket.shutdownOutput();
      }
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        line.append((char) c);
      }
      return line.toString().trim();
    } catch (SocketTimeoutException e) {
      throw new AssertionError(
          "the server neither answered nor closed within " + CUT_OFF_MS * 5 + " ms", e);
    } catch (java.net.SocketException e) {
      if (http) {
        throw new AssertionError("an HTTP request was answered with a reset", e);
      }
      return ""; // a reset: the server dropped a connection that was not HTTP, with bytes it did
      // not read
    }
  }

  /**
   * What an HTTP client puts on the wire: characters a request target may not contain are encoded, while
   * '%' stays as it is, so broken escapes ({@code %zz}, {@code %00}) reach the server. Request lines that
   * are not HTTP at all are sent raw by {@link #brokenHttpNeverGetsA5xx}.
   */
  private static String uriSafe(String path) {
    StringBuilder out = new StringBuilder();
    for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c > 32 && c < 127 && "\"<>\\^`{|}".indexOf(c) < 0) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  private static String abbreviate(String text) {
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }
}
