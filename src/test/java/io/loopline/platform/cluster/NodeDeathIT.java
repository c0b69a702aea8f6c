package io.loopline.platform.cluster;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.Cleanup;
import io.loopline.support.NodeProcess;
import io.loopline.support.Poll;
import io.loopline.support.TestRun;
import io.loopline.support.TestServers;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two clustered nodes as processes, sharing PostgreSQL and Redis; one is killed with kill -9 under write
 * load. Every write that was answered 2xx is stored, every accepted job runs, and the survivor goes on.
 */
class NodeDeathIT {

  private String database;
  private String namespace;
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    database = TestServers.createDatabase();
    namespace = TestServers.newNamespace();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    Cleanup.run(
        () -> await(vertx.close()),
        () -> TestServers.dropDatabase(database),
        () -> TestServers.deleteNamespace(namespace));
  }

  @Test
  void aKilledNodeLosesNoAcknowledgedWriteOrAcceptedJob() throws Exception {
    String cluster = TestRun.uniqueName();
    Map<String, String> settings =
        Map.of(
            "LOOPLINE_CLUSTER_HEARTBEAT_TIMEOUT_SECONDS", "3",
            "LOOPLINE_REDIS_NAMESPACE", namespace,
            "LOOPLINE_JOBS_LEASE_MS", "2000",
            "LOOPLINE_JOBS_LOG_PATH", TestRun.tempDir().resolve("jobs.txt").toString(),
            "LOOPLINE_RATE_LIMIT_ENABLED", "false");
    try (NodeProcess survivor =
            NodeProcess.start(database, with(settings, NodeProcess.cluster(cluster)));
        NodeProcess victim =
            NodeProcess.start(
                database,
                with(settings, NodeProcess.cluster(cluster, survivor.hazelcastMember())))) {
      survivor.awaitLine("Loopline ready");
      victim.awaitLine("Loopline ready");
      WebClient toSurvivor = client(survivor.port());
      WebClient toVictim = client(victim.port());

      Set<Long> acknowledgedItems = ConcurrentHashMap.newKeySet();
      Set<Long> acceptedJobs = ConcurrentHashMap.newKeySet();
      AtomicInteger victimAnswers = new AtomicInteger();
      Promise<Void> victimBusy = Promise.promise();
      List<Future<HttpResponse<Buffer>>> survivorWrites = new ArrayList<>();
      List<Future<HttpResponse<Buffer>>> survivorJobs = new ArrayList<>();
      List<Future<?>> load = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        boolean toTheVictim = i % 2 == 1;
        WebClient client = toTheVictim ? toVictim : toSurvivor;
        Future<HttpResponse<Buffer>> write =
            client
                .post("/items")
                .sendJsonObject(new JsonObject().put("name", "load " + i).put("price", "1.00"))
                .onSuccess(
                    r -> {
                      if (r.statusCode() == 201) {
                        acknowledgedItems.add(r.bodyAsJsonObject().getLong("id"));
                      }
                      if (toTheVictim && victimAnswers.incrementAndGet() == 20) {
                        victimBusy.tryComplete();
                      }
                    });
        Future<HttpResponse<Buffer>> job =
            client
                .post("/log")
                .sendJsonObject(new JsonObject().put("message", "job " + i))
                .onSuccess(
                    r -> {
                      if (r.statusCode() == 202) {
                        acceptedJobs.add(r.bodyAsJsonObject().getLong("id"));
                      }
                    });
        load.add(write);
        load.add(job);
        if (!toTheVictim) {
          survivorWrites.add(write);
          survivorJobs.add(job);
        }
      }
      await(victimBusy.future());
      victim.kill();
      await(Future.join(load).otherwiseEmpty());

      // The survivor answered everything sent to it, while its peer died.
      assertThat(survivorWrites)
          .hasSize(150)
          .allSatisfy(f -> assertThat(f.succeeded() ? f.result().statusCode() : 0).isEqualTo(201));
      assertThat(survivorJobs)
          .hasSize(150)
          .allSatisfy(f -> assertThat(f.succeeded() ? f.result().statusCode() : 0).isEqualTo(202));
      // The survivor's 150 of each, and the victim's answered before it died (20 writes at least).
      assertThat(acknowledgedItems).hasSizeGreaterThanOrEqualTo(170);
      assertThat(acceptedJobs).hasSizeGreaterThanOrEqualTo(150);
      try (Connection db = TestServers.jdbc(database)) {
        assertThat(ids(db, "SELECT id FROM items")).containsAll(acknowledgedItems);
        try {
          Poll.until(
              "every accepted job is done",
              Duration.ofSeconds(90),
              () -> ids(db, "SELECT id FROM jobs WHERE state = 'done'").containsAll(acceptedJobs));
        } catch (AssertionError e) {
          try (ResultSet rows =
              db.createStatement()
                  .executeQuery(
                      "SELECT state, count(*), min(lease_expires_at), max(attempts), max(last_error), now() FROM jobs GROUP BY state")) {
            StringBuilder states = new StringBuilder();
            while (rows.next()) {
              states
                  .append(rows.getString(1))
                  .append('=')
                  .append(rows.getLong(2))
                  .append(" lease ")
                  .append(rows.getString(3))
                  .append(" attempts ")
                  .append(rows.getInt(4))
                  .append(" error ")
                  .append(rows.getString(5))
                  .append(" now ")
                  .append(rows.getString(6))
                  .append('\n');
            }
            throw new AssertionError(e.getMessage() + "; jobs: " + states + survivor.log(), e);
          }
        }
      }
      HttpResponse<Buffer> after =
          await(
              toSurvivor
                  .post("/items")
                  .sendJsonObject(new JsonObject().put("name", "after").put("price", "2.00")));
      assertThat(after.statusCode()).isEqualTo(201);
    }
  }

  private static Map<String, String> with(Map<String, String> settings, Map<String, String> more) {
    Map<String, String> all = new java.util.HashMap<>(settings);
    all.putAll(more);
    return all;
  }

  private WebClient client(int port) {
    return WebClient.create(
        vertx,
        new WebClientOptions()
            .setDefaultHost("127.0.0.1")
            .setDefaultPort(port)
            .setConnectTimeout(2000));
  }

  private static Set<Long> ids(Connection db, String sql) throws Exception {
    Set<Long> ids = new HashSet<>();
    try (ResultSet rows = db.createStatement().executeQuery(sql)) {
      while (rows.next()) {
        ids.add(rows.getLong(1));
      }
    }
    return ids;
  }
}
