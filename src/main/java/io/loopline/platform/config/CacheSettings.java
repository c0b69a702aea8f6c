package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;

/** The {@code cache} section: limits of the key-value API, the near cache, Redis entries and the breaker. */
public record CacheSettings(
    long localMaxEntries,
    int maxValueBytes,
    long nearMaxEntries,
    long nearTtlMs,
    long itemTtlSeconds,
    long tombstoneTtlSeconds,
    long invalidationTimeoutMs,
    long lookupTimeoutMs,
    int breakerMaxFailures,
    long breakerResetMs,
    long identityCheckMs,
    long heartbeatMs,
    long heartbeatTimeoutMs) {

  /** Reads the section from a verticle's config ({@code {"cache": {...}}}). */
  public static CacheSettings from(JsonObject config) {
    JsonObject cache = config.getJsonObject("cache");
    return new CacheSettings(
        cache.getLong("localMaxEntries"),
        cache.getInteger("maxValueBytes"),
        cache.getLong("nearMaxEntries"),
        cache.getLong("nearTtlMs"),
        cache.getLong("itemTtlSeconds"),
        cache.getLong("tombstoneTtlSeconds"),
        cache.getLong("invalidationTimeoutMs"),
        cache.getLong("lookupTimeoutMs"),
        cache.getInteger("breakerMaxFailures"),
        cache.getLong("breakerResetMs"),
        cache.getLong("identityCheckMs"),
        cache.getLong("heartbeatMs"),
        cache.getLong("heartbeatTimeoutMs"));
  }
}
