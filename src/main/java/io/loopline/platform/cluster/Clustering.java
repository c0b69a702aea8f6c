package io.loopline.platform.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.KubernetesConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.loopline.platform.config.ClusterSettings;
import io.loopline.platform.config.ConfigException;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PfxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The clustered event bus: a Hazelcast cluster manager built from {@code conf/cluster.xml} (or {@code
 * cluster.configFile}) with the {@code cluster} settings laid over it, and the event bus's own listening
 * address. Members find each other by the one join {@code cluster.join} names (TCP-IP to {@code
 * cluster.members} by default, Kubernetes discovery, or multicast); every other join, cloud discovery and
 * phone-home are off, and Hazelcast binds only {@code cluster.host}.
 */
public final class Clustering {

  private Clustering() {}

  /** Reads the Hazelcast file (blocking: call before Vert.x starts) and applies the settings. */
  public static HazelcastClusterManager clusterManager(ClusterSettings settings) {
    return new HazelcastClusterManager(config(settings));
  }

  /**
   * The Hazelcast configuration a node with these settings joins with, checked (one join) but not started:
   * reads {@code cluster.configFile} (blocking) and refuses what cannot work with a {@link ConfigException}.
   */
  public static Config config(ClusterSettings settings) {
    ClusterSettings.Tls tls = settings.tls();
    if (tls.enabled()) {
      for (String store : List.of(tls.keyStore(), tls.trustStore())) {
        if (!Files.isReadable(Path.of(store))) {
          throw new ConfigException("cluster.tls: cannot read the PKCS#12 file " + store);
        }
      }
    }
    Config config = hazelcastConfig(settings);
    config.setClusterName(settings.name());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty(
        "hazelcast.max.no.heartbeat.seconds", String.valueOf(settings.heartbeatTimeoutSeconds()));
    config.setProperty("hazelcast.tcp.join.port.try.count", "20");
    // Port 0: one the OS picks (other members then need this node's address from its log).
    config
        .getNetworkConfig()
        .setPort(settings.hazelcastPort())
        .setPortAutoIncrement(settings.hazelcastPort() != 0)
        .setPortCount(20);
    config
        .getNetworkConfig()
        .getInterfaces()
        .setEnabled(true)
        .clear()
        .addInterface(settings.host());
    join(config.getNetworkConfig().getJoin(), settings);
    return config;
  }

  /**
   * Turns on the join {@code cluster.join} names and every other off, then lets Hazelcast check that exactly
   * one is on ({@link JoinConfig#verify()}, which starts nothing). A file of the operator's own that turns on
   * a different join is refused rather than overridden: which of the two they meant is theirs to say.
   */
  static void join(JoinConfig join, ClusterSettings settings) {
    List<String> inFile = enabledJoins(join);
    inFile.remove(settings.join().id());
    if (!settings.configFile().isEmpty() && !inFile.isEmpty()) {
      throw new ConfigException(
          "cluster.configFile "
              + settings.configFile()
              + " turns on the "
              + String.join(" and ", inFile)
              + " join, but cluster.join is "
              + settings.join().id()
              + ": Hazelcast allows one join; turn it off in the file"
              + " or set cluster.join to it");
    }
    join.getTcpIpConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getAwsConfig().setEnabled(false);
    join.getGcpConfig().setEnabled(false);
    join.getAzureConfig().setEnabled(false);
    join.getEurekaConfig().setEnabled(false);
    switch (settings.join()) {
      case TCP -> join.getTcpIpConfig().setEnabled(true).setMembers(settings.members());
      case MULTICAST -> join.getMulticastConfig().setEnabled(true);
      case KUBERNETES -> {
        KubernetesConfig kubernetes = join.getKubernetesConfig().setEnabled(true);
        ClusterSettings.Kubernetes k8s = settings.kubernetes();
        if (!k8s.serviceDns().isEmpty()) {
          kubernetes.setProperty("service-dns", k8s.serviceDns());
        }
        if (!k8s.serviceName().isEmpty()) {
          kubernetes.setProperty("service-name", k8s.serviceName());
        }
        if (!k8s.namespace().isEmpty()) {
          kubernetes.setProperty("namespace", k8s.namespace());
        }
        int port = k8s.servicePort() > 0 ? k8s.servicePort() : settings.hazelcastPort();
        if (port > 0) {
          kubernetes.setProperty("service-port", String.valueOf(port));
        }
      }
    }
    try {
      join.verify();
    } catch (RuntimeException e) {
      throw new ConfigException("cluster: " + e.getMessage());
    }
  }

  /**
   * The joins turned on in {@code join}, by their {@code cluster.join} name where they have one. Auto-detection
   * is not among them: Hazelcast turns it on when a file does not mention it, and uses it only when no other
   * join is on.
   */
  static List<String> enabledJoins(JoinConfig join) {
    return Stream.of(
            Map.entry("tcp", join.getTcpIpConfig().isEnabled()),
            Map.entry("multicast", join.getMulticastConfig().isEnabled()),
            Map.entry("kubernetes", join.getKubernetesConfig().isEnabled()),
            Map.entry("aws", join.getAwsConfig().isEnabled()),
            Map.entry("gcp", join.getGcpConfig().isEnabled()),
            Map.entry("azure", join.getAzureConfig().isEnabled()),
            Map.entry("eureka", join.getEurekaConfig().isEnabled()),
            Map.entry(
                "discovery-strategies",
                !join.getDiscoveryConfig().getDiscoveryStrategyConfigs().isEmpty()))
        .filter(Map.Entry::getValue)
        .map(Map.Entry::getKey)
        .collect(Collectors.toCollection(ArrayList::new));
  }

  /** The {@code host:port} this node's Hazelcast member listens on, once it has joined. */
  public static String member(HazelcastClusterManager manager) {
    var address = manager.getHazelcastInstance().getCluster().getLocalMember().getAddress();
    return address.getHost() + ":" + address.getPort();
  }

  /**
   * Where this node's event bus listens for other nodes, the address it tells them, and, with {@code
   * cluster.tls}, TLS both ways with client certificates required: a process that joins the Hazelcast
   * membership without a certificate the trust store accepts can neither deliver a message to this node
   * nor be handed one by it (the handshake fails either way).
   */
  public static void eventBus(VertxOptions options, ClusterSettings settings) {
    EventBusOptions bus =
        options
            .getEventBusOptions()
            .setHost(settings.eventBusHost())
            .setPort(settings.eventBusPort());
    ClusterSettings.Tls tls = settings.tls();
    if (tls.enabled()) {
      bus.setSsl(true)
          .setKeyCertOptions(
              new PfxOptions().setPath(tls.keyStore()).setPassword(tls.keyStorePassword()))
          .setTrustOptions(
              new PfxOptions().setPath(tls.trustStore()).setPassword(tls.trustStorePassword()))
          .setClientAuth(ClientAuth.REQUIRED);
    }
    if (!settings.publicHost().isEmpty()) {
      bus.setClusterPublicHost(settings.publicHost());
    }
    if (settings.publicPort() >= 0) {
      bus.setClusterPublicPort(settings.publicPort());
    }
  }

  /** Whether both Hazelcast and the event bus listen on loopback only, where TLS between nodes adds nothing. */
  public static boolean loopbackOnly(ClusterSettings settings) {
    return isLoopback(settings.host()) && isLoopback(settings.eventBusHost());
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.equals("::1") || host.startsWith("127.");
  }

  private static Config hazelcastConfig(ClusterSettings settings) {
    try (InputStream in =
        settings.configFile().isEmpty()
            ? Clustering.class.getClassLoader().getResourceAsStream("conf/cluster.xml")
            : Files.newInputStream(Path.of(settings.configFile()))) {
      if (in == null) {
        throw new ConfigException("built-in conf/cluster.xml is missing from the classpath");
      }
      return new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new ConfigException(
          "cluster.configFile " + settings.configFile() + ": " + e.getMessage());
    }
  }
}
