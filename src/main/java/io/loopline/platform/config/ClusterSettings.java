package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** The {@code cluster} section: whether this node joins others, and how they find and reach each other. */
public record ClusterSettings(
    boolean enabled,
    String name,
    String configFile,
    Join join,
    List<String> members,
    Kubernetes kubernetes,
    String host,
    int hazelcastPort,
    String eventBusHost,
    int eventBusPort,
    String publicHost,
    int publicPort,
    int heartbeatTimeoutSeconds,
    Tls tls) {

  /** {@code cluster.join}: how Hazelcast members find each other; exactly one way is on. */
  public enum Join {
    /** A list of members to try ({@code cluster.members}), the default, on loopback. */
    TCP,
    /** Hazelcast's built-in Kubernetes discovery ({@code cluster.kubernetes}). */
    KUBERNETES,
    /** IP multicast on the {@code cluster.host} interface's network, with Hazelcast's group and port. */
    MULTICAST;

    static Join parse(String value) {
      for (Join join : values()) {
        if (join.name().equalsIgnoreCase(value)) {
          return join;
        }
      }
      throw new ConfigException(
          "cluster.join must be tcp, kubernetes or multicast, not '" + value + "'");
    }

    /** The setting's spelling. */
    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * {@code cluster.kubernetes}, used with {@code cluster.join: kubernetes}: either the DNS name of a headless
   * service ({@code serviceDns}: members are the addresses it resolves to), or, when that is empty, the
   * Kubernetes API ({@code serviceName} in {@code namespace}; empty namespace = the pod's own; the pod's
   * service account may list the service's endpoints). An empty {@code serviceName} too: every pod of the
   * namespace the API lists.
   */
  public record Kubernetes(
      String serviceDns, String serviceName, String namespace, int servicePort) {
    public Kubernetes {
      if (!serviceDns.isEmpty() && !serviceName.isEmpty()) {
        throw new ConfigException(
            "cluster.kubernetes: set serviceDns (DNS lookup) or serviceName (Kubernetes API), not both");
      }
      if (servicePort < 0 || servicePort > 65535) {
        throw new ConfigException(
            "cluster.kubernetes.servicePort must be 0 (any) to 65535, not " + servicePort);
      }
    }

    static Kubernetes from(JsonObject kubernetes) {
      return new Kubernetes(
          kubernetes.getString("serviceDns").trim(),
          kubernetes.getString("serviceName").trim(),
          kubernetes.getString("namespace").trim(),
          kubernetes.getInteger("servicePort"));
    }
  }

  /**
   * {@code cluster.tls}: the event bus between nodes over TLS with mutual authentication. Each node presents
   * the key and certificate of its {@code keyStore} and accepts only peers whose certificate its
   * {@code trustStore} trusts (the cluster's own CA); both are PKCS#12 files.
   */
  public record Tls(
      boolean enabled,
      String keyStore,
      String keyStorePassword,
      String trustStore,
      String trustStorePassword) {
    public Tls {
      if (enabled && (keyStore.isBlank() || trustStore.isBlank())) {
        throw new ConfigException(
            "cluster.tls.enabled needs cluster.tls.keyStore and cluster.tls.trustStore (PKCS#12 files)");
      }
    }

    static Tls from(JsonObject tls) {
      return new Tls(
          tls.getBoolean("enabled"),
          tls.getString("keyStore"),
          tls.getString("keyStorePassword"),
          tls.getString("trustStore"),
          tls.getString("trustStorePassword"));
    }

    @Override
    public String toString() {
      return "Tls[enabled="
          + enabled
          + ", keyStore="
          + keyStore
          + ", trustStore="
          + trustStore
          + "]"; // no passwords in logs
    }
  }

  public static ClusterSettings from(JsonObject config) {
    JsonObject cluster = config.getJsonObject("cluster");
    return new ClusterSettings(
        cluster.getBoolean("enabled"),
        cluster.getString("name"),
        cluster.getString("configFile"),
        Join.parse(cluster.getString("join").trim()),
        cluster.getJsonArray("members").stream().map(String::valueOf).toList(),
        Kubernetes.from(cluster.getJsonObject("kubernetes")),
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
