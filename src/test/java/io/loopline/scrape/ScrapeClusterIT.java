package io.loopline.scrape;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.NodeProcess;
import io.loopline.support.Poll;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A scrape job in a cluster: a store node (HTTP, persistence, cache) in this JVM, and two scraper nodes as
 * processes that claim the job's pages over the clustered event bus. One scraper is killed with kill -9
 * mid-job; the other finishes it, and every page is stored once.
 */
class ScrapeClusterIT {

  private static final Pattern FETCHES =
      Pattern.compile("^loopline_scrape_fetches_total\\{[^}]*\\} ([0-9.E]+)$", Pattern.MULTILINE);

  @Test
  void twoScraperNodesShareAJobAndTheSurvivorFinishesItWhenOneIsKilled() throws Exception {
    try (TestSite site = new TestSite();
        TestNode store =
            TestNode.start(
                new JsonObject()
                    .put("roles", new JsonArray().add("http").add("persistence").add("cache"))
                    .put(
                        "cluster",
                        new JsonObject().put("enabled", true).put("heartbeatTimeoutSeconds", 3)))) {
      Map<String, String> scraper =
          new HashMap<>(
              NodeProcess.cluster(store.node().config().cluster().name(), store.hazelcastMember()));
      scraper.putAll(
          Map.of(
              "LOOPLINE_ROLES", "http,scraper",
              "LOOPLINE_CLUSTER_HEARTBEAT_TIMEOUT_SECONDS", "3",
              "LOOPLINE_REDIS_NAMESPACE", store.redisNamespace(),
              "LOOPLINE_SCRAPE_ALLOW", TestSite.HOST_A,
              "LOOPLINE_SCRAPE_LEASE_MS", "5000",
              "LOOPLINE_SCRAPE_JOB_CONCURRENCY", "4"));
      try (NodeProcess victim = NodeProcess.start(store.databaseUrl(), scraper);
          NodeProcess survivor = NodeProcess.start(store.databaseUrl(), scraper)) {
        victim.awaitLine("Loopline ready");
        survivor.awaitLine("Loopline ready");
        Vertx vertx = store.vertx();
        WebClient victimClient = client(vertx, victim.port());
        WebClient survivorClient = client(vertx, survivor.port());

        // A second per page: a runner holds its four pages nearly all the time, so the victim dies
        // holding some.
        JsonArray urls =
            new JsonArray(
                IntStream.range(0, 60)
                    .mapToObj(i -> (Object) site.url("/slow?ms=1000&r=" + i))
                    .toList());
        HttpResponse<Buffer> accepted =
            await(
                store
                    .client()
                    .post("/scrape-jobs")
                    .sendJsonObject(
                        new JsonObject()
                            .put("urls", urls)
                            .put(
                                "options",
                                new JsonObject().put("robots", false).put("cache", false))));
        assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
        long id = accepted.bodyAsJsonObject().getLong("id");

        Poll.until(
            "both scraper nodes have fetched pages",
            Duration.ofSeconds(60),
            () -> fetches(victimClient) > 0 && fetches(survivorClient) > 0);
        String victimOwner = victim.process().pid() + "-scrape-%";
        Poll.until(
            "the victim holds pages",
            Duration.ofSeconds(60),
            () -> !held(store, id, victimOwner).isEmpty());
        victim.kill();
        // What it held when it died (its leases run 5 s: no one has taken them yet).
        List<Long> orphaned = held(store, id, victimOwner);
        assertThat(orphaned).as("pages the killed node held").isNotEmpty();

        Poll.until(
            "the job is done",
            Duration.ofSeconds(60),
            () ->
                "done"
                    .equals(
                        await(store.client().get("/scrape-jobs/" + id).send())
                            .bodyAsJsonObject()
                            .getString("state")));
        JsonObject counts =
            await(store.client().get("/scrape-jobs/" + id).send())
                .bodyAsJsonObject()
                .getJsonObject("counts");
        assertThat(counts.getInteger("done")).isEqualTo(60);
        assertThat(counts.getInteger("failed")).isZero();
        try (Connection db = TestServers.jdbc(store.databaseUrl());
            ResultSet rows =
                db.createStatement()
                    .executeQuery(
                        "SELECT count(*), count(DISTINCT url), "
                            + "count(*) FILTER (WHERE state = 'done') FROM scrape_pages WHERE job_id = "
                            + id)) {
          rows.next();
          assertThat(rows.getInt(1)).isEqualTo(60);
          assertThat(rows.getInt(2)).isEqualTo(60);
          assertThat(rows.getInt(3)).isEqualTo(60);
        }
        // The killed node's pages were taken over once its leases ran out: claimed a second time,
        // then done.
        try (Connection db = TestServers.jdbc(store.databaseUrl());
            ResultSet rows =
                db.createStatement()
                    .executeQuery(
                        "SELECT id, state, attempts, lease_owner FROM scrape_pages WHERE id IN ("
                            + orphaned.stream()
                                .map(String::valueOf)
                                .collect(Collectors.joining(","))
                            + ")")) {
          int taken = 0;
          while (rows.next()) {
            taken++;
            assertThat(rows.getString("state")).as("page " + rows.getLong("id")).isEqualTo("done");
            assertThat(rows.getInt("attempts")).as("page " + rows.getLong("id")).isEqualTo(2);
            String owner = rows.getString("lease_owner");
            assertThat(owner == null || !owner.startsWith(victim.process().pid() + "-"))
                .as("page " + rows.getLong("id"))
                .isTrue();
          }
          assertThat(taken).isEqualTo(orphaned.size());
        }
      }
    }
  }

  /** Ids of the job's pages running under a lease whose owner matches {@code ownerPattern} (SQL LIKE). */
  private static List<Long> held(TestNode store, long job, String ownerPattern)
      throws SQLException {
    try (Connection db = TestServers.jdbc(store.databaseUrl());
        PreparedStatement query =
            db.prepareStatement(
                "SELECT id FROM scrape_pages WHERE job_id = ? AND state = 'running' AND lease_owner LIKE ? ORDER BY id")) {
      query.setLong(1, job);
      query.setString(2, ownerPattern);
      List<Long> ids = new ArrayList<>();
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          ids.add(rows.getLong(1));
        }
      }
      return ids;
    }
  }

  private static WebClient client(Vertx vertx, int port) {
    return WebClient.create(
        vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  /** Pages this node fetched, from its Prometheus metrics. */
  private static double fetches(WebClient node) {
    String metrics = await(node.get("/metrics").send()).bodyAsString();
    double total = 0;
    Matcher matcher = FETCHES.matcher(metrics);
    while (matcher.find()) {
      total += Double.parseDouble(matcher.group(1));
    }
    return total;
  }
}
