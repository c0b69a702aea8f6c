package io.loopline.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.loopline.config.ClusterSettings;
import io.loopline.config.ConfigException;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PfxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The clustered event bus: a Hazelcast cluster manager built from {@code conf/cluster.xml} with the
 * {@code cluster} settings laid over it, and the event bus's own listening address. Nothing here may reach
 * beyond the configured interface and members: no multicast, no cloud discovery, no phone-home.
 */
public final class Clustering {

  private Clustering() {}

  /** Reads the Hazelcast file (blocking: call before Vert.x starts) and applies the settings. */
  public static HazelcastClusterManager clusterManager(ClusterSettings settings) {
    Config config = hazelcastConfig(settings);
    config.setClusterName(settings.name());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(settings.heartbeatTimeoutSeconds()));
    config.setProperty("hazelcast.tcp.join.port.try.count", "20");
    // Port 0: one the OS picks (other members then need this node's address from its log).
    config.getNetworkConfig().setPort(settings.hazelcastPort())
        .setPortAutoIncrement(settings.hazelcastPort() != 0).setPortCount(20);
    config.getNetworkConfig().getInterfaces().setEnabled(true).clear().addInterface(settings.host());
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(settings.members());
    return new HazelcastClusterManager(config);
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
    EventBusOptions bus = options.getEventBusOptions()
        .setHost(settings.eventBusHost())
        .setPort(settings.eventBusPort());
    ClusterSettings.Tls tls = settings.tls();
    if (tls.enabled()) {
      bus.setSsl(true)
          .setKeyCertOptions(new PfxOptions().setPath(tls.keyStore()).setPassword(tls.keyStorePassword()))
          .setTrustOptions(new PfxOptions().setPath(tls.trustStore()).setPassword(tls.trustStorePassword()))
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
    try (InputStream in = settings.configFile().isEmpty()
        ? Clustering.class.getClassLoader().getResourceAsStream("conf/cluster.xml")
        : Files.newInputStream(Path.of(settings.configFile()))) {
      if (in == null) {
        throw new ConfigException("built-in conf/cluster.xml is missing from the classpath");
      }
      return new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new ConfigException("cluster.configFile " + settings.configFile() + ": " + e.getMessage());
    }
  }
}
