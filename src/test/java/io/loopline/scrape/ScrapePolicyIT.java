package io.loopline.scrape;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.Poll;
import io.loopline.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fetch policy where a site is hostile or slow: a robots.txt built to make a regular expression
 * backtrack, Crawl-delay, robots.txt downloads that take a node-wide slot and stop with their job, and one
 * deadline ({@code scrape.totalTimeoutMs}) over a whole fetch, robots.txt, redirects and retries included.
 * Two nodes: {@code tight} has one node-wide slot and a 2 s deadline, {@code patient} the defaults.
 */
class ScrapePolicyIT {

  private static final long DEADLINE_MS = 2000;

  private static TestSite site;
  private static TestNode tight;
  private static TestNode patient;

  @BeforeAll
  static void start() {
    site = new TestSite();
    JsonArray allow = new JsonArray().add(TestSite.HOST_A).add(TestSite.HOST_B);
    tight =
        TestNode.start(
            new JsonObject()
                .put(
                    "scrape",
                    new JsonObject()
                        .put("allow", allow)
                        .put("globalConcurrency", 1)
                        .put("backoffMs", 50)
                        .put("idleTimeoutMs", 1500)
                        .put("totalTimeoutMs", DEADLINE_MS)
                        .put("cacheTtlSeconds", 0)));
    patient =
        TestNode.start(
            new JsonObject()
                .put(
                    "scrape",
                    new JsonObject()
                        .put("allow", allow)
                        .put("pollMs", 200)
                        .put("cacheTtlSeconds", 0)));
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(tight, patient, site);
  }

  private static JsonArray scrape(TestNode node, String... urls) {
    HttpResponse<Buffer> response =
        await(
            node.client()
                .post("/scrape")
                .sendJsonObject(
                    new JsonObject().put("urls", new JsonArray(List.of((Object[]) urls)))));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getJsonArray("results");
  }

  private static double metric(TestNode node, String name) {
    String text = await(node.client().get("/metrics").send()).bodyAsString();
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})? (\\S+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  /**
   * The issue's reproduction: {@code Disallow: /*a*a...b} and a long URL of {@code a}s. The regular
   * expression it became backtracked on the scraper's event loop for minutes; now the page is fetched at
   * once and no event loop is reported blocked.
   */
  @Test
  void aRobotsTxtBuiltToBacktrackDoesNotStallTheScraper() {
    String longPath = "/" + "a".repeat(1900);
    String url = site.url(longPath);
    site.robots(
        url, new TestSite.Robots("User-agent: *\nDisallow: /" + "*a".repeat(40) + "b\n", 0));
    double warnings = metric(patient, "loopline_blocked_thread_warnings_total");

    JsonArray results = scrape(patient, url, site.url(longPath.substring(0, 100) + "b"));

    assertThat(results.getJsonObject(0).getInteger("status"))
        .as(results.encode())
        .isEqualTo(404); // allowed: fetched
    assertThat(results.getJsonObject(1).getJsonObject("error").getString("code"))
        .isEqualTo("robots");
    assertThat(metric(patient, "loopline_blocked_thread_warnings_total")).isEqualTo(warnings);
  }

  @Test
  void crawlDelaySpacesTheFetchesToItsHost() {
    site.robots(site.urlB("/"), new TestSite.Robots("User-agent: *\nCrawl-delay: 0.5\n", 0));
    String[] urls = {
      site.urlB("/page/301"), site.urlB("/page/302"), site.urlB("/page/303"), site.urlB("/page/304")
    };

    JsonArray results = scrape(patient, urls);

    assertThat(results)
        .allSatisfy(r -> assertThat(((JsonObject) r).getInteger("status")).isEqualTo(200));
    List<Long> starts =
        List.of(
                site.arrivals("/page/301").get(0),
                site.arrivals("/page/302").get(0),
                site.arrivals("/page/303").get(0),
                site.arrivals("/page/304").get(0))
            .stream()
            .sorted()
            .toList();
    // 500 ms apart as the scraper starts them; the site sees each a little later, by a varying
    // amount.
    for (int i = 1; i < starts.size(); i++) {
      assertThat(starts.get(i) - starts.get(i - 1))
          .as("gaps between %s", starts)
          .isGreaterThanOrEqualTo(400);
    }
  }

  @Test
  void aRobotsTxtDownloadTakesANodeWideSlot() {
    String slow = site.otherOrigin(TestSite.HOST_B, 1, "/page/311");
    site.robots(slow, new TestSite.Robots(TestSite.ROBOTS, 500));
    site.resetMax();

    JsonArray results =
        scrape(tight, slow, site.url("/slow?ms=300&n=312"), site.url("/slow?ms=300&n=313"));

    assertThat(results)
        .allSatisfy(
            r -> assertThat(((JsonObject) r).getInteger("status")).as(r.toString()).isEqualTo(200));
    // One slot on the node: the slow robots.txt of B and the fetches from A never overlap.
    assertThat(site.maxInFlight(TestSite.ALL)).isEqualTo(1);
  }

  @Test
  void aRobotsTxtDownloadStopsWithItsJob() {
    String url = site.otherOrigin(TestSite.HOST_B, 2, "/page/321");
    site.robots(url, new TestSite.Robots("", -1)); // never answers
    int before = site.requests("/robots.txt");
    long id = submit(url);
    Poll.until(
        "robots.txt asked",
        Duration.ofSeconds(30),
        () -> site.requests("/robots.txt") > before && site.inFlight(TestSite.HOST_B) == 1);

    assertThat(await(patient.client().delete("/scrape-jobs/" + id).send()).statusCode())
        .isEqualTo(200);

    // The download is reset long before any timeout of the patient node (idle 10 s, total 30 s)
    // ends it.
    Poll.until(
        "robots.txt download stopped",
        Duration.ofSeconds(5),
        () -> site.inFlight(TestSite.HOST_B) == 0);
    Poll.until(
        "no fetch in flight on the node",
        Duration.ofSeconds(5),
        () -> metric(patient, "loopline_scrape_in_flight") == 0);
    assertThat(site.requests("/page/321")).isZero();
  }

  @Test
  void aRobotsTxtDownloadSharedByTwoJobsGoesOnWhenOneIsCancelled() {
    String first = site.otherOrigin(TestSite.HOST_A, 2, "/page/341");
    String second = site.otherOrigin(TestSite.HOST_A, 2, "/page/342");
    site.robots(first, new TestSite.Robots(TestSite.ROBOTS, 3000));
    long cancelled = submit(first);
    Poll.until(
        "robots.txt asked", Duration.ofSeconds(30), () -> site.inFlight(TestSite.HOST_A) == 1);
    long kept = submit(second);
    Poll.until(
        "second job running",
        Duration.ofSeconds(30),
        () -> "running".equals(job(kept).getString("state")));

    assertThat(await(patient.client().delete("/scrape-jobs/" + cancelled).send()).statusCode())
        .isEqualTo(200);

    Poll.until(
        "second job done",
        Duration.ofSeconds(30),
        () -> "done".equals(job(kept).getString("state")));
    assertThat(job(kept).getJsonObject("counts").getInteger("done")).isEqualTo(1);
    assertThat(site.requests("/page/342")).isEqualTo(1);
    assertThat(site.requests("/page/341")).isZero();
  }

  private static long submit(String url) {
    HttpResponse<Buffer> accepted =
        await(
            patient
                .client()
                .post("/scrape-jobs")
                .sendJsonObject(new JsonObject().put("urls", new JsonArray().add(url))));
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    return accepted.bodyAsJsonObject().getLong("id");
  }

  private static JsonObject job(long id) {
    return await(patient.client().get("/scrape-jobs/" + id).send()).bodyAsJsonObject();
  }

  @Test
  void aChainOfSlowRedirectsEndsAtTheDeadline() {
    // Four hops of 700 ms: each well within the idle timeout, 2.8 s together.
    JsonObject result = scrape(tight, site.url("/slow-redirect/3?ms=700")).getJsonObject(0);

    assertThat(result.getJsonObject("error").getString("code"))
        .as(result.encode())
        .isEqualTo("timeout");
    assertThat(result.getLong("elapsedMs")).isBetween(DEADLINE_MS, DEADLINE_MS * 3);
    assertThat(site.requests("/slow-redirect/0?ms=700")).isZero();
  }

  @Test
  void retriesEndAtTheDeadline() {
    // Three attempts of 800 ms each (retries 2), 2.4 s together.
    JsonObject result = scrape(tight, site.url("/unavailable?ms=800")).getJsonObject(0);

    assertThat(result.getJsonObject("error").getString("code"))
        .as(result.encode())
        .isEqualTo("timeout");
    assertThat(result.getLong("elapsedMs")).isBetween(DEADLINE_MS, DEADLINE_MS * 3);
    assertThat(site.requests("/unavailable?ms=800")).isBetween(2, 3);
  }

  @Test
  void aSlowRobotsTxtCountsAgainstTheDeadline() {
    // robots.txt in 1.2 s, then the page in 1.2 s: each within the idle timeout, 2.4 s together.
    String url = site.otherOrigin(TestSite.HOST_A, 1, "/slow?ms=1200&n=331");
    site.robots(url, new TestSite.Robots(TestSite.ROBOTS, 1200));

    JsonObject result = scrape(tight, url).getJsonObject(0);

    assertThat(result.getJsonObject("error").getString("code"))
        .as(result.encode())
        .isEqualTo("timeout");
    assertThat(result.getLong("elapsedMs")).isBetween(DEADLINE_MS, DEADLINE_MS * 3);
  }
}
