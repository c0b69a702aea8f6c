package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;

/**
 * The {@code tracing} section: OpenTelemetry spans exported over OTLP/HTTP, read by the launcher when it
 * builds Vert.x.
 *
 * @param otlpEndpoint where the spans are sent
 * @param sampleRatio share of new traces recorded, 0.0 to 1.0
 * @param serviceName {@code service.name} of the spans
 */
public record TracingSettings(
    boolean enabled, String otlpEndpoint, double sampleRatio, String serviceName) {

  /** Reads {@code {"tracing": {...}}}. */
  public static TracingSettings from(JsonObject config) {
    JsonObject tracing = config.getJsonObject("tracing");
    return new TracingSettings(
        tracing.getBoolean("enabled"),
        tracing.getString("otlpEndpoint"),
        tracing.getDouble("sampleRatio"),
        tracing.getString("serviceName"));
  }
}
