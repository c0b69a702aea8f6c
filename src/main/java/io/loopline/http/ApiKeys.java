package io.loopline.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.loopline.contract.Addresses;
import io.loopline.contract.ApiKeyFormat;
import io.loopline.contract.Failures;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who holds a presented key, asked of the persistence verticle by the key's hash and remembered for
 * {@code auth.keyCacheMs}, unknown keys included (so a flood of made-up keys costs one lookup per key and
 * period). A revocation published on the bus drops the key here at once; the cache period bounds how late a
 * node that missed it can be.
 */
final class ApiKeys {

  /** A stored key, as this node knows it. */
  record Holder(long id, String name, Set<String> scopes, boolean revoked) {
    boolean grants(String scope) {
      return scopes.contains("admin") || scopes.contains(scope);
    }
  }

  private static final Holder UNKNOWN = new Holder(0, null, Set.of(), true);

  private final BusClient bus;
  private final Cache<String, Future<Holder>> known;
  private MessageConsumer<JsonObject> revocations;

  ApiKeys(BusClient bus, long cacheMs) {
    this.bus = bus;
    this.known = Caffeine.newBuilder()
        .maximumSize(10_000)
        .expireAfterWrite(Duration.ofMillis(cacheMs))
        .executor(Runnable::run)
        .build();
  }

  /** Starts listening for revocations (published by whichever node revoked the key). */
  Future<Void> listen(io.vertx.core.eventbus.EventBus eventBus) {
    revocations = eventBus.consumer(Addresses.API_KEYS_REVOKED, message -> {
      long id = message.body().getLong("id", 0L);
      known.asMap().values().removeIf(f -> f.succeeded() && f.result().id() == id);
    });
    return revocations.completion();
  }

  Future<Void> close() {
    return revocations == null ? Future.succeededFuture() : revocations.unregister();
  }

  /** The key's holder, or null when the key is unknown or revoked. Fails only when the lookup itself fails. */
  Future<Holder> find(String key) {
    String hash = ApiKeyFormat.hashHex(key);
    Future<Holder> cached = known.getIfPresent(hash);
    if (cached != null) {
      return cached.map(ApiKeys::usable);
    }
    Future<Holder> lookup = bus.request(Addresses.API_KEYS_LOOKUP, new JsonObject().put("hash", hash))
        .map(found -> new Holder(found.getLong("id"), found.getString("name"),
            found.getJsonArray("scopes").stream().map(String::valueOf).collect(Collectors.toUnmodifiableSet()),
            found.getBoolean("revoked")))
        .recover(e -> e instanceof ReplyException reply && reply.failureCode() == Failures.NOT_FOUND
            ? Future.succeededFuture(UNKNOWN)
            : Future.failedFuture(e));
    known.put(hash, lookup);
    lookup.onFailure(e -> known.asMap().remove(hash, lookup));
    return lookup.map(ApiKeys::usable);
  }

  private static Holder usable(Holder holder) {
    return holder.revoked() ? null : holder;
  }
}
