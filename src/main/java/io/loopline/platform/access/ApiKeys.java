package io.loopline.platform.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.loopline.contract.Addresses;
import io.loopline.contract.ApiKeyFormat;
import io.loopline.contract.Failures;
import io.loopline.platform.bus.BusClient;
import io.loopline.platform.bus.Operations;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Who holds a presented key, asked of the persistence verticle by the key's hash. What a lookup found is
 * trusted for {@code auth.keyCacheMs}; a revocation published on the bus drops the key here at once, and the
 * period bounds how late a node that missed it can be.
 *
 * <p>Valid and invalid keys are remembered apart, each in its own bounded cache, so a flood of made-up keys
 * can neither evict the keys of real clients nor cost more than one lookup per key and period. A key that
 * was valid here recently ({@link #VOUCHED_FOR}) is looked up again without being charged to its caller's
 * address (see {@link Access}); any other key is charged first.
 */
public final class ApiKeys {

  /** A stored key, as this node knows it. */
  record Holder(long id, String name, Set<String> scopes, boolean revoked) {
    boolean grants(String scope) {
      return scopes.contains("admin") || scopes.contains(scope);
    }
  }

  /** What this node knows of one presented key before asking anyone. */
  final class Presented {
    private final String hash;
    private final Valid valid;

    private Presented(String hash, Valid valid) {
      this.hash = hash;
      this.valid = valid;
    }

    /** The holder when a lookup within the trust period found the key valid; else null. */
    Holder trusted() {
      return valid != null && System.nanoTime() - valid.checkedAt() < trustNanos
          ? valid.holder()
          : null;
    }

    /** Whether the key was valid here within {@link #VOUCHED_FOR}, so that asking again is no guess. */
    boolean vouched() {
      return valid != null;
    }

    /** Its holder, or null when the key is unknown or revoked; fails only when the lookup itself fails. */
    Future<Holder> holder() {
      Holder trusted = trusted();
      if (trusted != null) {
        return Future.succeededFuture(trusted);
      }
      if (invalid.getIfPresent(hash) != null) {
        return Future.succeededFuture();
      }
      Future<Holder> asked = pending.get(hash);
      if (asked == null) {
        asked = lookup(hash);
        if (!asked.isComplete()) {
          pending.put(hash, asked);
        }
      }
      return asked;
    }
  }

  /** How long a key that was valid keeps being looked up without charging its caller's address. */
  static final Duration VOUCHED_FOR = Duration.ofMinutes(10);

  private static final int MAX_KEYS = 10_000;

  private record Valid(Holder holder, long checkedAt) {}

  private final BusClient bus;
  private final long trustNanos;
  private final Cache<String, Valid> valid;
  private final Cache<String, Boolean> invalid;

  /** Lookups in flight, so a burst with one new key asks once; each removes itself when answered. */
  private final Map<String, Future<Holder>> pending = new HashMap<>();

  private MessageConsumer<JsonObject> revocations;

  public ApiKeys(BusClient bus, long cacheMs) {
    this.bus = bus;
    this.trustNanos = TimeUnit.MILLISECONDS.toNanos(cacheMs);
    this.valid =
        Caffeine.newBuilder()
            .maximumSize(MAX_KEYS)
            .expireAfterWrite(VOUCHED_FOR)
            .executor(Runnable::run)
            .build();
    this.invalid =
        Caffeine.newBuilder()
            .maximumSize(MAX_KEYS)
            .expireAfterWrite(Duration.ofMillis(cacheMs))
            .executor(Runnable::run)
            .build();
  }

  /** Starts listening for revocations (published by whichever node revoked the key). */
  public Future<Void> listen(io.vertx.core.eventbus.EventBus eventBus) {
    revocations =
        Operations.<JsonObject>listen(
            eventBus,
            Addresses.API_KEYS_REVOKED,
            revoked -> {
              long id = revoked.getLong("id", 0L);
              valid.asMap().values().removeIf(known -> known.holder().id() == id);
            });
    return revocations.completion();
  }

  public Future<Void> close() {
    return revocations == null ? Future.succeededFuture() : revocations.unregister();
  }

  /** What is known of {@code key} here, without asking anyone. */
  Presented presented(String key) {
    String hash = ApiKeyFormat.hashHex(key);
    return new Presented(hash, valid.getIfPresent(hash));
  }

  private Future<Holder> lookup(String hash) {
    return bus.request(Addresses.API_KEYS_LOOKUP, new JsonObject().put("hash", hash))
        .map(
            found ->
                new Holder(
                    found.getLong("id"),
                    found.getString("name"),
                    found.getJsonArray("scopes").stream()
                        .map(String::valueOf)
                        .collect(Collectors.toUnmodifiableSet()),
                    found.getBoolean("revoked")))
        .recover(
            e ->
                e instanceof ReplyException reply && reply.failureCode() == Failures.NOT_FOUND
                    ? Future.succeededFuture(null)
                    : Future.failedFuture(e))
        .map(
            holder -> {
              if (holder == null || holder.revoked()) {
                valid.invalidate(hash);
                invalid.put(hash, Boolean.TRUE);
                return null;
              }
              valid.put(hash, new Valid(holder, System.nanoTime()));
              return holder;
            })
        .onComplete(done -> pending.remove(hash));
  }
}
