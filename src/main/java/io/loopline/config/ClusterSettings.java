package io.loopline.config;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** The {@code cluster} section: whether this node joins others, and how they find and reach each other. */
public record ClusterSettings(
    boolean enabled,
    String name,
    String configFile,
    List<String> members,
    String host,
    int hazelcastPort,
    String eventBusHost,
    int eventBusPort,
    String publicHost,
    int publicPort,
    int heartbeatTimeoutSeconds) {

  public static ClusterSettings from(JsonObject config) {
    JsonObject cluster = config.getJsonObject("cluster");
    return new ClusterSettings(
        cluster.getBoolean("enabled"),
        cluster.getString("name"),
        cluster.getString("configFile"),
        cluster.getJsonArray("members").stream().map(String::valueOf).toList(),
        cluster.getString("host"),
        cluster.getInteger("hazelcastPort"),
        cluster.getString("eventBusHost"),
        cluster.getInteger("eventBusPort"),
        cluster.getString("publicHost"),
        cluster.getInteger("publicPort"),
        cluster.getInteger("heartbeatTimeoutSeconds"));
  }
}
