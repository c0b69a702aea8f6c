package io.loopline.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.Addresses;
import io.loopline.contract.Role;
import io.loopline.support.BusClient;
import io.loopline.support.Poll;
import io.loopline.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cache addresses of docs/event-bus.md sent to directly: the key-value store and its internal key space,
 * the item tier (lookup, fill, invalidation across two nodes sharing Redis), the {@code items.invalidated}
 * notification and the role's health.
 */
class CacheBusIT {

  private static final int MAX_VALUE_BYTES = 100;

  private static TestNode node;
  private static BusClient bus;

  @BeforeAll
  static void start() {
    node = TestNode.start(cacheAndPersistence());
    bus = new BusClient(node.vertx().eventBus());
  }

  /**
   * The cache role and the persistence role beside it: item entries in Redis are bound to the database's
   * identity, which the cache verticle asks of the persistence verticle; without it the item tier is bypassed.
   */
  private static JsonObject cacheAndPersistence() {
    return new JsonObject()
        .put("roles", new JsonArray().add("cache").add("persistence"))
        .put(
            "cache",
            new JsonObject()
                .put("maxValueBytes", MAX_VALUE_BYTES)
                .put("invalidationTimeoutMs", 30_000));
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(node);
  }

  @Test
  void valuesArePutReadAndDeletedWithTheDocumentedFailures() {
    assertThat(
            bus.ask(
                Addresses.CACHE_PUT,
                new JsonObject().put("key", "bus:k-1").put("value", "héllo").put("ttl", 600)))
        .isEqualTo(
            new JsonObject()
                .put("key", "bus:k-1")
                .put("contentType", "text/plain")
                .put("bytes", 6)
                .put("ttl", 600));
    assertThat(bus.ask(Addresses.CACHE_GET, new JsonObject().put("key", "bus:k-1")))
        .isEqualTo(
            new JsonObject()
                .put("key", "bus:k-1")
                .put("value", "héllo")
                .put("contentType", "text/plain"));
    assertThat(
            bus.ask(
                    Addresses.CACHE_PUT,
                    new JsonObject()
                        .put("key", "bus:json")
                        .put("value", "{\"a\":1}")
                        .put("contentType", "application/json"))
                .getString("contentType"))
        .isEqualTo("application/json");
    assertThat(
            bus.ask(Addresses.CACHE_GET, new JsonObject().put("key", "bus:json"))
                .getString("contentType"))
        .isEqualTo("application/json");

    assertThat(bus.ask(Addresses.CACHE_DELETE, new JsonObject().put("key", "bus:k-1")))
        .isEqualTo(new JsonObject().put("key", "bus:k-1"));
    assertThat(bus.failureCode(Addresses.CACHE_GET, new JsonObject().put("key", "bus:k-1"), ""))
        .isEqualTo(404);
    assertThat(bus.failureCode(Addresses.CACHE_DELETE, new JsonObject().put("key", "bus:k-1"), ""))
        .isEqualTo(404);

    assertThat(bus.failureCode(Addresses.CACHE_GET, new JsonObject().put("key", "bad key"), ""))
        .isEqualTo(400);
    assertThat(
            bus.failureCode(Addresses.CACHE_GET, new JsonObject().put("key", "k".repeat(257)), ""))
        .isEqualTo(400);
    assertThat(bus.failureCode(Addresses.CACHE_DELETE, new JsonObject(), "")).isEqualTo(400);
    assertThat(bus.failureCode(Addresses.CACHE_PUT, new JsonObject().put("key", "k"), ""))
        .as("no value")
        .isEqualTo(400);
    assertThat(
            bus.failureCode(
                Addresses.CACHE_PUT,
                new JsonObject().put("key", "k").put("value", "v").put("ttl", 0),
                ""))
        .isEqualTo(400);
    assertThat(
            bus.failureCode(
                Addresses.CACHE_PUT,
                new JsonObject().put("key", "k").put("value", "v").put("ttl", 2_592_001),
                ""))
        .isEqualTo(400);
    assertThat(
            bus.failureCode(
                Addresses.CACHE_PUT,
                new JsonObject().put("key", "k").put("value", "v").put("contentType", "image/png"),
                ""))
        .isEqualTo(400);
    assertThat(
            bus.failureCode(
                Addresses.CACHE_PUT,
                new JsonObject().put("key", "k").put("value", "x".repeat(MAX_VALUE_BYTES + 1)),
                ""))
        .isEqualTo(413);
    assertThat(bus.failureCode(Addresses.CACHE_GET, "k", "the message body must be a JSON object"))
        .isEqualTo(400);
    assertThat(
            bus.failureCode(
                Addresses.CACHE_ITEMS_INVALIDATE, "1", "the message body must be a JSON object"))
        .isEqualTo(400);
  }

  @Test
  void theInternalKeySpaceIsApartFromThePublicOne() {
    bus.ask(
        Addresses.CACHE_INTERNAL_PUT,
        new JsonObject().put("key", "shared-name").put("value", "internal"));
    bus.ask(Addresses.CACHE_PUT, new JsonObject().put("key", "shared-name").put("value", "public"));

    assertThat(
            bus.ask(Addresses.CACHE_INTERNAL_GET, new JsonObject().put("key", "shared-name"))
                .getString("value"))
        .isEqualTo("internal");
    assertThat(
            bus.ask(Addresses.CACHE_GET, new JsonObject().put("key", "shared-name"))
                .getString("value"))
        .isEqualTo("public");
    bus.ask(Addresses.CACHE_DELETE, new JsonObject().put("key", "shared-name"));
    assertThat(
            bus.ask(Addresses.CACHE_INTERNAL_GET, new JsonObject().put("key", "shared-name"))
                .getString("value"))
        .isEqualTo("internal");
    assertThat(
            bus.failureCode(
                Addresses.CACHE_INTERNAL_GET, new JsonObject().put("key", "never-put"), ""))
        .isEqualTo(404);
  }

  @Test
  void theItemTierIsFilledOnlyForItsEpochAndNeverWithAnOlderVersion() {
    long id = 1_000_001;
    JsonObject miss = awaitItemTier(node, id);
    assertThat(miss.fieldNames()).containsExactlyInAnyOrder("id", "epoch");
    long epoch = miss.getLong("epoch");

    // Of another epoch: dropped (kept, version 9 would refuse the version 2 sent next).
    node.vertx().eventBus().send(Addresses.CACHE_ITEMS_FILL, fill(id, 9, epoch + 1));
    node.vertx().eventBus().send(Addresses.CACHE_ITEMS_FILL, fill(id, 2, epoch));
    JsonObject hit =
        Poll.value(
            "the fill stored",
            Duration.ofSeconds(30),
            () -> bus.ask(Addresses.CACHE_ITEMS_GET, new JsonObject().put("id", id)),
            r -> r.containsKey("version"));
    assertThat(hit)
        .isEqualTo(
            new JsonObject()
                .put("id", id)
                .put("version", 2)
                .put("json", fill(id, 2, epoch).getString("json"))
                .put("epoch", epoch));

    // A newer version replaces it (that an older one never does is RedisItems' rule, in
    // ItemCacheIT).
    node.vertx().eventBus().send(Addresses.CACHE_ITEMS_FILL, fill(id, 3, epoch));
    Poll.until(
        "version 3 stored",
        Duration.ofSeconds(30),
        () ->
            bus.ask(Addresses.CACHE_ITEMS_GET, new JsonObject().put("id", id))
                    .getInteger("version", 0)
                == 3);
    assertThat(bus.failureCode(Addresses.CACHE_ITEMS_GET, new JsonObject().put("id", 0), "id: "))
        .isEqualTo(400);
  }

  @Test
  void anInvalidationIsConfirmedByEveryNodeAndPublishedOnEach() {
    long id = 2_000_002;
    JsonObject item = new JsonObject().put("id", id).put("name", "shared").put("version", 5);
    try (TestNode other = TestNode.join(node, cacheAndPersistence());
        BusClient.Inbox here = bus.listen(Addresses.CACHE_ITEMS_INVALIDATED);
        BusClient.Inbox there =
            new BusClient(other.vertx().eventBus()).listen(Addresses.CACHE_ITEMS_INVALIDATED)) {
      // Each node subscribes to the invalidations once it runs: counted only when subscribed.
      for (TestNode each : new TestNode[] {node, other}) {
        Poll.until(
            "the node's Redis subscription up",
            Duration.ofSeconds(30),
            () ->
                "up"
                    .equals(
                        new BusClient(each.vertx().eventBus())
                            .ask(Addresses.health(Role.CACHE), new JsonObject())
                            .getString("subscription")));
        awaitItemTier(each, id);
      }
      JsonObject answer =
          bus.ask(
              Addresses.CACHE_ITEMS_INVALIDATE,
              new JsonObject().put("id", id).put("version", 5).put("item", item));

      assertThat(answer)
          .isEqualTo(
              new JsonObject()
                  .put("id", id)
                  .put("nodes", 2)
                  .put("confirmed", 2)
                  .put("redis", "updated"));
      assertThat(here.next(m -> Long.valueOf(id).equals(m.getLong("id"))))
          .isEqualTo(new JsonObject().put("id", id).put("version", 5));
      assertThat(there.next(m -> Long.valueOf(id).equals(m.getLong("id"))))
          .isEqualTo(new JsonObject().put("id", id));
      JsonObject stored = bus.ask(Addresses.CACHE_ITEMS_GET, new JsonObject().put("id", id));
      assertThat(stored.getInteger("version")).isEqualTo(5);
      assertThat(new JsonObject(stored.getString("json"))).isEqualTo(item);

      JsonObject deleted =
          bus.ask(
              Addresses.CACHE_ITEMS_INVALIDATE,
              new JsonObject().put("id", id).put("deleted", true));
      assertThat(deleted.getString("redis")).isEqualTo("updated");
      assertThat(here.next(m -> Long.valueOf(id).equals(m.getLong("id"))))
          .isEqualTo(new JsonObject().put("id", id));
      assertThat(
              bus.ask(Addresses.CACHE_ITEMS_GET, new JsonObject().put("id", id))
                  .containsKey("version"))
          .as("a tombstone reads as a miss")
          .isFalse();
      assertThat(
              bus.failureCode(
                  Addresses.CACHE_ITEMS_INVALIDATE,
                  new JsonObject().put("id", id).put("version", 6),
                  "item: "))
          .isEqualTo(400);
    }
  }

  @Test
  void healthSaysTheBackendAndState() {
    JsonObject health =
        Poll.value(
            "the cache up",
            Duration.ofSeconds(30),
            () -> bus.ask(Addresses.health(Role.CACHE), new JsonObject()),
            h -> "up".equals(h.getString("state")));
    assertThat(health.getString("role")).isEqualTo("cache");
    assertThat(health.getString("backend")).isEqualTo("redis");
  }

  private static JsonObject fill(long id, int version, long epoch) {
    return new JsonObject()
        .put("id", id)
        .put("version", version)
        .put("json", new JsonObject().put("id", id).put("version", version).encode())
        .put("epoch", epoch);
  }

  /**
   * A miss for {@code id} once the node's item tier is in use: the verticle learns the database identity
   * shortly after it starts, and until then a miss carries no epoch and writes bypass Redis.
   */
  private static JsonObject awaitItemTier(TestNode on, long id) {
    BusClient client = new BusClient(on.vertx().eventBus());
    return Poll.value(
        "the item tier in use (the database identity known)",
        Duration.ofSeconds(30),
        () -> client.ask(Addresses.CACHE_ITEMS_GET, new JsonObject().put("id", id)),
        r -> r.containsKey("epoch"));
  }
}
