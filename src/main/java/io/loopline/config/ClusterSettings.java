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
    int heartbeatTimeoutSeconds,
    Tls tls) {

  /**
   * {@code cluster.tls}: the event bus between nodes over TLS with mutual authentication. Each node presents
   * the key and certificate of its {@code keyStore} and accepts only peers whose certificate its
   * {@code trustStore} trusts (the cluster's own CA); both are PKCS#12 files.
   */
  public record Tls(boolean enabled, String keyStore, String keyStorePassword, String trustStore, String trustStorePassword) {
    public Tls {
      if (enabled && (keyStore.isBlank() || trustStore.isBlank())) {
        throw new ConfigException("cluster.tls.enabled needs cluster.tls.keyStore and cluster.tls.trustStore (PKCS#12 files)");
      }
    }

    static Tls from(JsonObject tls) {
      return new Tls(tls.getBoolean("enabled"), tls.getString("keyStore"), tls.getString("keyStorePassword"),
          tls.getString("trustStore"), tls.getString("trustStorePassword"));
    }

    @Override
    public String toString() {
      return "Tls[enabled=" + enabled + ", keyStore=" + keyStore + ", trustStore=" + trustStore + "]"; // no passwords in logs
    }
  }

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
        cluster.getInteger("heartbeatTimeoutSeconds"),
        Tls.from(cluster.getJsonObject("tls")));
  }
}
