package io.loopline.items;

import io.loopline.contract.Addresses;
import io.loopline.platform.bus.BusClient;
import io.loopline.platform.web.Resources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /items/{id}} through the cache tiers: this node's near cache answers without leaving the event
 * loop; on a miss one load per item runs (Redis through the cache verticle, then PostgreSQL through the
 * persistence verticle) and fills the tiers on its way back. A cache that does not answer is skipped.
 */
public final class ItemReads {

  private final Vertx vertx;
  private final NearCache near;
  private final BusClient bus;
  private final BusClient cache;
  private final Counter nearHits;
  private final Counter nearMisses;
  private final Counter redisHits;
  private final Counter redisMisses;

  /** False without Redis: the cache verticle has no shared tier to look in, so a miss goes straight to PostgreSQL. */
  private final boolean redisTier;

  public ItemReads(
      Vertx vertx,
      NearCache near,
      BusClient bus,
      long lookupTimeoutMs,
      boolean redisTier,
      MeterRegistry metrics) {
    this.vertx = vertx;
    this.redisTier = redisTier;
    this.near = near;
    this.bus = bus;
    this.cache = bus.withTimeout(lookupTimeoutMs);
    this.nearHits = lookups(metrics, "near", "hit");
    this.nearMisses = lookups(metrics, "near", "miss");
    this.redisHits = lookups(metrics, "redis", "hit");
    this.redisMisses = lookups(metrics, "redis", "miss");
  }

  private static Counter lookups(MeterRegistry metrics, String tier, String result) {
    return Counter.builder("loopline.cache.item.lookups")
        .description("Item reads per cache tier and result")
        .tag("tier", tier)
        .tag("result", result)
        .register(metrics);
  }

  void read(RoutingContext ctx) {
    long id = Resources.id(ctx);
    NearCache.Entry hit = near.get(id);
    if (hit != null) {
      nearHits.increment();
      Resources.sendRead(ctx, hit.version(), hit.json());
      return;
    }
    nearMisses.increment();
    Future.fromCompletionStage(
            near.loadOnce(id, () -> load(id).toCompletionStage().toCompletableFuture()),
            vertx.getOrCreateContext())
        .onSuccess(entry -> Resources.sendRead(ctx, entry.version(), entry.json()))
        .onFailure(ctx::fail);
  }

  private Future<NearCache.Entry> load(long id) {
    long since = near.begin();
    if (!redisTier) {
      return fromDatabase(id, null, since);
    }
    return cache
        .request(Addresses.CACHE_ITEMS_GET, new JsonObject().put("id", id))
        .recover(e -> Future.succeededFuture(null))
        .compose(
            cached -> {
              boolean hit = cached != null && cached.containsKey("json");
              (hit ? redisHits : redisMisses).increment();
              return hit
                  ? Future.succeededFuture(fromRedis(id, cached, since))
                  : fromDatabase(id, cached == null ? null : cached.getLong("epoch"), since);
            });
  }

  private NearCache.Entry fromRedis(long id, JsonObject cached, long since) {
    NearCache.Entry entry =
        new NearCache.Entry(cached.getInteger("version"), Buffer.buffer(cached.getString("json")));
    near.fill(id, entry, since);
    return entry;
  }

  /** The item from PostgreSQL; Redis is offered it only when it answered the lookup (its epoch says when). */
  private Future<NearCache.Entry> fromDatabase(long id, Long epoch, long since) {
    return bus.<Buffer>requestMessage(Addresses.ITEMS_GET_ENCODED, new JsonObject().put("id", id))
        .map(
            reply -> {
              Buffer json = reply.body();
              NearCache.Entry entry =
                  new NearCache.Entry(
                      Integer.parseInt(reply.headers().get(Addresses.VERSION_HEADER)), json);
              near.fill(id, entry, since);
              if (epoch != null) {
                cache.send(
                    Addresses.CACHE_ITEMS_FILL,
                    new JsonObject()
                        .put("id", id)
                        .put("version", entry.version())
                        .put("json", json.toString())
                        .put("epoch", epoch));
              }
              return entry;
            });
  }
}
