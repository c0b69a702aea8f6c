package io.loopline.kv;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;

/** The in-process backend (Caffeine): bounded, per-entry TTL, no server to install. */
public final class LocalCache implements CacheBackend {

  private record Entry(Buffer value, Duration ttl) {}

  private final Cache<String, Entry> cache;

  public LocalCache(long maxEntries) {
    cache =
        Caffeine.newBuilder()
            .maximumSize(maxEntries)
            .expireAfter(
                new Expiry<String, Entry>() {
                  @Override
                  public long expireAfterCreate(String key, Entry entry, long now) {
                    return entry.ttl() == null ? Long.MAX_VALUE : entry.ttl().toNanos();
                  }

                  @Override
                  public long expireAfterUpdate(String key, Entry entry, long now, long current) {
                    return expireAfterCreate(key, entry, now);
                  }

                  @Override
                  public long expireAfterRead(String key, Entry entry, long now, long current) {
                    return current;
                  }
                })
            .build();
  }

  @Override
  public Future<Buffer> get(String key) {
    Entry entry = cache.getIfPresent(key);
    return Future.succeededFuture(entry == null ? null : entry.value());
  }

  @Override
  public Future<Void> put(String key, Buffer value, Duration ttl) {
    cache.put(key, new Entry(value, ttl));
    return Future.succeededFuture();
  }

  @Override
  public Future<Boolean> delete(String key) {
    return Future.succeededFuture(cache.asMap().remove(key) != null);
  }

  @Override
  public Future<String> ping() {
    return Future.succeededFuture(cache.estimatedSize() + " entries");
  }

  @Override
  public String kind() {
    return "in-process";
  }

  @Override
  public Future<Void> close() {
    cache.invalidateAll();
    return Future.succeededFuture();
  }
}
