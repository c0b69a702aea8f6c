package io.loopline.platform.web;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.Responses.checks;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.Poll;
import io.loopline.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One node with every role on the machine's PostgreSQL and Redis, asked what a client would ask. */
class FoundationIT {

  private static TestNode node;
  private static WebClient client;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    client = node.client();
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(node);
  }

  @Test
  void readyWhenEveryRoleAndBackendAnswers() {
    // Each role's check has 2 s to answer: polled, so that one slow answer on a loaded machine is
    // not the verdict.
    HttpResponse<Buffer> response =
        Poll.value(
            "ready",
            Duration.ofSeconds(30),
            () -> await(client.get("/health/ready").send()),
            r -> r.statusCode() == 200);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("UP");
    assertThat(checks(body))
        .containsOnlyKeys("node", "cluster", "database", "cache", "scraper", "worker", "chat")
        .allSatisfy((id, check) -> assertThat(check.getString("status")).isEqualTo("UP"));
    assertThat(checks(body).get("cache").getJsonObject("data").getString("backend"))
        .isEqualTo("redis");
  }

  @Test
  void liveAnswers() {
    HttpResponse<Buffer> response = await(client.get("/health/live").send());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type")).startsWith("application/json");
    assertThat(response.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    assertThat(response.bodyAsJsonObject().getJsonArray("checks").getJsonObject(0).getString("id"))
        .isEqualTo("eventLoop");
  }

  @Test
  void unknownRouteIsProblem404() {
    HttpResponse<Buffer> response = await(client.get("/no/such/thing").send());

    assertProblem(response, 404);
    assertThat(response.bodyAsJsonObject().getString("instance")).isEqualTo("/no/such/thing");
  }

  @Test
  void wrongMethodIsProblem405WithAllow() {
    HttpResponse<Buffer> response = await(client.delete("/sleep/1").send());

    assertProblem(response, 405);
    assertThat(response.getHeader("Allow")).isEqualTo("GET");
  }

  @Test
  void bodyOverTheLimitIsProblem413() {
    Buffer big = Buffer.buffer(new byte[1024 * 1024 + 1]);

    HttpResponse<Buffer> response =
        await(client.put("/sleep/1").putHeader("Content-Type", "application/json").sendBuffer(big));

    assertProblem(response, 413);
  }

  @Test
  void sleepAnswersAfterTheWait() {
    long start = System.nanoTime();
    HttpResponse<Buffer> response = await(client.get("/sleep/0.25").send());
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject())
        .isEqualTo(new JsonObject().put("message", "Slept for 0.25 seconds."));
    assertThat(elapsedMs).isGreaterThanOrEqualTo(250);
  }

  @Test
  void sleepAcceptsTheBoundsAndWholeNumbers() {
    assertThat(await(client.get("/sleep/0").send()).bodyAsJsonObject().getString("message"))
        .isEqualTo("Slept for 0 seconds.");
    assertThat(await(client.get("/sleep/0.001").send()).statusCode()).isEqualTo(200);
  }

  @Test
  void sleepOutOfRangeOrNotANumberIsProblem400WithPointer() {
    for (String bad : List.of("-1", "60.5", "61", "abc", "NaN", "Infinity", "1,5")) {
      HttpResponse<Buffer> response = await(client.get("/sleep/" + bad).send());

      assertProblem(response, 400);
      JsonArray errors = response.bodyAsJsonObject().getJsonArray("errors");
      assertThat(errors).as("errors for " + bad).isNotEmpty();
      assertThat(errors.getJsonObject(0).getString("pointer")).isEqualTo("/path/seconds");
      assertThat(errors.getJsonObject(0).getString("detail")).isNotBlank();
    }
  }

  @Test
  void multipleSleepsRunConcurrently() {
    long start = System.nanoTime();
    HttpResponse<Buffer> response = await(client.get("/multiple-sleeps").send());
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;

    assertThat(response.statusCode()).isEqualTo(200);
    // The longest wait is 3 s; an upper bound five times that, and concurrency proven below by the
    // server's
    // own clock: the whole took less than the waits added up (6 s or more, one after another).
    assertThat(elapsedMs).isBetween(2_900L, 15_000L);
    JsonObject body = response.bodyAsJsonObject();
    List<Integer> seconds =
        body.getJsonArray("tasks").stream()
            .map(t -> ((JsonObject) t).getInteger("seconds"))
            .collect(Collectors.toList());
    assertThat(seconds).containsExactly(2, 3, 1);
    body.getJsonArray("tasks")
        .forEach(
            t -> {
              JsonObject task = (JsonObject) t;
              assertThat(task.getLong("elapsedMs"))
                  .isBetween(
                      task.getInteger("seconds") * 1000L, task.getInteger("seconds") * 5000L);
            });
    long sumOfWaits =
        body.getJsonArray("tasks").stream()
            .mapToLong(t -> ((JsonObject) t).getLong("elapsedMs"))
            .sum();
    assertThat(body.getLong("elapsedMs")).isBetween(3_000L, 15_000L).isLessThan(sumOfWaits);
  }

  @Test
  void contractAndDocsAreServed() {
    HttpResponse<Buffer> contract = await(client.get("/openapi.yaml").send());
    assertThat(contract.statusCode()).isEqualTo(200);
    assertThat(contract.bodyAsString()).startsWith("openapi: 3.1.0");

    HttpResponse<Buffer> docs = await(client.get("/docs/").send());
    assertThat(docs.statusCode()).isEqualTo(200);
    assertThat(docs.getHeader("Content-Type")).startsWith("text/html");
    assertThat(docs.bodyAsString()).contains("swagger-ui");

    HttpResponse<Buffer> initializer = await(client.get("/docs/swagger-initializer.js").send());
    assertThat(initializer.bodyAsString()).contains("url: \"/openapi.yaml\"");
    HttpResponse<Buffer> bundle = await(client.get("/docs/swagger-ui-bundle.js").send());
    assertThat(bundle.statusCode()).isEqualTo(200);
  }

  @Test
  void responsesAreCompressedWhenTheClientAsks() {
    HttpResponse<Buffer> gzip =
        await(client.get("/openapi.yaml").putHeader("Accept-Encoding", "gzip").send());
    HttpResponse<Buffer> plain = await(client.get("/openapi.yaml").send());

    assertThat(gzip.getHeader("Content-Encoding")).isEqualTo("gzip");
    assertThat(gzip.body().length()).isLessThan(plain.body().length());
    assertThat(plain.getHeader("Content-Encoding")).isNull();
  }
}
