package io.loopline.chat;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.ChatClient;
import io.loopline.support.Cleanup;
import io.loopline.support.NodeProcess;
import io.loopline.support.Poll;
import io.loopline.support.Responses;
import io.loopline.support.TestRun;
import io.loopline.support.TestServers;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * No single point of failure for chat: three clustered nodes on the default roles (each a real process, so
 * that one can be killed with kill -9), a socket on each. Messages posted on all three reach every socket in
 * one order; the sequencer's node is killed; within 10 s messages are taken again; every acknowledged message
 * is in history exactly once, in seq order, and every surviving socket saw exactly history, in that order;
 * and the socket of the dead node, back on another node with {@code since}, gets exactly what it missed.
 */
class ChatFailoverIT {

  private static final Logger log = LoggerFactory.getLogger(ChatFailoverIT.class);
  private static final String ROOM = "failover";
  private static final Duration TAKEOVER = Duration.ofSeconds(10);

  private String database;
  private String namespace;
  private Vertx clients;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<ChatClient> sockets = new ArrayList<>();

  @BeforeEach
  void setUp() {
    database = TestServers.createDatabase();
    namespace = TestServers.newNamespace();
    clients = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    List<Cleanup.Step> steps = new ArrayList<>();
    sockets.forEach(s -> steps.add(s::close));
    nodes.forEach(n -> steps.add(n::close));
    steps.add(() -> await(clients.close()));
    steps.add(() -> TestServers.dropDatabase(database));
    steps.add(() -> TestServers.deleteNamespace(namespace));
    Cleanup.run(steps.toArray(Cleanup.Step[]::new));
  }

  @Test
  void theSequencersNodeDiesAndChatGoesOnWithNothingAcknowledgedLostOrShownTwice()
      throws Exception {
    String cluster = TestRun.uniqueName();
    Map<String, String> settings =
        Map.of(
            "LOOPLINE_REDIS_NAMESPACE", namespace,
            "LOOPLINE_RATE_LIMIT_ENABLED", "false",
            "LOOPLINE_CLUSTER_HEARTBEAT_TIMEOUT_SECONDS", "5");
    NodeProcess first = start(settings, NodeProcess.cluster(cluster));
    String member = first.hazelcastMember();
    start(settings, NodeProcess.cluster(cluster, member));
    start(settings, NodeProcess.cluster(cluster, member));
    Map<NodeProcess, WebClient> http = new LinkedHashMap<>();
    for (NodeProcess node : nodes) {
      http.put(
          node,
          WebClient.create(
              clients,
              new WebClientOptions()
                  .setDefaultHost("127.0.0.1")
                  .setDefaultPort(node.port())
                  .setConnectTimeout(2000)));
    }
    List<NodeProcess> leaders =
        Poll.value(
            "one node is the sequencer",
            Duration.ofSeconds(60),
            () ->
                nodes.stream()
                    .filter(n -> metric(http.get(n), "loopline_chat_sequencer_leader") == 1)
                    .toList(),
            found -> found.size() == 1);
    NodeProcess sequencer = leaders.get(0);
    // Readiness tells the truth in the cluster: three members, one sequencer, the same for every
    // node.
    List<JsonObject> before = new ArrayList<>();
    for (WebClient node : http.values()) {
      before.add(
          Poll.value(
              "node ready with three members",
              Duration.ofSeconds(60),
              () -> readiness(node),
              checks ->
                  checks != null
                      && checks
                              .getJsonObject("cluster")
                              .getJsonObject("data")
                              .getJsonArray("members")
                              .size()
                          == 3));
    }
    String firstSequencer =
        before.get(0).getJsonObject("chat").getJsonObject("data").getString("sequencer");
    assertThat(before)
        .allSatisfy(
            checks ->
                assertThat(
                        checks.getJsonObject("chat").getJsonObject("data").getString("sequencer"))
                    .isEqualTo(firstSequencer));
    Map<NodeProcess, ChatClient> socketOn = new HashMap<>();
    for (NodeProcess node : nodes) {
      ChatClient socket = ChatClient.connect(clients, node.port(), ROOM, "on-" + node.port());
      sockets.add(socket);
      socketOn.put(node, socket);
    }

    // Before: posted on all three nodes, seen by every socket in one order.
    Map<Long, String> acknowledged = new LinkedHashMap<>();
    List<WebClient> all = new ArrayList<>(http.values());
    for (int i = 0; i < 30; i++) {
      HttpResponse<Buffer> posted = post(all.get(i % 3), "before " + i);
      assertThat(posted.statusCode()).as(posted.bodyAsString()).isEqualTo(201);
      acknowledged.put(posted.bodyAsJsonObject().getLong("seq"), "before " + i);
    }
    Map<ChatClient, List<JsonObject>> seen = new HashMap<>();
    for (ChatClient socket : sockets) {
      seen.put(socket, new ArrayList<>(socket.next("message", 30)));
    }
    List<Long> order = seqs(seen.get(sockets.get(0)));
    assertThat(order).containsExactlyElementsOf(acknowledged.keySet()).isSorted();
    sockets.forEach(s -> assertThat(seqs(seen.get(s))).isEqualTo(order));

    // The sequencer's node dies. Survivors keep posting: each message is taken (201) or refused
    // (503).
    ChatClient orphan = socketOn.get(sequencer);
    long orphanLast = order.get(order.size() - 1);
    sequencer.kill();
    long killed = System.nanoTime();
    List<WebClient> survivors = nodes.stream().filter(n -> n != sequencer).map(http::get).toList();
    List<Integer> statuses = new ArrayList<>();
    long firstTaken = -1;
    int taken = 0;
    for (int i = 0; taken < 20; i++) {
      assertThat(System.nanoTime() - killed)
          .as("messages taken again in time")
          .isLessThan(TimeUnit.SECONDS.toNanos(60));
      HttpResponse<Buffer> posted = post(survivors.get(i % 2), "after " + i);
      statuses.add(posted.statusCode());
      if (posted.statusCode() == 201) {
        if (firstTaken < 0) {
          firstTaken = System.nanoTime() - killed;
        }
        taken++;
        acknowledged.put(posted.bodyAsJsonObject().getLong("seq"), "after " + i);
      } else {
        assertThat(posted.statusCode()).as(posted.bodyAsString()).isEqualTo(503);
        assertThat(posted.getHeader("Retry-After")).isNotNull();
        TimeUnit.MILLISECONDS.sleep(
            100); // the pace of a client that was told to retry, not a synchronisation
      }
    }
    log.info(
        "first message taken {} ms after kill -9 of the sequencer's node; {} refused with 503 before",
        TimeUnit.NANOSECONDS.toMillis(firstTaken),
        statuses.stream().filter(s -> s == 503).count());
    assertThat(Duration.ofNanos(firstTaken)).as("takeover time").isLessThan(TAKEOVER);

    // Readiness after the takeover: two members, another sequencer, a later epoch.
    long firstEpoch = before.get(0).getJsonObject("chat").getJsonObject("data").getLong("epoch");
    JsonObject after =
        Poll.value(
            "a survivor ready with two members",
            Duration.ofSeconds(60),
            () -> readiness(survivors.get(0)),
            checks ->
                checks != null
                    && checks
                            .getJsonObject("cluster")
                            .getJsonObject("data")
                            .getJsonArray("members")
                            .size()
                        == 2);
    assertThat(after.getJsonObject("chat").getJsonObject("data").getString("sequencer"))
        .isNotEqualTo(firstSequencer);
    assertThat(after.getJsonObject("chat").getJsonObject("data").getLong("epoch"))
        .isGreaterThan(firstEpoch);

    // History: every acknowledged message, once, in seq order.
    List<JsonObject> history = history(survivors.get(0));
    List<Long> stored = seqs(history);
    assertThat(stored).isSorted().doesNotHaveDuplicates().containsAll(acknowledged.keySet());
    assertThat(history.stream().map(m -> m.getString("id")).distinct()).hasSize(history.size());
    for (JsonObject m : history) {
      if (acknowledged.containsKey(m.getLong("seq"))) {
        assertThat(m.getString("text")).isEqualTo(acknowledged.get(m.getLong("seq")));
      }
    }

    // Surviving sockets: exactly history, each message once, in order (what the dead sequencer
    // stored
    // without publishing was read back from history by their hosts).
    for (NodeProcess node : nodes) {
      if (node == sequencer) {
        continue;
      }
      ChatClient socket = socketOn.get(node);
      List<JsonObject> got = seen.get(socket);
      Poll.until(
          "socket on " + node.port() + " has every stored message",
          Duration.ofSeconds(30),
          () -> {
            socket.pending().stream()
                .filter(f -> "message".equals(f.getString("type")))
                .forEach(got::add);
            return got.size() >= stored.size();
          });
      assertThat(seqs(got)).isEqualTo(stored);
    }

    // The dead node's socket, back on a survivor with since: what it missed, once, then live.
    orphan.close();
    List<Long> missed = stored.stream().filter(seq -> seq > orphanLast).toList();
    NodeProcess other = nodes.stream().filter(n -> n != sequencer).findFirst().orElseThrow();
    ChatClient back = ChatClient.connect(clients, other.port(), ROOM, "back", orphanLast);
    sockets.add(back);
    assertThat(seqs(back.next("message", missed.size()))).isEqualTo(missed);
    assertThat(back.next().getString("type")).isEqualTo("resumed");
    HttpResponse<Buffer> live = post(survivors.get(0), "live after resume");
    assertThat(live.statusCode()).isEqualTo(201);
    assertThat(back.next("message").getLong("seq"))
        .isEqualTo(live.bodyAsJsonObject().getLong("seq"));
  }

  private NodeProcess start(Map<String, String> settings, Map<String, String> cluster)
      throws Exception {
    Map<String, String> env = new HashMap<>(settings);
    env.putAll(cluster);
    NodeProcess node = NodeProcess.start(database, env);
    nodes.add(node);
    node.port();
    return node;
  }

  private static HttpResponse<Buffer> post(WebClient node, String text) {
    return await(
        node.post("/chat/rooms/" + ROOM + "/messages")
            .sendJsonObject(new JsonObject().put("sender", "poster").put("text", text)));
  }

  /** Every stored message of the room, oldest first, read a page at a time. */
  private static List<JsonObject> history(WebClient node) {
    List<JsonObject> all = new ArrayList<>();
    Long before = null;
    do {
      JsonObject page =
          await(
                  node.get(
                          "/chat/rooms/"
                              + ROOM
                              + "/messages?limit=200"
                              + (before == null ? "" : "&before=" + before))
                      .send())
              .bodyAsJsonObject();
      List<JsonObject> messages =
          page.getJsonArray("messages").stream().map(JsonObject.class::cast).toList();
      all.addAll(0, messages);
      before = page.getLong("next");
    } while (before != null);
    return all;
  }

  /** The readiness checks by id when the node answers 200, else null. */
  private static JsonObject readiness(WebClient node) {
    HttpResponse<Buffer> ready = await(node.get("/health/ready").send());
    if (ready.statusCode() != 200) {
      return null;
    }
    JsonObject checks = new JsonObject();
    Responses.checks(ready.bodyAsJsonObject()).forEach(checks::put);
    return checks;
  }

  private static List<Long> seqs(List<JsonObject> messages) {
    return messages.stream().map(m -> m.getLong("seq")).toList();
  }

  private static double metric(WebClient node, String name) {
    try {
      String text = await(node.get("/metrics").send()).bodyAsString();
      for (String line : text.split("\n")) {
        if (line.startsWith(name + " ")) {
          return Double.parseDouble(line.substring(name.length() + 1).trim());
        }
      }
    } catch (RuntimeException unreachable) {
      // a node that just died
    }
    return -1;
  }
}
