package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;

/** The {@code redis} section; with no URL the cache is in-process. */
public record RedisSettings(String url, long timeoutMs, int poolSize, String namespace) {

  public static RedisSettings from(JsonObject config) {
    JsonObject redis = config.getJsonObject("redis");
    return new RedisSettings(
        redis.getString("url"),
        redis.getLong("timeoutMs"),
        redis.getInteger("poolSize"),
        redis.getString("namespace"));
  }

  /** True when no Redis is configured and the cache lives in this process. */
  public boolean inProcess() {
    return url == null || url.isBlank();
  }
}
