package io.loopline.platform.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.loopline.platform.config.ConfigException;
import io.loopline.platform.config.LooplineConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hazelcast settings a node starts with keep the cluster on the configured interface and members. */
class ClusteringTest {

  @Test
  void theDefaultClusterStaysOnLoopbackAndNeverPhonesHome() {
    LooplineConfig config = LooplineConfig.load(List.of("--cluster"), Map.of(), Path.of("target"));

    Config hazelcast = Clustering.clusterManager(config.cluster()).getConfig();

    JoinConfig join = hazelcast.getNetworkConfig().getJoin();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("127.0.0.1");
    assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
    assertThat(hazelcast.getNetworkConfig().getInterfaces().isEnabled()).isTrue();
    assertThat(hazelcast.getNetworkConfig().getInterfaces().getInterfaces())
        .containsExactly("127.0.0.1");
    assertThat(hazelcast.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(hazelcast.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    assertThat(hazelcast.getClusterName()).isEqualTo("loopline");
    assertThat(config.cluster().eventBusHost()).isEqualTo("127.0.0.1");
  }

  @Test
  void settingsOverrideTheFile() {
    LooplineConfig config =
        LooplineConfig.load(
            List.of(),
            Map.of(
                "LOOPLINE_CLUSTER_ENABLED", "true",
                "LOOPLINE_CLUSTER_NAME", "shop",
                "LOOPLINE_CLUSTER_MEMBERS", "127.0.0.2,127.0.0.3:5801",
                "LOOPLINE_CLUSTER_HEARTBEAT_TIMEOUT_SECONDS", "4"),
            Path.of("target"));

    Config hazelcast = Clustering.clusterManager(config.cluster()).getConfig();

    assertThat(hazelcast.getClusterName()).isEqualTo("shop");
    assertThat(hazelcast.getNetworkConfig().getJoin().getTcpIpConfig().getMembers())
        .containsExactly("127.0.0.2", "127.0.0.3:5801");
    assertThat(hazelcast.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("4");
  }

  /**
   * Each cluster.join builds a Hazelcast config with exactly that join on; nothing is started (a multicast or
   * Kubernetes member would reach beyond loopback). {@link JoinConfig#verify()} is Hazelcast's own check.
   */
  @Test
  void eachJoinModeTurnsOnExactlyThatJoin() {
    for (String mode : List.of("tcp", "multicast", "kubernetes")) {
      JoinConfig join =
          hazelcast(Map.of("LOOPLINE_CLUSTER_JOIN", mode)).getNetworkConfig().getJoin();

      assertThat(Clustering.enabledJoins(join)).as(mode).containsExactly(mode);
      assertThat(join.getAutoDetectionConfig().isEnabled()).as(mode).isFalse();
      assertThat(join.isAutoDetectionEnabled()).as(mode).isFalse();
      join.verify();
    }
  }

  @Test
  void kubernetesDiscoveryByDnsOrByTheApi() {
    JoinConfig dns =
        hazelcast(
                Map.of(
                    "LOOPLINE_CLUSTER_JOIN",
                    "kubernetes",
                    "LOOPLINE_CLUSTER_KUBERNETES_SERVICE_DNS",
                    "loopline-hazelcast.shop.svc.cluster.local"))
            .getNetworkConfig()
            .getJoin();
    assertThat(dns.getKubernetesConfig().getProperties())
        .containsEntry("service-dns", "loopline-hazelcast.shop.svc.cluster.local")
        .containsEntry("service-port", "5701")
        .doesNotContainKeys("service-name", "namespace");

    JoinConfig api =
        hazelcast(
                Map.of(
                    "LOOPLINE_CLUSTER_JOIN",
                    "kubernetes",
                    "LOOPLINE_CLUSTER_KUBERNETES_SERVICE_NAME",
                    "loopline-hazelcast",
                    "LOOPLINE_CLUSTER_KUBERNETES_NAMESPACE",
                    "shop",
                    "LOOPLINE_CLUSTER_KUBERNETES_SERVICE_PORT",
                    "5801"))
            .getNetworkConfig()
            .getJoin();
    assertThat(api.getKubernetesConfig().getProperties())
        .containsEntry("service-name", "loopline-hazelcast")
        .containsEntry("namespace", "shop")
        .containsEntry("service-port", "5801")
        .doesNotContainKey("service-dns");
  }

  @Test
  void badJoinSettingsAreRefused() {
    assertThatThrownBy(() -> hazelcast(Map.of("LOOPLINE_CLUSTER_JOIN", "gossip")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster.join must be tcp, kubernetes or multicast");
    assertThatThrownBy(
            () ->
                hazelcast(
                    Map.of(
                        "LOOPLINE_CLUSTER_JOIN",
                        "kubernetes",
                        "LOOPLINE_CLUSTER_KUBERNETES_SERVICE_DNS",
                        "a.svc",
                        "LOOPLINE_CLUSTER_KUBERNETES_SERVICE_NAME",
                        "a")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not both");
  }

  /** The documented way to Kubernetes before cluster.join: a file with its own join; the setting must agree. */
  @Test
  void aConfigFileWithAnotherJoinIsRefusedNotDoubled(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("cluster.xml");
    Files.writeString(
        file,
        """
        <hazelcast xmlns="http://www.hazelcast.com/schema/config">
          <network><join>
            <multicast enabled="false"/>
            <kubernetes enabled="true"><service-dns>loopline-hazelcast.default.svc.cluster.local</service-dns></kubernetes>
          </join></network>
        </hazelcast>
        """);

    assertThatThrownBy(() -> hazelcast(Map.of("LOOPLINE_CLUSTER_CONFIG_FILE", file.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("turns on the kubernetes join, but cluster.join is tcp");

    JoinConfig join =
        hazelcast(
                Map.of(
                    "LOOPLINE_CLUSTER_CONFIG_FILE",
                    file.toString(),
                    "LOOPLINE_CLUSTER_JOIN",
                    "kubernetes"))
            .getNetworkConfig()
            .getJoin();
    assertThat(Clustering.enabledJoins(join)).containsExactly("kubernetes");
    assertThat(join.getKubernetesConfig().getProperties())
        .containsEntry("service-dns", "loopline-hazelcast.default.svc.cluster.local");
    join.verify();
  }

  /** A file that says nothing about joining gets the one cluster.join names (Hazelcast's auto-detection off). */
  @Test
  void aConfigFileWithoutAJoinGetsTheSettingsOne(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("cluster.xml");
    Files.writeString(
        file,
        """
        <hazelcast xmlns="http://www.hazelcast.com/schema/config">
          <map name="__vertx.haInfo"><backup-count>1</backup-count></map>
        </hazelcast>
        """);

    JoinConfig join =
        hazelcast(Map.of("LOOPLINE_CLUSTER_CONFIG_FILE", file.toString()))
            .getNetworkConfig()
            .getJoin();

    assertThat(Clustering.enabledJoins(join)).containsExactly("tcp");
    assertThat(join.isAutoDetectionEnabled()).isFalse();
  }

  private static Config hazelcast(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    all.put("LOOPLINE_CLUSTER_ENABLED", "true");
    return Clustering.clusterManager(
            LooplineConfig.load(List.of(), all, Path.of("target")).cluster())
        .getConfig();
  }
}
