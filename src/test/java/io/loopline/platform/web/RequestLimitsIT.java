package io.loopline.platform.web;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.TestNode;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Requests over the size limits, slow clients, and the headers every answer carries. */
class RequestLimitsIT {

  private static TestNode node;
  private static Vertx clients;

  /** Header and body timeouts: long enough that a client stalled for a second or two is not cut off. */
  private static final long HEADER_TIMEOUT_MS = 5000;

  private static final long BODY_TIMEOUT_MS = 5000;

  /** One connection per request, so no pooled connection is closed by the server just as a request goes out. */
  private static WebClient client;

  @BeforeAll
  static void start() {
    node =
        TestNode.start(
            new JsonObject()
                .put(
                    "http",
                    new JsonObject()
                        .put("maxUriLength", 2048)
                        .put("maxHeaderBytes", 4096)
                        .put("headerTimeoutMs", HEADER_TIMEOUT_MS)
                        .put("bodyTimeoutMs", BODY_TIMEOUT_MS)
                        .put("corsAllowedOrigins", new JsonArray().add("https://app.example"))));
    clients = Vertx.vertx();
    client =
        WebClient.create(
            clients,
            new WebClientOptions()
                .setDefaultHost("127.0.0.1")
                .setDefaultPort(node.port())
                .setKeepAlive(false));
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(clients == null ? null : () -> await(clients.close()), node);
  }

  @Test
  void aTooLongUriIsProblem414AndTheServerGoesOn() {
    HttpResponse<Buffer> response =
        await(client.get("/items?namePrefix=" + "a".repeat(3000)).send());

    assertProblem(response, 414);
    assertThat(await(client.get("/health/live").send()).statusCode()).isEqualTo(200);
  }

  @Test
  void tooLargeHeadersAreProblem431() {
    HttpResponse<Buffer> response =
        await(client.get("/items").putHeader("X-Filler", "b".repeat(5000)).send());

    assertProblem(response, 431);
    assertThat(response.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(await(client.get("/health/live").send()).statusCode()).isEqualTo(200);
  }

  @Test
  void aClientThatSendsItsHeadersTooSlowlyIsCutOffWhileOthersAreServed() {
    NetSocket slow = await(clients.createNetClient().connect(node.port(), "127.0.0.1"));
    Promise<Void> closed = Promise.promise();
    slow.closeHandler(v -> closed.tryComplete());
    slow.write("GET /items HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    long started = System.nanoTime();
    // One header line every 100 ms keeps the connection busy, never finishing the request.
    long trickle = clients.setPeriodic(100, t -> slow.write("X-Slow: yes\r\n"));
    try {
      assertThat(await(client.get("/items").send()).statusCode()).isEqualTo(200);

      await(closed.future());

      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isBetween(
              Duration.ofMillis(HEADER_TIMEOUT_MS * 8 / 10),
              Duration.ofMillis(HEADER_TIMEOUT_MS * 5));
    } finally {
      clients.cancelTimer(trickle);
    }
    assertThat(await(client.get("/items").send()).statusCode()).isEqualTo(200);
  }

  @Test
  void aClientThatSendsItsBodyTooSlowlyIsCutOffWhileOthersAreServed() {
    NetSocket slow = await(clients.createNetClient().connect(node.port(), "127.0.0.1"));
    Promise<Void> closed = Promise.promise();
    slow.closeHandler(v -> closed.tryComplete());
    slow.write(
        "POST /items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
    long started = System.nanoTime();
    // One byte every 100 ms: never idle, never done.
    long trickle = clients.setPeriodic(100, t -> slow.write(" "));
    try {
      assertThat(await(client.get("/items").send()).statusCode()).isEqualTo(200);

      await(closed.future());

      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isBetween(
              Duration.ofMillis(BODY_TIMEOUT_MS * 8 / 10), Duration.ofMillis(BODY_TIMEOUT_MS * 5));
    } finally {
      clients.cancelTimer(trickle);
    }
  }

  @Test
  void everyAnswerCarriesTheSecurityHeaders() {
    for (HttpResponse<Buffer> response :
        new HttpResponse[] {
          await(client.get("/items").send()), await(client.get("/no/such/thing").send())
        }) {
      assertThat(response.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(response.getHeader("Referrer-Policy")).isEqualTo("no-referrer");
      assertThat(response.getHeader("X-Frame-Options")).isEqualTo("DENY");
      assertThat(response.getHeader("Content-Security-Policy")).isNull();
    }
    HttpResponse<Buffer> page = await(client.get("/docs/").send());
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    assertThat(page.getHeader("Content-Security-Policy"))
        .contains("default-src 'self'")
        .contains("frame-ancestors 'none'");
  }

  @Test
  void corsAnswersOnlyTheConfiguredOrigins() {
    HttpResponse<Buffer> allowed =
        await(client.get("/items").putHeader("Origin", "https://app.example").send());
    HttpResponse<Buffer> other =
        await(client.get("/items").putHeader("Origin", "https://evil.example").send());
    HttpResponse<Buffer> preflight =
        await(
            client
                .request(io.vertx.core.http.HttpMethod.OPTIONS, "/items")
                .putHeader("Origin", "https://app.example")
                .putHeader("Access-Control-Request-Method", "POST")
                .putHeader("Access-Control-Request-Headers", "authorization, content-type")
                .send());

    assertThat(allowed.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
    assertThat(allowed.getHeader("Access-Control-Expose-Headers")).contains("RateLimit");
    assertThat(other.getHeader("Access-Control-Allow-Origin")).isNull();
    assertProblem(other, 403);
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.getHeader("Access-Control-Allow-Methods")).contains("POST");
  }

  @Test
  void byDefaultCorsIsOffAndAnswersSayHowLongAnIdleConnectionStaysOpen() {
    try (TestNode plain = TestNode.start()) {
      HttpResponse<Buffer> response =
          await(plain.client().get("/items").putHeader("Origin", "https://app.example").send());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.getHeader("Access-Control-Allow-Origin")).isNull();
      // The default header timeout is 10 s; the hint is a second under it.
      assertThat(response.getHeader("Keep-Alive")).isEqualTo("timeout=9");
    }
  }

  @Test
  void theKeepAliveHintIsASecondUnderTheHeaderTimeout() {
    assertThat(await(client.get("/items").send()).getHeader("Keep-Alive"))
        .isEqualTo("timeout=" + (HEADER_TIMEOUT_MS / 1000 - 1));
  }

  @Test
  void aHeaderTimeoutUnderTwoSecondsGivesNoKeepAliveHint() {
    try (TestNode brief =
        TestNode.start(
            new JsonObject().put("http", new JsonObject().put("headerTimeoutMs", 1900)))) {
      assertThat(await(brief.client().get("/items").send()).getHeader("Keep-Alive")).isNull();
    }
  }
}
