package io.loopline.kv;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.RedisProbe;
import io.loopline.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /cache/{key}} on the real Redis, and the same API on the in-process store. */
class CacheApiIT {

  private static final int LIMIT = 1024;
  private static TestNode node;
  private static WebClient client;
  private static RedisProbe redis;

  @BeforeAll
  static void start() {
    node =
        TestNode.start(new JsonObject().put("cache", new JsonObject().put("maxValueBytes", LIMIT)));
    client = node.client();
    redis = new RedisProbe();
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(redis, node);
  }

  @Test
  void jsonAndTextComeBackWithTheMediaTypeTheyWereStoredWith() {
    HttpResponse<Buffer> stored =
        await(
            client
                .put("/cache/user:42.profile")
                .putHeader("Content-Type", "application/json")
                .sendBuffer(Buffer.buffer("{\"name\": \"Ada\", \"tags\": [1, 2]}")));
    assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(200);
    assertThat(stored.bodyAsJsonObject())
        .isEqualTo(
            new JsonObject()
                .put("key", "user:42.profile")
                .put("contentType", "application/json")
                .put("bytes", 31)
                .putNull("ttl"));

    HttpResponse<Buffer> json = await(client.get("/cache/user:42.profile").send());
    assertThat(json.statusCode()).isEqualTo(200);
    assertThat(json.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(json.bodyAsString()).isEqualTo("{\"name\": \"Ada\", \"tags\": [1, 2]}");

    await(
        client
            .put("/cache/greeting")
            .putHeader("Content-Type", "text/plain; charset=utf-8")
            .sendBuffer(Buffer.buffer("héllo")));
    HttpResponse<Buffer> text = await(client.get("/cache/greeting").send());
    assertThat(text.getHeader("Content-Type")).isEqualTo("text/plain");
    assertThat(text.bodyAsString()).isEqualTo("héllo");
    // A second PUT replaces the value, media type included.
    await(
        client
            .put("/cache/greeting")
            .putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer("\"hi\"")));
    assertThat(await(client.get("/cache/greeting").send()).getHeader("Content-Type"))
        .isEqualTo("application/json");
  }

  @Test
  void postWithAValueInTheQueryIsTheSeedsFormOfPut() {
    HttpResponse<Buffer> stored =
        await(client.post("/cache/seed-key?value=hello%20world&ttl=60").send());

    assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(200);
    assertThat(stored.bodyAsJsonObject().getInteger("ttl")).isEqualTo(60);
    HttpResponse<Buffer> read = await(client.get("/cache/seed-key").send());
    assertThat(read.getHeader("Content-Type")).isEqualTo("text/plain");
    assertThat(read.bodyAsString()).isEqualTo("hello world");
    assertThat(redis.pttl(node.redisNamespace() + "kv:seed-key")).isBetween(1L, 60_000L);
  }

  @Test
  void keysLiveUnderTheNamespaceAndForeignKeysAreNeverTouched() {
    String foreign = "foreign-" + UUID.randomUUID();
    redis.set(foreign, "not Loopline's");
    try {
      await(
          client
              .put("/cache/" + foreign)
              .putHeader("Content-Type", "text/plain")
              .sendBuffer(Buffer.buffer("ours")));
      assertThat(redis.get(node.redisNamespace() + "kv:" + foreign)).endsWith("ours");

      assertThat(await(client.delete("/cache/" + foreign).send()).statusCode()).isEqualTo(204);
      assertProblem(await(client.delete("/cache/" + foreign).send()), 404);
      assertProblem(await(client.get("/cache/" + foreign).send()), 404);
      assertThat(redis.get(foreign)).isEqualTo("not Loopline's");
    } finally {
      redis.delete(foreign);
    }
  }

  @Test
  void aValueExpiresAfterItsTtl() throws InterruptedException {
    // Five seconds: time enough to see the key's time to live however slow this machine is right
    // now.
    await(
        client
            .put("/cache/short-lived?ttl=5")
            .putHeader("Content-Type", "text/plain")
            .sendBuffer(Buffer.buffer("soon gone")));

    assertThat(redis.pttl(node.redisNamespace() + "kv:short-lived")).isBetween(1L, 5000L);
    awaitGone(client, "/cache/short-lived", 25);
    // Without a ttl a value does not expire.
    await(
        client
            .put("/cache/lasting")
            .putHeader("Content-Type", "text/plain")
            .sendBuffer(Buffer.buffer("stays")));
    assertThat(redis.pttl(node.redisNamespace() + "kv:lasting")).isEqualTo(-1L);
  }

  @Test
  void errorsAreProblemsNamingTheCause() {
    assertProblem(await(client.get("/cache/never-stored").send()), 404);
    assertProblem(await(client.delete("/cache/never-stored").send()), 404);

    assertThat(pointer(await(client.get("/cache/bad%20key").send()))).isEqualTo("/path/key");
    assertThat(pointer(await(client.get("/cache/" + "k".repeat(257)).send())))
        .isEqualTo("/path/key");
    assertThat(await(client.get("/cache/" + "k".repeat(256)).send()).statusCode()).isEqualTo(404);
    assertThat(
            pointer(
                await(
                    client
                        .put("/cache/k?ttl=0")
                        .putHeader("Content-Type", "text/plain")
                        .sendBuffer(Buffer.buffer("v")))))
        .isEqualTo("/query/ttl");
    assertThat(pointer(await(client.post("/cache/k?value=v&ttl=2592001").send())))
        .isEqualTo("/query/ttl");
    assertThat(pointer(await(client.post("/cache/k").send()))).isEqualTo("/query/value");
    assertProblem(
        await(
            client
                .put("/cache/k")
                .putHeader("Content-Type", "application/json")
                .sendBuffer(Buffer.buffer("{\"open\":"))),
        400);
    assertProblem(
        await(
            client
                .put("/cache/k")
                .putHeader("Content-Type", "application/xml")
                .sendBuffer(Buffer.buffer("<v/>"))),
        415);

    HttpResponse<Buffer> tooLarge =
        await(
            client
                .put("/cache/big")
                .putHeader("Content-Type", "text/plain")
                .sendBuffer(Buffer.buffer("x".repeat(LIMIT + 1))));
    assertThat(assertProblem(tooLarge, 413).getString("detail")).contains(String.valueOf(LIMIT));
    assertProblem(await(client.post("/cache/big?value=" + "y".repeat(LIMIT + 1)).send()), 413);
    assertThat(
            await(
                    client
                        .put("/cache/big")
                        .putHeader("Content-Type", "text/plain")
                        .sendBuffer(Buffer.buffer("x".repeat(LIMIT))))
                .statusCode())
        .isEqualTo(200);
    assertProblem(await(client.get("/cache/never-stored").send()), 404);
  }

  @Test
  void theInProcessStoreServesTheSameApi() throws InterruptedException {
    try (TestNode local =
        TestNode.start(new JsonObject().put("redis", new JsonObject().put("url", "")))) {
      WebClient c = local.client();
      await(
          c.put("/cache/doc")
              .putHeader("Content-Type", "application/json")
              .sendBuffer(Buffer.buffer("[1,2,3]")));
      HttpResponse<Buffer> read = await(c.get("/cache/doc").send());
      assertThat(read.getHeader("Content-Type")).isEqualTo("application/json");
      assertThat(read.bodyAsString()).isEqualTo("[1,2,3]");
      assertThat(redis.get(local.redisNamespace() + "kv:doc")).as("nothing goes to Redis").isNull();

      assertThat(await(c.post("/cache/brief?value=x&ttl=1").send()).statusCode()).isEqualTo(200);
      awaitGone(c, "/cache/brief", 5);
      assertThat(await(c.delete("/cache/doc").send()).statusCode()).isEqualTo(204);
      assertProblem(await(c.get("/cache/doc").send()), 404);
      assertProblem(await(c.get("/cache/bad%20key").send()), 400);
    }
  }

  private static String pointer(HttpResponse<Buffer> response) {
    return assertProblem(response, 400)
        .getJsonArray("errors")
        .getJsonObject(0)
        .getString("pointer");
  }

  /** Polls until the value is gone (404), at most {@code seconds}; fails if it is still there. */
  private static void awaitGone(WebClient c, String uri, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (await(c.get(uri).send()).statusCode() != 404) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(uri + " did not expire within " + seconds + " s");
      }
      Thread.sleep(50);
    }
  }
}
