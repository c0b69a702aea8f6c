package io.loopline.items;

import static io.loopline.support.Items.create;
import static io.loopline.support.Items.read;
import static io.loopline.support.Items.version;
import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.loopline.contract.Addresses;
import io.loopline.support.BusWatch;
import io.loopline.support.Cleanup;
import io.loopline.support.Items;
import io.loopline.support.LogCapture;
import io.loopline.support.RedisProbe;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.redis.client.Redis;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The item cache across two nodes (two Vert.x instances in this JVM, not clustered) that share one
 * database and one Redis namespace, as two processes of one deployment would.
 */
public class ItemCacheIT {

  /**
   * Near-cache entries that outlive any test, and waits for invalidations and lookups far longer than a stall
   * of this machine: what the tests count (lookups, loads) and read (the new version on the other node) then
   * depends on the cache's logic, not on how fast this run happens to be.
   */
  private static final JsonObject PATIENT =
      new JsonObject()
          .put(
              "cache",
              new JsonObject()
                  .put("nearTtlMs", 600_000)
                  .put("invalidationTimeoutMs", 30_000)
                  .put("lookupTimeoutMs", 30_000));

  private static TestNode a;
  private static TestNode b;
  private static RedisProbe redis;

  @BeforeAll
  static void start() {
    a = TestNode.start(PATIENT.copy());
    b = TestNode.join(a, PATIENT.copy());
    redis = new RedisProbe();
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(redis, b, a);
  }

  @Test
  void aReadAfterAWriteSeesTheNewVersionOnEitherNode() {
    long id = create(a, "Shared");
    assertThat(version(read(a, id))).isEqualTo(1);
    assertThat(version(read(b, id))).isEqualTo(1);
    BusWatch lookups = BusWatch.count(b.vertx(), Addresses.CACHE_ITEMS_GET);
    for (int i = 0; i < 10; i++) {
      assertThat(version(read(b, id))).isEqualTo(1);
    }
    assertThat(lookups.sent()).as("repeated reads are answered by the near cache").isZero();

    int version = 1;
    for (int i = 0; i < 200; i++) {
      TestNode writer = i % 2 == 0 ? a : b;
      TestNode reader = writer == a ? b : a;
      HttpResponse<Buffer> written =
          i % 3 == 0
              ? await(
                  writer
                      .client()
                      .put("/items/" + id)
                      .sendJsonObject(
                          new JsonObject().put("name", "round " + i).put("price", "1.00")))
              : await(
                  writer
                      .client()
                      .patch("/items/" + id)
                      .sendJsonObject(new JsonObject().put("name", "round " + i)));
      assertThat(written.statusCode()).as(written.bodyAsString()).isEqualTo(200);
      version++;
      assertThat(version(written)).isEqualTo(version);

      HttpResponse<Buffer> elsewhere = read(reader, id);
      assertThat(version(elsewhere)).as("round %d, read on the other node", i).isEqualTo(version);
      assertThat(elsewhere.bodyAsJsonObject().getString("name")).isEqualTo("round " + i);
      assertThat(version(read(writer, id)))
          .as("round %d, read on the writer", i)
          .isEqualTo(version);
      assertThat(version(read(reader, id)))
          .as("round %d, read again on the other node", i)
          .isEqualTo(version);
    }

    assertThat(await(b.client().delete("/items/" + id).send()).statusCode()).isEqualTo(204);
    assertProblem(await(a.client().get("/items/" + id).send()), 404);
    assertProblem(await(b.client().get("/items/" + id).send()), 404);
  }

  @Test
  void anETagStillGives304FromTheNearCache() {
    long id = create(a, "Tagged");
    read(a, id);

    HttpResponse<Buffer> notModified =
        await(a.client().get("/items/" + id).putHeader("If-None-Match", "\"1\"").send());
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.getHeader("ETag")).isEqualTo("\"1\"");
    assertThat(
            await(a.client().get("/items/" + id).putHeader("If-None-Match", "\"9\"").send())
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void redisIsSharedAndHoldsTheWrittenVersion() throws InterruptedException {
    long id = create(a, "Tiered");
    String key = Items.redisKey(a, id);
    read(a, id);
    redis.awaitValue(key, v -> v != null && v.startsWith("1|"), 5);

    BusWatch loads = BusWatch.count(b.vertx(), Addresses.ITEMS_GET_ENCODED);
    BusWatch lookups = BusWatch.count(b.vertx(), Addresses.CACHE_ITEMS_GET);
    assertThat(version(read(b, id))).isEqualTo(1);
    assertThat(lookups.sent()).isEqualTo(1);
    assertThat(loads.sent()).as("answered from Redis, not PostgreSQL").isZero();

    await(b.client().patch("/items/" + id).sendJsonObject(new JsonObject().put("price", "2.00")));
    assertThat(redis.get(key))
        .as("the write replaced the entry before it was answered")
        .startsWith("2|")
        .contains("\"2.00\"");
    await(a.client().delete("/items/" + id).send());
    assertThat(redis.get(key)).isEqualTo(RedisItems.DELETED + "|");
  }

  @Test
  void concurrentMissesOnANodeLoadTheItemOnce() throws Exception {
    Logger requests = (Logger) LoggerFactory.getLogger("io.loopline.platform.web.RequestLog");
    Level before = requests.getLevel();
    requests.setLevel(Level.DEBUG);
    Vertx clientVertx = Vertx.vertx();
    WebClient client = null;
    try (TestNode node = TestNode.join(a, PATIENT.copy());
        LogCapture requestLog = new LogCapture("io.loopline.platform.web.RequestLog")) {
      client =
          WebClient.create(
              clientVertx,
              new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port()),
              new PoolOptions().setHttp1MaxSize(64));
      long id = create(a, "Cold");
      Promise<Void> release = Promise.promise();
      BusWatch loads = BusWatch.hold(node.vertx(), Addresses.ITEMS_GET_ENCODED, release.future());
      BusWatch lookups = BusWatch.count(node.vertx(), Addresses.CACHE_ITEMS_GET);

      WebClient c = client;
      List<Future<HttpResponse<Buffer>>> reads =
          IntStream.range(0, 50).mapToObj(i -> c.get("/items/" + id).send()).toList();
      // Every request has reached the node while the one database load is held back.
      for (int i = 0; i < 50; i++) {
        requestLog.await("GET /items/" + id);
      }
      release.complete();
      await(Future.join(reads));

      assertThat(reads)
          .allSatisfy(
              r -> {
                assertThat(r.result().statusCode()).isEqualTo(200);
                assertThat(r.result().bodyAsJsonObject().getString("name")).isEqualTo("Cold");
              });
      assertThat(loads.sent()).as("database loads").isEqualTo(1);
      assertThat(lookups.sent()).as("Redis lookups").isEqualTo(1);
    } finally {
      requests.setLevel(before);
      if (client != null) {
        client.close();
      }
      await(clientVertx.close());
    }
  }

  @Test
  void theRedisTierNeverReplacesANewerVersionOrATombstone() {
    Vertx vertx = Vertx.vertx();
    String namespace = TestServers.newNamespace();
    Redis client = Redis.createClient(vertx, TestServers.REDIS);
    try {
      RedisItems items = new RedisItems(client, namespace + "item:");

      assertThat(await(items.fill(1, 3, "{\"v\":3}", 60_000))).isTrue();
      assertThat(await(items.fill(1, 2, "{\"v\":2}", 60_000)))
          .as("an older read arriving late")
          .isFalse();
      assertThat(await(items.fill(1, 3, "{\"v\":3}", 60_000))).isFalse();
      assertThat(await(items.get(1))).isEqualTo(new RedisItems.Cached(3, "{\"v\":3}"));
      assertThat(
              await(items.replaceAndPublish(1, 4, "{\"v\":4}", 60_000, namespace + "nobody", "x")))
          .isZero();
      assertThat(await(items.get(1)).version()).isEqualTo(4);

      await(items.replaceAndPublish(1, RedisItems.DELETED, "", 60_000, namespace + "nobody", "x"));
      assertThat(await(items.get(1))).as("a tombstone reads as a miss").isNull();
      assertThat(await(items.fill(1, 4, "{\"v\":4}", 60_000)))
          .as("a deleted item does not come back")
          .isFalse();
      assertThat(redis.pttl(namespace + "item:1")).isBetween(1L, 60_000L);

      await(items.fill(2, 1, "{}", 60_000));
      assertThat(await(items.flushPage("0"))).isNotNull();
      String cursor = "0";
      do {
        cursor = await(items.flushPage(cursor));
      } while (!"0".equals(cursor));
      assertThat(await(items.get(2))).isNull();
    } finally {
      Cleanup.run(
          client::close, () -> await(vertx.close()), () -> TestServers.deleteNamespace(namespace));
    }
  }
}
