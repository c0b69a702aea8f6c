package io.loopline.platform.web;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.Addresses;
import io.loopline.contract.Role;
import io.loopline.support.BusWatch;
import io.loopline.support.Poll;
import io.loopline.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a client can make the edge do before any operation runs: guess keys, probe readiness, speak an HTTP
 * version the server does not.
 */
class HttpEdgeIT {

  /** Three anonymous reads a minute, and lookups trusted for a minute, so nothing here expires mid-test. */
  private static final JsonObject THREE_READS =
      new JsonObject()
          .put("auth", new JsonObject().put("keyCacheMs", 60_000))
          .put(
              "rateLimit",
              new JsonObject()
                  .put(
                      "anonymous",
                      new JsonObject()
                          .put("read", new JsonObject().put("limit", 3).put("windowSeconds", 60))));

  @Test
  void aGuessedKeyIsChargedToItsAddressBeforeAnyoneLooksItUp() {
    try (TestNode node = TestNode.start(THREE_READS)) {
      BusWatch lookups = BusWatch.count(node.vertx(), Addresses.API_KEYS_LOOKUP);

      for (int i = 0; i < 3; i++) {
        HttpResponse<Buffer> refused =
            await(node.client().get("/items").putHeader("X-API-Key", guess(i)).send());
        assertProblem(refused, 401);
        assertThat(refused.getHeader("RateLimit")).startsWith("\"read\";r=" + (2 - i) + ";");
      }
      assertThat(lookups.sent()).isEqualTo(3);

      HttpResponse<Buffer> spent =
          await(node.client().get("/items").putHeader("X-API-Key", guess(3)).send());

      assertProblem(spent, 429);
      assertThat(lookups.sent())
          .as("a guess over the address's budget is not looked up")
          .isEqualTo(3);
    }
  }

  @Test
  void aRepeatedGuessIsAnsweredWithoutAnotherLookup() {
    // One HTTP verticle: each keeps its own key cache, so with one the count of lookups is exact.
    try (TestNode node =
        TestNode.start(
            new JsonObject()
                .put("auth", new JsonObject().put("keyCacheMs", 60_000))
                .put("http", new JsonObject().put("instances", 1)))) {
      BusWatch lookups = BusWatch.count(node.vertx(), Addresses.API_KEYS_LOOKUP);

      for (int i = 0; i < 20; i++) {
        assertProblem(
            await(node.client().get("/items").putHeader("X-API-Key", guess(0)).send()), 401);
      }

      assertThat(lookups.sent()).isEqualTo(1);
    }
  }

  @Test
  void readinessIsAnsweredFromAReportAtMostASecondOld() {
    try (TestNode node = TestNode.start()) {
      BusWatch databaseChecks = BusWatch.count(node.vertx(), Addresses.health(Role.PERSISTENCE));
      long start = System.nanoTime();
      int probes = 0;
      while (probes < 200) {
        List<Future<HttpResponse<Buffer>>> batch = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          batch.add(node.client().get("/health/ready").send());
        }
        for (Future<HttpResponse<Buffer>> probe : batch) {
          // A report (a check that took over its 2 s on a loaded machine makes it 503, still a
          // report).
          assertThat(await(probe).statusCode()).isIn(200, 503);
          probes++;
        }
      }
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + 1;

      // Each of the node's two HTTP verticles makes at most one report a second, and one at the
      // start.
      assertThat(databaseChecks.sent())
          .as("database checks for %d probes in %d s", probes, seconds)
          .isBetween(1, (int) (2 * (seconds + 1)));
      int before = databaseChecks.sent();
      Poll.until(
          "a probe a second later gets a new report",
          Duration.ofSeconds(10),
          () -> {
            await(node.client().get("/health/ready").send());
            return databaseChecks.sent() > before;
          });
    }
  }

  @Test
  void anHttpVersionTheServerDoesNotSpeakIs505() throws IOException {
    try (TestNode node = TestNode.start()) {
      for (String version : List.of("HTTP/1.2", "HTTP/2.0", "HTTP/3.0", "FOO/1.0")) {
        String answer =
            exchange(node.port(), "GET /health/live " + version + "\r\nHost: 127.0.0.1\r\n\r\n");

        assertThat(answer).as(version).startsWith("HTTP/1.1 505 ");
        assertThat(answer.toLowerCase())
            .contains("content-type: application/problem+json")
            .contains("connection: close");
        JsonObject problem = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4));
        assertThat(problem.getInteger("status")).isEqualTo(505);
        assertThat(problem.getString("detail")).contains(version);
      }
      assertThat(exchange(node.port(), "GET /health/live HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"))
          .startsWith("HTTP/1.0 200 ");
    }
  }

  private static String guess(int i) {
    return "ll_guessed-key-number-" + i + "-".repeat(30);
  }

  /** Sends {@code request} on a new connection and reads until the server closes it. */
  private static String exchange(int port, String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(15_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      in.transferTo(answer);
      return answer.toString(StandardCharsets.UTF_8);
    }
  }
}
