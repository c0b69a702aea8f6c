package io.loopline.platform.access;

import static io.loopline.platform.access.ApiKeysIT.bearer;
import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.MetricsScrape;
import io.loopline.support.TcpProxy;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Budgets per caller and route class: exact, shared by nodes through Redis, not reset by a forged
 * {@code X-Forwarded-For}, and kept per node while Redis is away.
 */
class RateLimitIT {

  /**
   * Five reads per ten minutes: one more fits every two minutes, so a test stalled for seconds on a loaded
   * machine sees the same budget as one that ran at once. GcraTest covers refills with a clock it controls.
   */
  private static final JsonObject FIVE_READS =
      new JsonObject()
          .put(
              "rateLimit",
              new JsonObject()
                  .put(
                      "anonymous",
                      new JsonObject().put("read", budget(5, 600)).put("write", budget(2, 600)))
                  .put("keyed", new JsonObject().put("read", budget(3, 600))));

  @Test
  void theBudgetIsExactAndTheHeadersSayHowMuchIsLeft() {
    try (TestNode node = TestNode.start(FIVE_READS)) {
      long started = System.nanoTime();
      for (int i = 1; i <= 5; i++) {
        HttpResponse<Buffer> allowed = await(node.client().get("/items").send());
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.getHeader("RateLimit-Policy")).isEqualTo("\"read\";q=5;w=600");
        assertThat(allowed.getHeader("RateLimit")).startsWith("\"read\";r=" + (5 - i) + ";t=");
      }

      HttpResponse<Buffer> refused = await(node.client().get("/items").send());

      // The next read fits 120 s after the first one was granted, less the time this test has
      // taken.
      long elapsedSeconds = (System.nanoTime() - started + 999_999_999L) / 1_000_000_000L;
      assertProblem(refused, 429);
      long retryAfter = Long.parseLong(refused.getHeader("Retry-After"));
      assertThat(retryAfter).isBetween(120 - elapsedSeconds, 120L);
      assertThat(refused.getHeader("RateLimit")).isEqualTo("\"read\";r=0;t=" + retryAfter);
      // Writes have their own budget, untouched by the reads.
      JsonObject item = new JsonObject().put("name", "limited").put("price", "1.00");
      assertThat(await(node.client().post("/items").sendJsonObject(item)).statusCode())
          .isEqualTo(201);
      assertThat(await(node.client().post("/items").sendJsonObject(item)).statusCode())
          .isEqualTo(201);
      assertProblem(await(node.client().post("/items").sendJsonObject(item)), 429);
      // Public routes spend nothing.
      assertThat(await(node.client().get("/health/live").send()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void eachKeyHasItsOwnBudgetApartFromItsAddress() {
    try (TestNode node = TestNode.start(FIVE_READS)) {
      String first = key(node, "first");
      String second = key(node, "second");

      for (int i = 0; i < 3; i++) {
        assertThat(await(bearer(node.client().get("/items"), first).send()).statusCode())
            .isEqualTo(200);
      }
      HttpResponse<Buffer> refused = await(bearer(node.client().get("/items"), first).send());
      assertProblem(refused, 429);
      assertThat(refused.getHeader("RateLimit-Policy")).isEqualTo("\"read\";q=3;w=600");
      assertThat(await(bearer(node.client().get("/items"), second).send()).statusCode())
          .isEqualTo(200);
      assertThat(await(node.client().get("/items").send()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void twoNodesSpendOneBudgetThroughRedis() {
    try (TestNode a = TestNode.start(FIVE_READS);
        TestNode b = TestNode.join(a, FIVE_READS)) {
      for (int i = 0; i < 5; i++) {
        WebClient client = i % 2 == 0 ? a.client() : b.client();
        assertThat(await(client.get("/items").send()).statusCode()).isEqualTo(200);
      }

      assertProblem(await(a.client().get("/items").send()), 429);
      assertProblem(await(b.client().get("/items").send()), 429);
    }
  }

  /**
   * Under load each HTTP verticle spends leased parts of the budget (up to 2% of it, 20 here) without asking Redis;
   * the two nodes together still stay within the budget, short of it by at most what the four verticles (two per
   * node) may hold unspent, and ask Redis far less often than once per request.
   */
  @Test
  void twoNodesUnderLoadShareOneBudgetWithinTheLeaseTolerance() {
    // 1000 reads per hour: the budget refills by well under one request during the test.
    JsonObject thousand =
        new JsonObject()
            .put(
                "rateLimit",
                new JsonObject()
                    .put("anonymous", new JsonObject().put("read", budget(1000, 3600))));
    Vertx clientVertx = Vertx.vertx();
    try (TestNode a = TestNode.start(thousand);
        TestNode b = TestNode.join(a, thousand)) {
      int perNode = 800;
      List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
      for (TestNode node : List.of(a, b)) {
        WebClient client =
            WebClient.create(
                clientVertx,
                new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port()),
                new PoolOptions().setHttp1MaxSize(32));
        for (int i = 0; i < perNode; i++) {
          sent.add(client.get("/items/1").send());
        }
      }
      await(Future.join(sent));
      long allowed = sent.stream().filter(f -> f.result().statusCode() != 429).count();
      assertThat(sent).allSatisfy(f -> assertThat(f.result().statusCode()).isIn(404, 429));
      int holders = 4;
      int leaseMax = 20;
      assertThat(allowed)
          .as("requests let through by both nodes together")
          .isBetween(1000L - holders * leaseMax, 1001L);

      double redisCalls =
          MetricsScrape.value(a, "loopline_ratelimit_redis_calls_total")
              + MetricsScrape.value(b, "loopline_ratelimit_redis_calls_total");
      assertThat(redisCalls)
          .as("Redis calls for %d requests", 2 * perNode)
          .isGreaterThan(0)
          .isLessThan(allowed / 5.0);
      assertThat(MetricsScrape.value(a, "loopline_ratelimit_shared")).isEqualTo(1.0);
    } finally {
      await(clientVertx.close());
    }
  }

  @Test
  void aForgedForwardedForBuysNoNewBudget() {
    try (TestNode node = TestNode.start(FIVE_READS)) {
      for (int i = 0; i < 5; i++) {
        assertThat(
                await(forwardedFor(node.client().get("/items"), "203.0.113." + i).send())
                    .statusCode())
            .isEqualTo(200);
      }

      assertProblem(await(forwardedFor(node.client().get("/items"), "198.51.100.7").send()), 429);
    }
  }

  @Test
  void behindATrustedProxyEachForwardedClientHasItsOwnBudget() {
    JsonObject trusted = FIVE_READS.copy();
    trusted.getJsonObject("rateLimit").put("trustedProxies", new JsonArray().add("127.0.0.0/8"));
    try (TestNode node = TestNode.start(trusted)) {
      for (int i = 0; i < 5; i++) {
        assertThat(
                await(forwardedFor(node.client().get("/items"), "203.0.113.1").send()).statusCode())
            .isEqualTo(200);
      }

      assertProblem(await(forwardedFor(node.client().get("/items"), "203.0.113.1").send()), 429);
      // A client cannot pick its address by prepending to the chain: the rightmost untrusted hop
      // counts.
      assertProblem(
          await(forwardedFor(node.client().get("/items"), "198.51.100.9, 203.0.113.1").send()),
          429);
      assertThat(
              await(forwardedFor(node.client().get("/items"), "203.0.113.2").send()).statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void withRedisGoneEachNodeLimitsOnItsOwn() {
    try (TcpProxy proxy = TcpProxy.toRedis()) {
      JsonObject viaProxy =
          FIVE_READS.copy().put("redis", new JsonObject().put("url", proxy.url(TestServers.REDIS)));
      viaProxy.getJsonObject("rateLimit").put("redisTimeoutMs", 200);
      try (TestNode node = TestNode.start(viaProxy)) {
        assertThat(await(node.client().get("/items").send()).statusCode()).isEqualTo(200);
        proxy.stop();

        int allowed = 0;
        HttpResponse<Buffer> last;
        do {
          last = await(node.client().get("/items").send());
          allowed += last.statusCode() == 200 ? 1 : 0;
        } while (last.statusCode() == 200 && allowed < 10);

        // The local limiter starts with a full budget of its own; items are read from PostgreSQL
        // meanwhile.
        assertThat(allowed).isEqualTo(5);
        assertProblem(last, 429);
        assertThat(last.getHeader("RateLimit-Policy")).isEqualTo("\"read\";q=5;w=600");
      }
    }
  }

  private static HttpRequest<Buffer> forwardedFor(HttpRequest<Buffer> request, String chain) {
    return request.putHeader("X-Forwarded-For", chain);
  }

  private static String key(TestNode node, String name) {
    HttpResponse<Buffer> created =
        await(
            bearer(node.client().post("/admin/api-keys"), TestNode.ADMIN_KEY)
                .sendJsonObject(
                    new JsonObject().put("name", name).put("scopes", new JsonArray().add("read"))));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("key");
  }

  private static JsonObject budget(int limit, int windowSeconds) {
    return new JsonObject().put("limit", limit).put("windowSeconds", windowSeconds);
  }
}
