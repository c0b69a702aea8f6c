package io.loopline.cache;

import io.loopline.config.RedisSettings;
import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.contract.Role;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Owns the cache backend (Redis, or Caffeine in this process when no Redis URL is configured) and answers
 * the cache addresses. Receives the {@code redis} and {@code cache} sections.
 */
public final class CacheVerticle extends VerticleBase {

  private CacheBackend backend;

  @Override
  public Future<?> start() {
    RedisSettings redis = RedisSettings.from(config());
    backend = redis.inProcess()
        ? new LocalCache(config().getJsonObject("cache").getLong("localMaxEntries"))
        : new RedisCache(vertx, redis);
    return vertx.eventBus().<JsonObject>consumer(Addresses.health(Role.CACHE), this::health).completion();
  }

  private void health(Message<JsonObject> message) {
    backend.ping()
        .onSuccess(detail -> message.reply(new JsonObject()
            .put("role", Role.CACHE.id()).put("backend", backend.kind()).put("detail", detail)))
        .onFailure(e -> message.fail(Failures.UNAVAILABLE, backend.kind() + " does not answer: " + e.getMessage()));
  }

  @Override
  public Future<?> stop() {
    return backend == null ? Future.succeededFuture() : backend.close();
  }
}
