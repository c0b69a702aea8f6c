package io.loopline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.loopline.config.LooplineConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
    assertThat(hazelcast.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    assertThat(hazelcast.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(hazelcast.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    assertThat(hazelcast.getClusterName()).isEqualTo("loopline");
    assertThat(config.cluster().eventBusHost()).isEqualTo("127.0.0.1");
  }

  @Test
  void settingsOverrideTheFile() {
    LooplineConfig config = LooplineConfig.load(List.of(), Map.of(
        "LOOPLINE_CLUSTER_ENABLED", "true",
        "LOOPLINE_CLUSTER_NAME", "shop",
        "LOOPLINE_CLUSTER_MEMBERS", "127.0.0.2,127.0.0.3:5801",
        "LOOPLINE_CLUSTER_HEARTBEAT_TIMEOUT_SECONDS", "4"), Path.of("target"));

    Config hazelcast = Clustering.clusterManager(config.cluster()).getConfig();

    assertThat(hazelcast.getClusterName()).isEqualTo("shop");
    assertThat(hazelcast.getNetworkConfig().getJoin().getTcpIpConfig().getMembers()).containsExactly("127.0.0.2", "127.0.0.3:5801");
    assertThat(hazelcast.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("4");
  }
}
