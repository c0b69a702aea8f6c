package io.loopline.items;

import static io.loopline.support.Items.create;
import static io.loopline.support.Items.read;
import static io.loopline.support.Items.version;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.Addresses;
import io.loopline.support.BusWatch;
import io.loopline.support.Poll;
import io.loopline.support.TcpProxy;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Near-cache entries live until an invalidation drops them (the default lifetime is only a safety bound), and a
 * node whose subscription died without anyone noticing stops serving them.
 */
class NearCacheLifetimeIT {

  @Test
  void anEntryOutlivesTheOldTwoSecondWindowUntilAWriteDropsIt() throws InterruptedException {
    // A write waits for each node's confirmation up to invalidationTimeoutMs (default 1 s);
    // long enough here that a stalled node b cannot miss the drop and serve version 1.
    JsonObject patient =
        new JsonObject().put("cache", new JsonObject().put("invalidationTimeoutMs", 30_000));
    try (TestNode a = TestNode.start(patient);
        TestNode b = TestNode.join(a, patient)) {
      long id = create(a, "kept");
      assertThat(version(read(b, id))).isEqualTo(1);
      BusWatch lookups = BusWatch.count(b.vertx(), Addresses.CACHE_ITEMS_GET);
      // Not a synchronisation: the time an entry of the old 2 s lifetime would have expired in.
      Thread.sleep(2_500);
      for (int i = 0; i < 5; i++) {
        assertThat(version(read(b, id))).isEqualTo(1);
      }
      assertThat(lookups.sent()).as("answered by the near cache, not Redis").isZero();

      HttpResponse<Buffer> written =
          await(
              a.client()
                  .patch("/items/" + id)
                  .sendJsonObject(new JsonObject().put("name", "changed")));
      assertThat(written.statusCode()).as(written.bodyAsString()).isEqualTo(200);
      HttpResponse<Buffer> after = read(b, id);
      assertThat(version(after))
          .as("the write's invalidation dropped b's entry before the write was answered")
          .isEqualTo(2);
      assertThat(after.bodyAsJsonObject().getString("name")).isEqualTo("changed");
    }
  }

  @Test
  void aNodeWhoseSubscriptionDiedSilentlyStopsServingItsNearCache() {
    try (TcpProxy proxy = TcpProxy.toRedis()) {
      JsonObject viaProxy =
          new JsonObject()
              .put(
                  "redis",
                  new JsonObject().put("url", proxy.url(TestServers.REDIS)).put("timeoutMs", 300))
              .put(
                  "cache",
                  new JsonObject()
                      .put("heartbeatMs", 200)
                      .put("heartbeatTimeoutMs", 1500)
                      .put("breakerMaxFailures", 2)
                      .put("breakerResetMs", 500)
                      .put("invalidationTimeoutMs", 500));
      try (TestNode a = TestNode.start();
          TestNode b = TestNode.join(a, viaProxy)) {
        long id = create(a, "before");
        assertThat(version(read(b, id))).isEqualTo(1);
        BusWatch lookups = BusWatch.count(b.vertx(), Addresses.CACHE_ITEMS_GET);
        assertThat(version(read(b, id))).isEqualTo(1);
        assertThat(lookups.sent()).as("b serves the item from its near cache").isZero();

        // Every connection of b to Redis goes quiet without closing: b is not told of the write
        // below.
        proxy.silence();
        HttpResponse<Buffer> written =
            await(
                a.client()
                    .patch("/items/" + id)
                    .sendJsonObject(new JsonObject().put("name", "after")));
        assertThat(written.statusCode()).as(written.bodyAsString()).isEqualTo(200);

        // Within the heartbeat timeout (plus generous slack), b notices and reads the new version
        // elsewhere.
        Poll.until(
            "b serves the new version", Duration.ofSeconds(20), () -> version(read(b, id)) == 2);
        HttpResponse<Buffer> after = read(b, id);
        assertThat(version(after)).isEqualTo(2);
        assertThat(after.bodyAsJsonObject().getString("name")).isEqualTo("after");
      }
    }
  }
}
