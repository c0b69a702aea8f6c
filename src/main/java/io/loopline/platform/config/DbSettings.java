package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;

/** The {@code db} section: where PostgreSQL is and how the pool is bounded. */
public record DbSettings(
    String url,
    int embeddedPort,
    int poolSize,
    int maxWaitQueueSize,
    int pipeliningLimit,
    int connectTimeoutMs,
    long queryTimeoutMs,
    long slowQueryMs,
    long startRetryMaxMs) {

  public static DbSettings from(JsonObject config) {
    JsonObject db = config.getJsonObject("db");
    return new DbSettings(
        db.getString("url"),
        db.getInteger("embeddedPort"),
        db.getInteger("poolSize"),
        db.getInteger("maxWaitQueueSize"),
        db.getInteger("pipeliningLimit"),
        db.getInteger("connectTimeoutMs"),
        db.getLong("queryTimeoutMs"),
        db.getLong("slowQueryMs"),
        db.getLong("startRetryMaxMs"));
  }

  /** True when no server is configured and Loopline runs its own embedded PostgreSQL. */
  public boolean embedded() {
    return url == null || url.isBlank();
  }
}
