package io.loopline.chat;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.loopline.platform.cluster.Clustering;
import io.loopline.platform.config.LooplineConfig;
import io.loopline.platform.db.Migrations;
import io.loopline.platform.observe.RequestIds;
import io.loopline.roles.HttpVerticle;
import io.loopline.roles.PersistenceVerticle;
import io.loopline.support.ChatClient;
import io.loopline.support.Cleanup;
import io.loopline.support.Poll;
import io.loopline.support.TestRun;
import io.loopline.support.TestServers;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two Vert.x instances on one clustered event bus (Hazelcast, loopback only: TCP-IP join to 127.0.0.1,
 * no multicast, no cloud discovery, no phone-home). Node A runs persistence, the chat sequencer and HTTP;
 * node B runs HTTP only. A room's sockets on both nodes get its messages once, in one order.
 */
class ChatClusterIT {

  private static String database;
  private static Vertx nodeA;
  private static Vertx nodeB;
  private static Vertx clients;
  private static int portA;
  private static int portB;

  @BeforeAll
  static void start() {
    RequestIds.register(); // as the launcher does, before any Vert.x of this JVM is built
    database = TestServers.createDatabase();
    Migrations.migrate(database);
    String cluster = TestRun.uniqueName();
    nodeA = clustered(cluster, null);
    nodeB = clustered(cluster, nodeA);
    LooplineConfig config =
        LooplineConfig.defaults()
            .with(
                new JsonObject()
                    .put("db", new JsonObject().put("url", database))
                    .put("chat", new JsonObject().put("hostLeaseMs", 5000)));
    await(
        nodeA.deployVerticle(
            PersistenceVerticle::new,
            new DeploymentOptions().setConfig(config.sections(PersistenceVerticle.SECTIONS))));
    await(
        nodeA.deployVerticle(
            ChatVerticle::new, new DeploymentOptions().setConfig(config.sections("chat"))));
    portA = deployHttp(nodeA, config);
    portB = deployHttp(nodeB, config);
    clients = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    Cleanup.run(
        () -> close(clients),
        () -> close(nodeB),
        () -> close(nodeA),
        () -> TestServers.dropDatabase(database));
  }

  private static void close(Vertx vertx) {
    if (vertx != null) {
      await(vertx.close());
    }
  }

  /** An HTTP verticle on a port the OS chooses; returns that port. */
  private static int deployHttp(Vertx node, LooplineConfig config) {
    JsonObject sections = config.sections(HttpVerticle.SECTIONS);
    sections.getJsonObject("http").put("host", "127.0.0.1").put("port", 0).put("instances", 1);
    HttpVerticle http = new HttpVerticle();
    await(node.deployVerticle(http, new DeploymentOptions().setConfig(sections)));
    return http.actualPort();
  }

  /**
   * A clustered Vert.x whose Hazelcast member (on a port the OS chooses) and event bus listen on 127.0.0.1
   * and look nowhere else: the first one has no members to join, the second joins the first's.
   */
  private static Vertx clustered(String cluster, Vertx first) {
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setClusterName(cluster);
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast.setProperty("hazelcast.socket.bind.any", "false");
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    NetworkConfig network = hazelcast.getNetworkConfig();
    network.setPort(0).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    if (first != null) {
      join.getTcpIpConfig()
          .addMember(
              Clustering.member(
                  (HazelcastClusterManager) ((VertxInternal) first).clusterManager()));
    }
    VertxOptions options =
        new VertxOptions()
            .setEventBusOptions(
                new EventBusOptions()
                    .setHost("127.0.0.1")
                    .setPort(0)
                    .setClusterPublicHost("127.0.0.1"));
    return await(
        Vertx.builder()
            .with(options)
            .withClusterManager(new HazelcastClusterManager(hazelcast))
            .buildClustered());
  }

  @Test
  void socketsOnBothNodesGetTheRoomsMessagesOnceInOneOrder() {
    String room = "cluster-" + UUID.randomUUID().toString().substring(0, 8);
    try (ChatClient ada = ChatClient.connect(clients, portA, room, "ada");
        ChatClient grace = ChatClient.connect(clients, portB, room, "grace")) {
      assertThat(ada.next("join").getJsonObject("member").getString("name")).isEqualTo("grace");
      assertThat(
              grace.welcome.getJsonArray("members").stream()
                  .map(m -> ((JsonObject) m).getString("name")))
          .containsExactly("ada", "grace");
      for (int i = 0; i < 5; i++) {
        ada.say("a" + i);
        grace.say("g" + i);
      }
      List<JsonObject> atAda = ada.next("message", 10);
      List<JsonObject> atGrace = grace.next("message", 10);
      assertThat(atGrace).isEqualTo(atAda);
      assertThat(atAda.stream().map(m -> m.getLong("seq")).toList())
          .isSorted()
          .doesNotHaveDuplicates();
      assertThat(atAda.stream().map(m -> m.getString("text")).filter(t -> t.startsWith("g")))
          .containsExactly("g0", "g1", "g2", "g3", "g4");

      WebClient toB =
          WebClient.create(
              clients, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(portB));
      try {
        JsonArray members =
            await(toB.get("/chat/rooms/" + room + "/members").send())
                .bodyAsJsonObject()
                .getJsonArray("members");
        assertThat(members.stream().map(m -> ((JsonObject) m).getString("name")))
            .containsExactly("ada", "grace");
        assertThat(
                await(
                        toB.post("/chat/rooms/" + room + "/messages")
                            .sendJsonObject(
                                new JsonObject().put("sender", "http").put("text", "posted to B")))
                    .statusCode())
            .isEqualTo(201);
        assertThat(ada.next("message").getString("text")).isEqualTo("posted to B");
        assertThat(grace.next("message").getString("text")).isEqualTo("posted to B");
        // History, stored on node A, read through node B.
        Poll.until(
            "history through node B",
            Duration.ofSeconds(30),
            () ->
                await(toB.get("/chat/rooms/" + room + "/messages").send())
                        .bodyAsJsonObject()
                        .getJsonArray("messages")
                        .size()
                    == 11);
      } finally {
        toB.close();
      }
    }
  }
}
