package io.loopline.items;

import static io.loopline.support.Items.create;
import static io.loopline.support.Items.read;
import static io.loopline.support.Items.version;
import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.Responses.checks;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.Items;
import io.loopline.support.RedisProbe;
import io.loopline.support.TcpProxy;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Redis goes away mid-test (a proxy in front of the machine's Redis closes its port and every connection)
 * and comes back: reads stay correct, writes succeed, the node stays ready with a degraded cache, and it
 * uses Redis again by itself, without the entry Redis kept from before the outage.
 */
class RedisOutageIT {

  @Test
  void readsAndWritesGoOnWithoutRedisAndRedisIsUsedAgainWhenItIsBack() throws Exception {
    try (TcpProxy proxy = TcpProxy.toRedis();
        RedisProbe redis = new RedisProbe()) {
      JsonObject viaProxy =
          new JsonObject()
              .put(
                  "redis",
                  new JsonObject().put("url", proxy.url(TestServers.REDIS)).put("timeoutMs", 300))
              .put(
                  "cache",
                  new JsonObject()
                      .put("breakerMaxFailures", 2)
                      .put("breakerResetMs", 500)
                      .put("invalidationTimeoutMs", 500));
      try (TestNode node = TestNode.start(viaProxy)) {
        awaitCacheState(node, "up");
        long id = create(node, "outage");
        String key = Items.redisKey(node, id);
        assertThat(version(read(node, id))).isEqualTo(1);
        redis.awaitValue(key, v -> v != null && v.startsWith("1|"), 5);

        proxy.stop();
        long start = System.nanoTime();
        assertThat(version(read(node, id))).isEqualTo(1);
        HttpResponse<Buffer> written =
            await(
                node.client()
                    .patch("/items/" + id)
                    .sendJsonObject(new JsonObject().put("name", "during outage")));
        assertThat(written.statusCode()).as(written.bodyAsString()).isEqualTo(200);
        for (int i = 0; i < 10; i++) {
          HttpResponse<Buffer> read = read(node, id);
          assertThat(version(read)).isEqualTo(2);
          assertThat(read.bodyAsJsonObject().getString("name")).isEqualTo("during outage");
        }
        // Eleven calls that each waited for Redis until the bus timeout (5 s) would take 55 s; with
        // Redis's
        // 300 ms timeout and the breaker they take about a second, and a generous bound stays far
        // from both.
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
            .as("no call waits long on Redis")
            .isLessThan(20_000);
        assertThat(redis.get(key))
            .as("Redis itself still holds the version from before the write")
            .startsWith("1|");

        // Readiness answers from a report up to a second old, kept by each HTTP verticle instance:
        // a later
        // request may reach an instance whose report is from before the outage, so the assertions
        // below are on
        // the very answer that first said "degraded".
        HttpResponse<Buffer> ready = awaitCacheState(node, "degraded");
        assertThat(ready.statusCode()).isEqualTo(200);
        JsonObject cache = checks(ready.bodyAsJsonObject()).get("cache");
        assertThat(cache.getString("status")).isEqualTo("UP");
        assertThat(cache.getJsonObject("data").getString("state")).isEqualTo("degraded");
        assertProblem(await(node.client().get("/cache/anything").send()), 503);

        proxy.start();
        awaitCacheState(node, "up");
        assertThat(redis.get(key))
            .as("the old entry was flushed before Redis was used again")
            .isNull();
        for (int i = 0; i < 3; i++) {
          assertThat(version(read(node, id))).isEqualTo(2);
        }
        redis.awaitValue(key, v -> v != null && v.startsWith("2|"), 5);
        assertThat(await(node.client().post("/cache/back?value=yes").send()).statusCode())
            .isEqualTo(200);
        assertThat(await(node.client().get("/cache/back").send()).bodyAsString()).isEqualTo("yes");
      }
    }
  }

  /** Polls readiness until the cache reports {@code state}, at most 30 s, and returns that answer. */
  private static HttpResponse<Buffer> awaitCacheState(TestNode node, String state)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonObject cache = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<Buffer> ready = await(node.client().get("/health/ready").send());
      cache = checks(ready.bodyAsJsonObject()).get("cache").getJsonObject("data");
      if (ready.statusCode() == 200 && state.equals(cache.getString("state"))) {
        return ready;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the cache never reported " + state + "; last report: " + cache);
  }
}
