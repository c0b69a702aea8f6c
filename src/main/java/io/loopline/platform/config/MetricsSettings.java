package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;

/**
 * The {@code metrics} section: whether Vert.x and Loopline record meters (Prometheus at {@code /metrics}),
 * and how the node verticle samples them for the console's charts.
 *
 * @param sampleMs how often each node samples its own meters
 * @param historyMinutes how long the samples are kept, in memory
 */
public record MetricsSettings(boolean enabled, long sampleMs, long historyMinutes) {

  /** Reads {@code {"metrics": {...}}}. */
  public static MetricsSettings from(JsonObject config) {
    JsonObject metrics = config.getJsonObject("metrics");
    return new MetricsSettings(
        metrics.getBoolean("enabled"),
        metrics.getLong("sampleMs"),
        metrics.getLong("historyMinutes"));
  }
}
