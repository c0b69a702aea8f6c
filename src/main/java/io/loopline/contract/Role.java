package io.loopline.contract;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a node can do. A node runs the verticles of its roles; a node without a role reaches the nodes
 * that have it over the event bus.
 */
public enum Role {
  /** HTTP routing, validation and sockets. */
  HTTP,
  /** The PostgreSQL pool and every SQL statement. */
  PERSISTENCE,
  /** The Redis client, or the in-process cache when no Redis is configured. */
  CACHE,
  /** Outgoing HTTP fetches. */
  SCRAPER,
  /** Worker verticles for blocking work. */
  WORKER,
  /** The chat rooms' sequencer: orders each room's messages, keeps its members, queues its history. */
  CHAT,
  /** The MQTT server devices publish records to, when {@code mqtt.enabled}. */
  MQTT;

  /** The role's name in configuration and on the bus, e.g. {@code persistence}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role parse(String name) {
    return Arrays.stream(values())
        .filter(r -> r.id().equals(name.trim().toLowerCase(Locale.ROOT)))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown role '"
                        + name
                        + "'; roles are "
                        + Arrays.toString(values()).toLowerCase(Locale.ROOT)));
  }
}
