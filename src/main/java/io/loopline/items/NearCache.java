package io.loopline.items;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.loopline.platform.config.CacheSettings;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.shareddata.Shareable;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The in-process tier of the item cache: one per Vert.x instance (so per node, even with two nodes in one
 * JVM), shared by every HTTP verticle of the node, which reads it without an event-bus hop, and by the
 * cache verticle, which invalidates it. It is the one structure two verticles share directly; it holds
 * copies of items and never talks to a backend itself.
 *
 * <p>Entries are served only while the node is told of every invalidation ({@link #activate()}: the cache
 * verticle's Redis subscription is up, or there is no Redis and so no other node). A fill is refused when
 * the read it comes from began before an invalidation of that item ({@link #begin()} gives the read's
 * generation), so a read that raced a write can never put the old version back. Concurrent misses for one
 * item share a single load ({@link #loadOnce}).
 */
public final class NearCache implements Shareable {

  /** A cached item: its version (the ETag) and its JSON, encoded once. */
  public record Entry(int version, Buffer json) {}

  private static final String MAP = "loopline.cache";
  private static final String KEY = "near";

  private final Cache<Long, Entry> entries;

  /** Item id to the generation of its last invalidation; when one is evicted, the floor rises to it. */
  private final Cache<Long, Long> invalidated;

  private final AtomicLong generation = new AtomicLong();

  /** Reads that began before this generation may not fill. */
  private final AtomicLong floor = new AtomicLong();

  private final ConcurrentMap<Long, CompletableFuture<Entry>> loading = new ConcurrentHashMap<>();
  private volatile boolean active;

  NearCache(long maxEntries, Duration ttl) {
    entries = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(ttl).build();
    invalidated =
        Caffeine.newBuilder()
            .maximumSize(maxEntries)
            .evictionListener((Long id, Long at, RemovalCause cause) -> raiseFloor(at))
            .build();
  }

  /** The near cache of this Vert.x instance, created on first use with these settings. */
  public static NearCache of(Vertx vertx, CacheSettings settings) {
    return vertx
        .sharedData()
        .<String, NearCache>getLocalMap(MAP)
        .computeIfAbsent(
            KEY,
            k -> new NearCache(settings.nearMaxEntries(), Duration.ofMillis(settings.nearTtlMs())));
  }

  /** True while entries are served: this node hears of every invalidation. */
  public boolean active() {
    return active;
  }

  /** The cached item, or null when absent, expired, or the cache is not active. */
  public Entry get(long id) {
    return active ? entries.getIfPresent(id) : null;
  }

  /** Marks the start of a read; give the result to {@link #fill} with what the read found. */
  public long begin() {
    return generation.get();
  }

  /**
   * Stores what a read that began at {@code since} found, unless the item was invalidated after the read
   * began, or a newer version is already here. True when stored.
   */
  public boolean fill(long id, Entry entry, long since) {
    if (!active) {
      return false;
    }
    boolean[] stored = {false};
    entries
        .asMap()
        .compute(
            id,
            (k, current) -> {
              if (!mayFill(id, since) || current != null && current.version() >= entry.version()) {
                return current;
              }
              stored[0] = true;
              return entry;
            });
    return stored[0];
  }

  /** Drops the item; reads that began before this can no longer fill it, and no later read joins their load. */
  public void invalidate(long id) {
    loading.remove(id);
    entries
        .asMap()
        .compute(
            id,
            (k, current) -> {
              invalidated.put(id, generation.incrementAndGet());
              return null;
            });
  }

  /** Drops every item; no read that began before this may fill. */
  public void clear() {
    raiseFloor(generation.incrementAndGet());
    loading.clear();
    entries.invalidateAll();
  }

  /** This node now hears of every invalidation: serve entries again, starting empty. */
  public void activate() {
    clear();
    active = true;
  }

  /** This node may miss invalidations: serve nothing, keep nothing. */
  public void deactivate() {
    active = false;
    clear();
  }

  /**
   * One load per item at a time: the first caller's {@code loader} runs, later callers get its result.
   * Only while active; otherwise a load that began before a write elsewhere could answer a read that began
   * after that write, so each caller loads for itself.
   */
  public CompletableFuture<Entry> loadOnce(long id, Supplier<CompletableFuture<Entry>> loader) {
    if (!active) {
      return loader.get();
    }
    CompletableFuture<Entry> mine = new CompletableFuture<>();
    CompletableFuture<Entry> running = loading.putIfAbsent(id, mine);
    if (running != null) {
      return running;
    }
    loader
        .get()
        .whenComplete(
            (entry, failure) -> {
              loading.remove(id, mine);
              if (failure != null) {
                mine.completeExceptionally(failure);
              } else {
                mine.complete(entry);
              }
            });
    return mine;
  }

  /** Items held now (approximate), for health and tests. */
  public long size() {
    return entries.estimatedSize();
  }

  private boolean mayFill(long id, long since) {
    Long at = invalidated.getIfPresent(id);
    // Read the floor after the map: an eviction raises the floor before the entry disappears.
    return (at == null || at <= since) && since >= floor.get();
  }

  private void raiseFloor(long at) {
    floor.accumulateAndGet(at, Math::max);
  }
}
