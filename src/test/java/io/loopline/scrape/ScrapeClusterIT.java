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
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A scrape job in a cluster: a store node (HTTP, persistence, cache) in this JVM, and two scraper nodes as
 * processes that claim the job's pages over the clustered event bus. One scraper is killed with kill -9
 * mid-job; the other finishes it, and every page is stored once.
 */
class ScrapeClusterIT {

  private static final Pattern FETCHES = Pattern.compile("^loopline_scrape_fetches_total\\{[^}]*\\} ([0-9.E]+)$", Pattern.MULTILINE);

  @Test
  void twoScraperNodesShareAJobAndTheSurvivorFinishesItWhenOneIsKilled() throws Exception {
    try (TestSite site = new TestSite();
        TestNode store = TestNode.start(new JsonObject()
            .put("roles", new JsonArray().add("http").add("persistence").add("cache"))
            .put("cluster", new JsonObject().put("enabled", true).put("heartbeatTimeoutSeconds", 3)))) {
      Map<String, String> scraper = new HashMap<>(NodeProcess.cluster(store.node().config().cluster().name(), store.hazelcastMember()));
      scraper.putAll(Map.of(
          "LOOPLINE_ROLES", "http,scraper",
          "LOOPLINE_CLUSTER_HEARTBEAT_TIMEOUT_SECONDS", "3",
          "LOOPLINE_REDIS_NAMESPACE", store.redisNamespace(),
          "LOOPLINE_SCRAPE_ALLOW", TestSite.HOST_A,
          "LOOPLINE_SCRAPE_LEASE_MS", "2000",
          "LOOPLINE_SCRAPE_JOB_CONCURRENCY", "4"));
      try (NodeProcess victim = NodeProcess.start(store.databaseUrl(), scraper);
          NodeProcess survivor = NodeProcess.start(store.databaseUrl(), scraper)) {
        victim.awaitLine("Loopline ready");
        survivor.awaitLine("Loopline ready");
        Vertx vertx = store.vertx();
        WebClient victimClient = client(vertx, victim.port());
        WebClient survivorClient = client(vertx, survivor.port());

        JsonArray urls = new JsonArray(IntStream.range(0, 60).mapToObj(i -> (Object) site.url("/slow?ms=150&r=" + i)).toList());
        HttpResponse<Buffer> accepted = await(store.client().post("/scrape-jobs").sendJsonObject(new JsonObject()
            .put("urls", urls).put("options", new JsonObject().put("robots", false).put("cache", false))));
        assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
        long id = accepted.bodyAsJsonObject().getLong("id");

        Poll.until("both scraper nodes have fetched pages", Duration.ofSeconds(30),
            () -> fetches(victimClient) > 0 && fetches(survivorClient) > 0);
        victim.kill();

        Poll.until("the job is done", Duration.ofSeconds(60), () -> "done".equals(
            await(store.client().get("/scrape-jobs/" + id).send()).bodyAsJsonObject().getString("state")));
        JsonObject counts = await(store.client().get("/scrape-jobs/" + id).send()).bodyAsJsonObject().getJsonObject("counts");
        assertThat(counts.getInteger("done")).isEqualTo(60);
        assertThat(counts.getInteger("failed")).isZero();
        try (Connection db = TestServers.jdbc(store.databaseUrl());
            ResultSet rows = db.createStatement().executeQuery("SELECT count(*), count(DISTINCT url), "
                + "count(*) FILTER (WHERE state = 'done') FROM scrape_pages WHERE job_id = " + id)) {
          rows.next();
          assertThat(rows.getInt(1)).isEqualTo(60);
          assertThat(rows.getInt(2)).isEqualTo(60);
          assertThat(rows.getInt(3)).isEqualTo(60);
        }
      }
    }
  }

  private static WebClient client(Vertx vertx, int port) {
    return WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
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
