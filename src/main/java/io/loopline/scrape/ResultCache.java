package io.loopline.scrape;

import io.loopline.contract.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Fetch results kept in the cache role's internal key space ({@code loopline.cache.internal.get} and {@code
 * .put}), by the normalised URL's hash: {@code scrape:<sha256>}, which {@code /cache/{key}} cannot name. A
 * node without the cache role, or one slow to answer (1 s), simply does not cache.
 */
final class ResultCache {

  private final Vertx vertx;
  private final long ttlSeconds;

  ResultCache(Vertx vertx, long ttlSeconds) {
    this.vertx = vertx;
    this.ttlSeconds = ttlSeconds;
  }

  private static String key(URI url) {
    return "scrape:" + Fetcher.sha256(url.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The result kept for {@code url}, or null. */
  Future<JsonObject> get(URI url) {
    return vertx
        .eventBus()
        .<JsonObject>request(
            Addresses.CACHE_INTERNAL_GET,
            new JsonObject().put("key", key(url)),
            new DeliveryOptions().setSendTimeout(1000))
        .map(m -> new JsonObject(m.body().getString("value")))
        .otherwise((JsonObject) null);
  }

  /** Keeps {@code result} for {@code url} for the TTL, without waiting for the cache's answer. */
  void put(URI url, JsonObject result) {
    JsonObject stored = result.copy();
    stored.remove("cached");
    vertx
        .eventBus()
        .request(
            Addresses.CACHE_INTERNAL_PUT,
            new JsonObject()
                .put("key", key(url))
                .put("value", stored.encode())
                .put("contentType", "application/json")
                .put("ttl", ttlSeconds),
            new DeliveryOptions().setSendTimeout(1000));
  }
}
