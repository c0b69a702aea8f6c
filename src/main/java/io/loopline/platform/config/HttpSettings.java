package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** The {@code http} section: the HTTP verticles' listener, request limits and event-bus timeout. */
public record HttpSettings(
    String host,
    int port,
    int instances,
    boolean compression,
    long maxBodySize,
    int shutdownTimeoutSeconds,
    long drainDelayMs,
    long busTimeoutMs,
    int retryAfterSeconds,
    int acceptBacklog,
    int maxUriLength,
    int maxHeaderBytes,
    long headerTimeoutMs,
    long bodyTimeoutMs,
    int idleTimeoutSeconds,
    int maxWebSocketFrameBytes,
    int maxWebSocketMessageBytes,
    List<String> corsAllowedOrigins) {

  public HttpSettings {
    if (port < 0 || port > 65535) {
      throw new ConfigException("http.port must be 0 (any free port) to 65535, not " + port);
    }
    if (shutdownTimeoutSeconds < 0 || drainDelayMs < 0) {
      throw new ConfigException(
          "http.shutdownTimeoutSeconds and http.drainDelayMs cannot be negative");
    }
  }

  /** Reads the section from a verticle's config ({@code {"http": {...}}}). */
  public static HttpSettings from(JsonObject config) {
    JsonObject http = config.getJsonObject("http");
    return new HttpSettings(
        http.getString("host"),
        http.getInteger("port"),
        http.getInteger("instances"),
        http.getBoolean("compression"),
        http.getLong("maxBodySize"),
        http.getInteger("shutdownTimeoutSeconds"),
        http.getLong("drainDelayMs"),
        http.getLong("busTimeoutMs"),
        http.getInteger("retryAfterSeconds"),
        http.getInteger("acceptBacklog"),
        http.getInteger("maxUriLength"),
        http.getInteger("maxHeaderBytes"),
        http.getLong("headerTimeoutMs"),
        http.getLong("bodyTimeoutMs"),
        http.getInteger("idleTimeoutSeconds"),
        http.getInteger("maxWebSocketFrameBytes"),
        http.getInteger("maxWebSocketMessageBytes"),
        http.getJsonArray("corsAllowedOrigins").stream().map(String::valueOf).toList());
  }

  /** HTTP verticle instances to deploy: the configured number, or one per core. */
  public int instancesOrCores() {
    return instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
  }
}
