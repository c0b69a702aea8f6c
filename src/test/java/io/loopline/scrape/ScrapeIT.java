package io.loopline.scrape;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.Addresses;
import io.loopline.support.MetricsScrape;
import io.loopline.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /scrape against the local test site: results, redirects, retries, limits, robots.txt and the SSRF guard. */
class ScrapeIT {

  private static TestSite site;
  private static TestNode node;

  @BeforeAll
  static void start() {
    site = new TestSite();
    node =
        TestNode.start(
            new JsonObject()
                .put(
                    "scrape",
                    new JsonObject()
                        .put(
                            "allow",
                            new JsonArray().add(TestSite.HOST_A).add(TestSite.HOST_B + "/32"))
                        .put("perHostConcurrency", 3)
                        .put("backoffMs", 50)
                        .put("maxBackoffMs", 2000)
                        // Long enough that no page of the test site times out on a stalled machine;
                        // the silent server's
                        // 60 s still does.
                        .put("idleTimeoutMs", 5000)
                        .put("totalTimeoutMs", 10_000)));
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(node, site);
  }

  private static JsonArray scrape(JsonObject options, String... urls) {
    HttpResponse<Buffer> response =
        await(
            node.client()
                .post("/scrape")
                .sendJsonObject(
                    new JsonObject()
                        .put("urls", new JsonArray(List.of((Object[]) urls)))
                        .put("options", options)));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonArray results = response.bodyAsJsonObject().getJsonArray("results");
    assertThat(results).hasSize(urls.length);
    return results;
  }

  private static JsonObject noCache() {
    return new JsonObject().put("cache", false);
  }

  @Test
  void aBatchAnswersOneResultPerUrlInTheOrderGiven() {
    String page = site.url("/page/1");
    JsonArray results =
        scrape(
            noCache(),
            page,
            site.url("/data.json"),
            site.url("/broken"),
            "ftp://example.invalid/x",
            "HTTP://" + TestSite.HOST_A + ":" + site.port() + "/page/1#top");

    JsonObject html = results.getJsonObject(0);
    assertThat(html.getString("url")).isEqualTo(page);
    assertThat(html.getString("finalUrl")).isEqualTo(page);
    assertThat(html.getInteger("status")).isEqualTo(200);
    assertThat(html.getString("contentType")).isEqualTo("text/html; charset=utf-8");
    byte[] body = TestSite.page(1).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(html.getLong("bytes")).isEqualTo(body.length);
    assertThat(html.getBoolean("truncated")).isFalse();
    assertThat(html.getString("sha256")).isEqualTo(Fetcher.sha256(Buffer.buffer(body)));
    assertThat(html.getString("title")).isEqualTo("Page 1");
    assertThat(html.getString("description")).isEqualTo("About page 1");
    assertThat(html.getJsonArray("links").getList())
        .containsExactly(
            site.url("/page/2"),
            site.url("/page/3"),
            "http://" + TestSite.HOST_B + "/elsewhere",
            page);
    assertThat(html.getInteger("linkCount")).isEqualTo(4);
    assertThat(html.getString("excerpt"))
        .startsWith("Page 1 Text of page 1 word")
        .hasSizeLessThanOrEqualTo(300);
    assertThat(html.getLong("elapsedMs")).isNotNegative();

    JsonObject json = results.getJsonObject(1);
    assertThat(json.getString("contentType")).isEqualTo("application/json");
    assertThat(json.getLong("bytes")).isEqualTo(8);
    assertThat(json.containsKey("title")).isFalse();

    JsonObject broken = results.getJsonObject(2);
    assertThat(broken.getInteger("status")).isEqualTo(200);
    assertThat(broken.getString("title")).isEqualTo("Broken");
    assertThat(broken.getJsonArray("links").getList()).containsExactly(site.url("/page/1"));

    assertThat(results.getJsonObject(3).getJsonObject("error").getString("code"))
        .isEqualTo("invalid-url");
    // The same page spelled differently: one fetch, the result under the URL as given.
    assertThat(results.getJsonObject(4).getString("url")).startsWith("HTTP://");
    assertThat(results.getJsonObject(4).getString("sha256")).isEqualTo(html.getString("sha256"));
    assertThat(site.requests("/page/1")).isEqualTo(1);
  }

  @Test
  void redirectsAreFollowedUpToFiveAndLoopsAreStopped() {
    JsonArray results =
        scrape(noCache(), site.url("/redirect/5"), site.url("/redirect/6"), site.url("/loop/a"));

    assertThat(results.getJsonObject(0).getString("finalUrl")).isEqualTo(site.url("/redirect/0"));
    assertThat(results.getJsonObject(0).getString("title")).isEqualTo("Page 0");
    assertThat(results.getJsonObject(1).getJsonObject("error").getString("code"))
        .isEqualTo("too-many-redirects");
    assertThat(results.getJsonObject(2).getJsonObject("error").getString("code"))
        .isEqualTo("redirect-loop");
  }

  @Test
  void a429IsRetriedAfterItsRetryAfterAnd5xxAtMostTwice() {
    JsonArray results =
        scrape(
            noCache(),
            site.url("/busy/1"),
            site.url("/error/1"),
            site.url("/flaky/1"),
            site.url("/busy-long/1"));

    JsonObject busy = results.getJsonObject(0);
    assertThat(busy.getInteger("status")).isEqualTo(200);
    assertThat(busy.getLong("elapsedMs")).isGreaterThanOrEqualTo(1000);
    assertThat(site.requests("/busy/1")).isEqualTo(2);
    assertThat(results.getJsonObject(1).getInteger("status")).isEqualTo(500);
    assertThat(site.requests("/error/1")).isEqualTo(3);
    assertThat(results.getJsonObject(2).getInteger("status")).isEqualTo(200);
    assertThat(site.requests("/flaky/1")).isEqualTo(2);
    // A Retry-After longer than scrape.maxBackoffMs is not waited for: the 429 is the answer.
    assertThat(results.getJsonObject(3).getInteger("status")).isEqualTo(429);
    assertThat(site.requests("/busy-long/1")).isEqualTo(1);
  }

  @Test
  void aBodyOverTheLimitIsCutAndMarkedTruncated() {
    JsonObject big = scrape(noCache(), site.url("/big")).getJsonObject(0);

    assertThat(big.getInteger("status")).isEqualTo(200);
    assertThat(big.getBoolean("truncated")).isTrue();
    assertThat(big.getLong("bytes")).isEqualTo(5L * 1024 * 1024);
    assertThat(big.getString("sha256")).hasSize(64);
  }

  @Test
  void robotsTxtIsHonouredAndFetchedOncePerHost() {
    // An origin no other test of this class asks, so its robots.txt has not been read before.
    int robotsBefore = site.requests("/robots.txt");
    JsonArray results =
        scrape(
            noCache(),
            site.otherOrigin(TestSite.HOST_B, 1, "/private/secret"),
            site.otherOrigin(TestSite.HOST_B, 1, "/private/open"),
            site.otherOrigin(TestSite.HOST_B, 1, "/page/4"),
            site.otherOrigin(TestSite.HOST_B, 1, "/page/5"));

    assertThat(results.getJsonObject(0).getJsonObject("error").getString("code"))
        .isEqualTo("robots");
    assertThat(results.getJsonObject(1).getInteger("status")).isEqualTo(200);
    assertThat(results.getJsonObject(2).getInteger("status")).isEqualTo(200);
    assertThat(site.requests("/private/secret")).isZero();
    assertThat(site.requests("/robots.txt") - robotsBefore)
        .as("robots.txt read once for four pages")
        .isEqualTo(1);
    JsonObject ignoring =
        scrape(
                noCache().put("robots", false),
                site.otherOrigin(TestSite.HOST_B, 1, "/private/secret"))
            .getJsonObject(0);
    assertThat(ignoring.getInteger("status")).isEqualTo(200);
  }

  @Test
  void theGuardRefusesLoopbackOutsideTheAllowlistAlsoAfterARedirect() {
    JsonArray results =
        scrape(
            noCache(),
            site.trapUrl("/page/1"),
            site.url("/to-trap"),
            "http://localhost:" + site.port() + "/page/1",
            "http://[::1]:" + site.port() + "/page/1",
            "http://0.0.0.0:" + site.port() + "/page/1",
            "file:///etc/passwd");

    for (int i = 0; i < 5; i++) {
      assertThat(results.getJsonObject(i).getJsonObject("error").getString("code"))
          .as(results.getJsonObject(i).encode())
          .isEqualTo("blocked");
    }
    assertThat(results.getJsonObject(5).getJsonObject("error").getString("code"))
        .isEqualTo("invalid-url");
    assertThat(site.requests("/to-trap")).isEqualTo(1);
    assertThat(site.trapConnections()).isZero();
  }

  @Test
  void concurrencyPerHostNeverExceedsTheLimit() {
    site.resetMax();
    String[] urls =
        IntStream.range(0, 24)
            .mapToObj(
                i ->
                    (i % 2 == 0
                        ? site.url("/slow?ms=500&n=" + i)
                        : site.urlB("/slow?ms=500&n=" + i)))
            .toArray(String[]::new);
    JsonArray results = scrape(noCache().put("robots", false), urls);

    assertThat(results)
        .allSatisfy(r -> assertThat(((JsonObject) r).getInteger("status")).isEqualTo(200));
    assertThat(site.maxInFlight(TestSite.HOST_A)).isBetween(2, 3);
    assertThat(site.maxInFlight(TestSite.HOST_B)).isBetween(2, 3);
    site.resetMax();
    scrape(
        noCache().put("robots", false).put("perHostConcurrency", 1).put("concurrency", 1),
        site.url("/slow?ms=50&x=1"),
        site.url("/slow?ms=50&x=2"),
        site.urlB("/slow?ms=50&x=3"));
    assertThat(site.maxInFlight(TestSite.HOST_A)).isEqualTo(1);
  }

  @Test
  void aSilentServerTimesOut() {
    JsonObject slow = scrape(noCache(), site.url("/slow?ms=60000")).getJsonObject(0);

    assertThat(slow.getJsonObject("error").getString("code")).isEqualTo("timeout");
    assertThat(site.requests("/slow?ms=60000")).isEqualTo(1);
  }

  @Test
  void resultsAreCachedByUrlUnlessTheRequestSaysNot() {
    String url = site.url("/page/77");
    JsonObject first = scrape(new JsonObject(), url).getJsonObject(0);
    JsonObject second = scrape(new JsonObject(), url).getJsonObject(0);
    scrape(noCache(), url);

    assertThat(first.containsKey("cached")).isFalse();
    assertThat(second.getBoolean("cached")).isTrue();
    assertThat(second.getString("sha256")).isEqualTo(first.getString("sha256"));
    assertThat(site.requests("/page/77")).isEqualTo(2);
  }

  @Test
  void invalidBatchesAreRefused() {
    JsonArray tooMany =
        new JsonArray(
            IntStream.range(0, 51).mapToObj(i -> (Object) site.url("/page/" + i)).toList());
    assertProblem(
        await(node.client().post("/scrape").sendJsonObject(new JsonObject().put("urls", tooMany))),
        400);
    assertProblem(
        await(
            node.client()
                .post("/scrape")
                .sendJsonObject(new JsonObject().put("urls", new JsonArray()))),
        400);
    assertProblem(
        await(
            node.client()
                .post("/scrape")
                .sendJsonObject(
                    new JsonObject()
                        .put("urls", new JsonArray().add(site.url("/page/1")))
                        .put("options", new JsonObject().put("speed", 9)))),
        400);
  }

  @Test
  void fetchesAreCountedByOutcome() {
    // The node is shared with the other tests of this class: what this batch adds is counted,
    // nothing else.
    String ok = "loopline_scrape_fetches_total{outcome=\"2xx\"}";
    String blocked = "loopline_scrape_fetches_total{outcome=\"blocked\"}";
    double okBefore = MetricsScrape.value(node, ok);
    double blockedBefore = MetricsScrape.value(node, blocked);

    scrape(noCache().put("robots", false), site.url("/page/90"), site.trapUrl("/page/90"));

    assertThat(MetricsScrape.value(node, ok) - okBefore).isEqualTo(1.0);
    assertThat(MetricsScrape.value(node, blocked) - blockedBefore).isEqualTo(1.0);
    assertThat(await(node.client().get("/metrics").send()).bodyAsString())
        .contains("loopline_scrape_in_flight ");
  }

  @Test
  void theBatchIsOnTheEventBusToo() {
    Message<JsonObject> reply =
        await(
            node.vertx()
                .eventBus()
                .<JsonObject>request(
                    Addresses.SCRAPE_BATCH,
                    new JsonObject()
                        .put("urls", new JsonArray().add(site.url("/page/8")))
                        .put("options", noCache())));

    assertThat(reply.body().getJsonArray("results").getJsonObject(0).getString("title"))
        .isEqualTo("Page 8");
  }
}
