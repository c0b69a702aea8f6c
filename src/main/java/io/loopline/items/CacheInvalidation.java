package io.loopline.items;

import io.loopline.contract.Addresses;
import io.loopline.platform.config.CacheSettings;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the cache that an item changed, before the write is answered: so a read that starts after the
 * answer, on any node, finds the new version. A write never fails because of the cache: when no cache
 * verticle answers, there is nothing to invalidate, and Redis trouble is handled on the cache side.
 */
public final class CacheInvalidation {

  private static final Logger log = LoggerFactory.getLogger(CacheInvalidation.class);

  /** Beyond the cache's own bound, so its answer (even "timed out") arrives before ours gives up. */
  private static final long MARGIN_MS = 1000;

  private final EventBus bus;
  private final DeliveryOptions options;

  public CacheInvalidation(EventBus bus, CacheSettings settings) {
    this.bus = bus;
    this.options =
        new DeliveryOptions().setSendTimeout(settings.invalidationTimeoutMs() + MARGIN_MS);
  }

  /** After a replace or update: answers the item once the cache no longer holds an older version. */
  public Future<JsonObject> changed(JsonObject item) {
    return tell(new JsonObject()
            .put("id", item.getLong("id"))
            .put("version", item.getInteger("version"))
            .put("item", item))
        .map(item);
  }

  /** After a delete: answers {@code deleted} once the cache no longer holds the item. */
  public Future<JsonObject> deleted(JsonObject deleted) {
    return tell(new JsonObject().put("id", deleted.getLong("id")).put("deleted", true))
        .map(deleted);
  }

  private Future<Void> tell(JsonObject change) {
    return bus.request(Addresses.CACHE_ITEMS_INVALIDATE, change, options)
        .<Void>mapEmpty()
        .recover(
            e -> {
              log.debug("cache not told of item {}: {}", change.getLong("id"), e.toString());
              return Future.succeededFuture();
            });
  }
}
