package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;

/** The {@code mqtt} section: the MQTT server of the {@code mqtt} role, its limits and its batching. */
public record MqttSettings(
    boolean enabled,
    String host,
    int port,
    String tlsCertPath,
    String tlsKeyPath,
    int maxMessageBytes,
    int maxInflightPerConnection,
    int maxInflight,
    long batchDelayMs,
    int batchSize,
    int writesPerStream) {

  /** Reads the section from a verticle's config ({@code {"mqtt": {...}}}); nonsense values are refused. */
  public static MqttSettings from(JsonObject config) {
    JsonObject mqtt = config.getJsonObject("mqtt");
    MqttSettings settings =
        new MqttSettings(
            mqtt.getBoolean("enabled"),
            mqtt.getString("host"),
            mqtt.getInteger("port"),
            mqtt.getString("tlsCertPath"),
            mqtt.getString("tlsKeyPath"),
            mqtt.getInteger("maxMessageBytes"),
            mqtt.getInteger("maxInflightPerConnection"),
            mqtt.getInteger("maxInflight"),
            mqtt.getLong("batchDelayMs"),
            mqtt.getInteger("batchSize"),
            mqtt.getInteger("writesPerStream"));
    if (settings.tlsCertPath.isEmpty() != settings.tlsKeyPath.isEmpty()) {
      throw new ConfigException(
          "mqtt.tlsCertPath and mqtt.tlsKeyPath go together: set both for TLS, or neither");
    }
    if (settings.port < 0
        || settings.port > 65535
        || settings.maxMessageBytes < 64
        || settings.maxInflightPerConnection < 1
        || settings.maxInflightPerConnection > 65535
        || settings.maxInflight < 1
        || settings.batchDelayMs < 0
        || settings.batchSize < 1
        || settings.batchSize > 10_000
        || settings.writesPerStream < 1) {
      throw new ConfigException(
          "mqtt: a port 0 to 65535, maxMessageBytes at least 64, maxInflightPerConnection 1 to"
              + " 65535, positive limits, batchSize at most 10000 and writesPerStream at least 1; got "
              + mqtt.encode());
    }
    return settings;
  }

  /** MQTT over TLS. */
  public boolean tls() {
    return !tlsCertPath.isEmpty();
  }
}
