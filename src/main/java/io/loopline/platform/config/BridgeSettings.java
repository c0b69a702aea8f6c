package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The {@code bridge} section: the TCP event-bus bridge for services in other languages, deployed by the
 * launcher when {@code enabled}.
 *
 * @param inbound regular expressions of the addresses bridge clients may send to
 * @param outbound regular expressions of the addresses bridge clients may receive from
 */
public record BridgeSettings(
    boolean enabled, String host, int port, List<String> inbound, List<String> outbound) {

  /** Reads {@code {"bridge": {...}}}. */
  public static BridgeSettings from(JsonObject config) {
    JsonObject bridge = config.getJsonObject("bridge");
    return new BridgeSettings(
        bridge.getBoolean("enabled"),
        bridge.getString("host"),
        bridge.getInteger("port"),
        bridge.getJsonArray("inbound").stream().map(String::valueOf).toList(),
        bridge.getJsonArray("outbound").stream().map(String::valueOf).toList());
  }
}
