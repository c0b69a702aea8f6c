package io.loopline.scrape;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.Addresses;
import io.loopline.support.Poll;
import io.loopline.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Crawler features of jobs: scope rules, canonical dedupe, sitemaps, autothrottle; on loopback sites. */
class ScrapeCrawlIT {

  private static final Duration LIMIT = Duration.ofSeconds(90);

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
                        .put("allow", new JsonArray().add("127.0.0.2/31"))
                        .put("pollMs", 200)
                        .put("backoffMs", 50)
                        .put("cacheTtlSeconds", 0)));
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(node, site);
  }

  private static long submit(JsonObject options, String... urls) {
    HttpResponse<Buffer> accepted =
        await(
            node.client()
                .post("/scrape-jobs")
                .sendJsonObject(
                    new JsonObject()
                        .put("urls", new JsonArray(List.of((Object[]) urls)))
                        .put("options", options)));
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    long id = accepted.bodyAsJsonObject().getLong("id");
    Poll.until(
        "job " + id + " done",
        LIMIT,
        () ->
            "done"
                .equals(
                    await(
                            node.vertx()
                                .eventBus()
                                .<JsonObject>request(
                                    Addresses.SCRAPE_JOBS_GET, new JsonObject().put("id", id))
                                .map(Message::body))
                        .getString("state")));
    return id;
  }

  private static List<JsonObject> pages(long id) {
    JsonArray pages =
        await(node.client().get("/scrape-jobs/" + id + "/pages?limit=200").send())
            .bodyAsJsonObject()
            .getJsonArray("pages");
    List<JsonObject> out = new ArrayList<>();
    pages.forEach(p -> out.add((JsonObject) p));
    return out;
  }

  private static List<String> urls(long id) {
    return pages(id).stream().map(p -> p.getString("url")).toList();
  }

  @Test
  void includeAndExcludeGlobsAndTheDomainScopeChooseTheLinksFollowed() {
    long hostOnly =
        submit(
            new JsonObject()
                .put("depth", 1)
                .put("maxPages", 10)
                .put("include", new JsonArray().add("*/keep/*"))
                .put("exclude", new JsonArray().add("*drop=*")),
            site.url("/scoped/1"));
    assertThat(urls(hostOnly)).containsExactly(site.url("/scoped/1"), site.url("/keep/1"));

    // 127.0.0.2 and 127.0.0.3 are different hosts; "domain" takes in names under the host, not
    // other hosts
    long domain =
        submit(
            new JsonObject().put("depth", 1).put("maxPages", 10).put("scope", "domain"),
            site.url("/scoped/2"));
    assertThat(urls(domain))
        .containsExactly(
            site.url("/scoped/2"),
            site.url("/keep/1"),
            site.url("/keep/2?drop=1"),
            site.url("/other/3"));
    assertThat(ScrapeScope.matches("https://*.example.com/a/*", "https://www.example.com/a/b/c"))
        .isTrue();
    assertThat(ScrapeScope.matches("https://*.example.com/a/*", "https://example.com/a/b"))
        .isFalse();
    assertThat(ScrapeScope.matches("*", "")).isTrue();
    assertThat(ScrapeScope.matches("a*b*c", "abc")).isTrue();
    assertThat(ScrapeScope.matches("a*b*c", "acb")).isFalse();
  }

  @Test
  void aPageNamingAnotherAsCanonicalIsStoredAsItsCopyAndOnlyTheCanonicalPageIsFollowed() {
    long id =
        submit(
            new JsonObject().put("depth", 1).put("maxPages", 10).put("canonical", true),
            site.url("/canonical/950"));
    List<JsonObject> pages = pages(id);
    assertThat(pages.stream().map(p -> p.getString("url")))
        .containsExactly(site.url("/canonical/950"), site.url("/page/950"));
    assertThat(pages.get(0).getJsonObject("result").getString("duplicateOf"))
        .isEqualTo(site.url("/page/950"));
    assertThat(pages.get(0).getJsonObject("result").getString("canonical"))
        .isEqualTo(site.url("/page/950"));
    assertThat(site.requests("/page/900")).isZero(); // the copy's own links are not followed
  }

  @Test
  void sitemapsPlainIndexedGzippedAndFromRobotsTxtAddTheirUrls() {
    long plain =
        submit(
            new JsonObject().put("sitemaps", new JsonArray().add(site.url("/sitemap.xml"))),
            site.url("/page/800"));
    assertThat(urls(plain))
        .containsExactly(site.url("/page/800"), site.url("/page/801"), site.url("/page/802"));

    long index =
        submit(
            new JsonObject().put("sitemaps", new JsonArray().add(site.url("/sitemap-index.xml"))),
            site.url("/page/800"));
    assertThat(urls(index))
        .containsExactlyInAnyOrder(
            site.url("/page/800"),
            site.url("/page/801"),
            site.url("/page/802"),
            site.url("/page/803"),
            site.url("/page/804"));
    assertThat(pages(index)).allSatisfy(p -> assertThat(p.getString("state")).isEqualTo("done"));

    String origin = site.otherOrigin(TestSite.HOST_A, 1, "");
    site.robots(
        origin + "/",
        new TestSite.Robots(
            "User-agent: *\nDisallow: /private\nSitemap: " + origin + "/sitemap.xml\n", 0));
    long robots = submit(new JsonObject().put("robotsSitemaps", true), origin + "/page/800");
    assertThat(urls(robots))
        .containsExactly(origin + "/page/800", origin + "/page/801", origin + "/page/802");

    // bounded by maxPages: the sitemap's URLs beyond it are left out
    long bounded =
        submit(
            new JsonObject()
                .put("maxPages", 2)
                .put("sitemaps", new JsonArray().add(site.url("/sitemap.xml"))),
            site.url("/page/800"));
    assertThat(urls(bounded)).containsExactly(site.url("/page/800"), site.url("/page/801"));
  }

  @Test
  void sitemapUrlsThatAreNotUrlsAreRefused() {
    assertProblem(
        await(
            node.client()
                .post("/scrape-jobs")
                .sendJsonObject(
                    new JsonObject()
                        .put("urls", new JsonArray().add(site.url("/page/1")))
                        .put(
                            "options",
                            new JsonObject()
                                .put("sitemaps", new JsonArray().add("ftp://x/sitemap.xml"))))),
        400);
  }

  /**
   * A host that answers 429 with Retry-After: 1 slows the whole host down, not only the page retried: with
   * autothrottle the next page starts a second later. Without it, it would start as soon as the first answer came.
   */
  @Test
  void autothrottleHonoursRetryAfterForTheWholeHost() {
    submit(
        new JsonObject()
            .put("autothrottle", true)
            .put("concurrency", 1)
            .put("perHostConcurrency", 1),
        site.url("/throttled/1"),
        site.url("/throttled/2"));
    // whichever page the host answered with the 429, the other one started a second after it
    long one = site.arrivals("/throttled/1").get(0);
    long two = site.arrivals("/throttled/2").get(0);
    assertThat(Math.abs(two - one)).isGreaterThanOrEqualTo(900);
  }

  /** A slow host gets its fetches spaced: about its latency apart (target concurrency 1), not all at once. */
  @Test
  void autothrottleSpacesFetchesToAHostThatSlowsDown() {
    String[] urls =
        IntStream.range(0, 8)
            .mapToObj(i -> site.urlB("/slow?ms=300&n=" + i))
            .toArray(String[]::new);
    submit(
        new JsonObject()
            .put("autothrottle", true)
            .put("concurrency", 4)
            .put("perHostConcurrency", 4),
        urls);
    List<Long> starts = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      starts.addAll(site.arrivals("/slow?ms=300&n=" + i));
    }
    starts.sort(Long::compare);
    // the first four start together (nothing known yet); the last four at least ~150 ms apart each
    assertThat(starts.get(7) - starts.get(4)).isGreaterThanOrEqualTo(300);
  }
}
