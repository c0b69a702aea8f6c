package io.loopline.scrape;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.loopline.contract.Addresses;
import io.loopline.support.LogCapture;
import io.loopline.support.Poll;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Durable scrape jobs: stored in PostgreSQL, run under leases, cancelled, resumed after a restart (their events: ScrapeEventsIT). */
class ScrapeJobsIT {

  private static final Duration LIMIT = Duration.ofSeconds(60);

  private static TestSite site;
  private static TestNode node;

  @BeforeAll
  static void start() {
    site = new TestSite();
    node = TestNode.start(scrapeConfig());
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(node, site);
  }

  private static JsonObject scrapeConfig() {
    return new JsonObject()
        .put(
            "scrape",
            new JsonObject()
                .put("allow", new JsonArray().add("127.0.0.2/31"))
                .put("pollMs", 200)
                .put("backoffMs", 50)
                .put("cacheTtlSeconds", 0));
  }

  private static JsonObject roles(String... roles) {
    return scrapeConfig().put("roles", new JsonArray(Arrays.asList((Object[]) roles)));
  }

  private static JsonObject submit(TestNode to, JsonObject options, List<String> urls) {
    HttpResponse<Buffer> accepted =
        await(
            to.client()
                .post("/scrape-jobs")
                .sendJsonObject(
                    new JsonObject()
                        .put("urls", new JsonArray(new ArrayList<Object>(urls)))
                        .put("options", options)));
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    JsonObject job = accepted.bodyAsJsonObject();
    assertThat(accepted.getHeader("Location")).isEqualTo("/scrape-jobs/" + job.getLong("id"));
    return job;
  }

  private static JsonObject job(TestNode at, long id) {
    return await(
        at.vertx()
            .eventBus()
            .<JsonObject>request(Addresses.SCRAPE_JOBS_GET, new JsonObject().put("id", id))
            .map(Message::body));
  }

  private static void awaitState(TestNode at, long id, String state) {
    Poll.until(
        "scrape job " + id + " " + state,
        LIMIT,
        () -> state.equals(job(at, id).getString("state")));
  }

  @Test
  void aJobStoresEachPageOnceCountsItAndListsTheResults() throws Exception {
    List<String> urls = new ArrayList<>();
    IntStream.range(100, 110).forEach(i -> urls.add(site.url("/page/" + i)));
    urls.add("HTTP://" + TestSite.HOST_A + ":" + site.port() + "/page/100#again"); // the same page
    urls.add("not a url");
    urls.add(site.url("/error/job"));
    long id = submit(node, new JsonObject(), urls).getLong("id");

    awaitState(node, id, "done");
    JsonObject job = await(node.client().get("/scrape-jobs/" + id).send()).bodyAsJsonObject();
    assertThat(job.getJsonObject("counts").getMap())
        .containsEntry("total", 12)
        .containsEntry("done", 10)
        .containsEntry("failed", 2)
        .containsEntry("pending", 0);
    assertThat(job.getString("startedAt")).isNotNull();
    assertThat(job.getString("finishedAt")).isNotNull();
    assertThat(job.getLong("elapsedMs")).isNotNegative();
    assertThat(site.requests("/page/100")).isEqualTo(1);

    JsonObject first =
        await(node.client().get("/scrape-jobs/" + id + "/pages?limit=5").send()).bodyAsJsonObject();
    assertThat(first.getJsonArray("pages")).hasSize(5);
    JsonObject page = first.getJsonArray("pages").getJsonObject(0);
    assertThat(page.getString("url")).isEqualTo(site.url("/page/100"));
    assertThat(page.getString("state")).isEqualTo("done");
    assertThat(page.getJsonObject("result").getString("title")).isEqualTo("Page 100");
    List<String> seen = new ArrayList<>();
    String next = first.getString("next");
    first.getJsonArray("pages").forEach(p -> seen.add(((JsonObject) p).getString("url")));
    for (int pages = 1; next != null; pages++) {
      assertThat(pages).as("pages of 5 for 12 rows").isLessThan(3);
      JsonObject more =
          await(node.client().get("/scrape-jobs/" + id + "/pages?limit=5&cursor=" + next).send())
              .bodyAsJsonObject();
      more.getJsonArray("pages").forEach(p -> seen.add(((JsonObject) p).getString("url")));
      next = more.getString("next");
    }
    assertThat(seen).hasSize(12).doesNotHaveDuplicates();

    JsonArray failed =
        await(node.client().get("/scrape-jobs/" + id + "/pages?state=failed").send())
            .bodyAsJsonObject()
            .getJsonArray("pages");
    assertThat(failed.stream().map(p -> ((JsonObject) p).getString("url")))
        .containsExactlyInAnyOrder("not a url", site.url("/error/job"));
    assertThat(count(node, "SELECT count(*) FROM scrape_pages WHERE job_id = " + id)).isEqualTo(12);
    assertProblem(await(node.client().delete("/scrape-jobs/" + id).send()), 409);
    assertProblem(await(node.client().get("/scrape-jobs/999999").send()), 404);
    assertProblem(await(node.client().get("/scrape-jobs/" + id + "/pages?state=lost").send()), 400);
  }

  /**
   * A site decides what a result holds: here text longer than anyone needs, and an emoji where the excerpt
   * ends. Before results were cleaned and bounded, all of it was stored, and the excerpt kept half the emoji
   * (stored as '?'). A NUL never gets this far today (the HTTP client refuses it in headers, jsoup drops or
   * replaces it in HTML): ScrapedTextTest covers it.
   */
  @Test
  void aPageWhoseTextTheDatabaseWouldRefuseIsStoredCleanedAndBounded() {
    List<String> urls =
        List.of(site.url("/hostile-text"), site.url("/page/401"), site.url("/page/402"));
    long id = submit(node, new JsonObject(), urls).getLong("id");

    awaitState(node, id, "done");
    JsonArray pages =
        await(node.client().get("/scrape-jobs/" + id + "/pages").send())
            .bodyAsJsonObject()
            .getJsonArray("pages");
    assertThat(pages.stream().map(p -> ((JsonObject) p).getString("state")))
        .containsExactly("done", "done", "done");
    JsonObject result = pages.getJsonObject(0).getJsonObject("result");
    String title = result.getString("title");
    assertThat(title.codePointCount(0, title.length())).isEqualTo(1000);
    assertThat(title).endsWith("t\uD83D\uDE00");
    assertThat(result.getString("description")).hasSize(2000);
    // The excerpt ends in the emoji, whole: cut in half, its high surrogate would be stored as '?'.
    String excerpt = result.getString("excerpt");
    assertThat(excerpt.codePointCount(0, excerpt.length())).isEqualTo(300);
    assertThat(excerpt).isEqualTo("a".repeat(299) + "\uD83D\uDE00");
  }

  /**
   * A result the database refuses (here a constraint the test plants against one page's title) used to fail
   * its whole batch after every lease, holding its job and the pages beside it. The batch is now stored page
   * by page: the refused page is stored as failed ({@code unstorable}), counted and logged; every other page,
   * of this job and the next, is stored.
   */
  @Test
  void aResultTheDatabaseRefusesIsSetAsideAndThePagesBesideItAreStored() throws Exception {
    String planted =
        "ALTER TABLE scrape_pages ADD CONSTRAINT planted_poison CHECK (result->>'title' IS DISTINCT FROM 'Page 513')";
    try (Connection db = TestServers.jdbc(node.databaseUrl());
        LogCapture log = new LogCapture(ScrapeJobRunner.class.getName())) {
      db.createStatement().execute(planted);
      try {
        List<String> urls =
            IntStream.range(510, 520).mapToObj(i -> site.url("/page/" + i)).toList();
        long id = submit(node, new JsonObject(), urls).getLong("id");

        awaitState(node, id, "done");
        JsonObject counts = job(node, id).getJsonObject("counts");
        assertThat(counts.getInteger("done")).isEqualTo(9);
        assertThat(counts.getInteger("failed")).isEqualTo(1);
        JsonArray failed =
            await(node.client().get("/scrape-jobs/" + id + "/pages?state=failed").send())
                .bodyAsJsonObject()
                .getJsonArray("pages");
        assertThat(failed).hasSize(1);
        assertThat(failed.getJsonObject(0).getString("url")).isEqualTo(site.url("/page/513"));
        assertThat(
                failed
                    .getJsonObject(0)
                    .getJsonObject("result")
                    .getJsonObject("error")
                    .getString("code"))
            .isEqualTo("unstorable");
        assertThat(log.await("result refused by the store"))
            .contains("job " + id)
            .contains("/page/513");
        assertThat(await(node.client().get("/metrics").send()).bodyAsString())
            .containsPattern("loopline_scrape_pages_unstorable_total [1-9]");

        long next =
            submit(node, new JsonObject(), List.of(site.url("/page/520"), site.url("/page/521")))
                .getLong("id");
        awaitState(node, next, "done");
        assertThat(job(node, next).getJsonObject("counts").getInteger("done")).isEqualTo(2);
      } finally {
        db.createStatement().execute("ALTER TABLE scrape_pages DROP CONSTRAINT planted_poison");
      }
    }
  }

  @Test
  void sameHostLinksAreFollowedToTheDepthWithinMaxPages() {
    long id =
        submit(
                node,
                new JsonObject().put("depth", 2).put("maxPages", 4),
                List.of(site.url("/page/200")))
            .getLong("id");

    awaitState(node, id, "done");
    JsonObject job = job(node, id);
    assertThat(job.getJsonObject("counts").getInteger("total")).isEqualTo(4);
    JsonArray pages =
        await(node.client().get("/scrape-jobs/" + id + "/pages").send())
            .bodyAsJsonObject()
            .getJsonArray("pages");
    assertThat(
            pages.stream()
                .map(
                    p ->
                        ((JsonObject) p).getString("url")
                            + " "
                            + ((JsonObject) p).getInteger("depth")))
        .containsExactly(
            site.url("/page/200") + " 0",
            site.url("/page/201") + " 1",
            site.url("/page/202") + " 1",
            site.url("/page/203") + " 2");
    // The other host's link is never followed.
    assertThat(site.requests("/elsewhere")).isZero();
  }

  @Test
  void cancellingStopsTheFetchesInFlightAndThePendingPages() throws Exception {
    List<String> urls =
        IntStream.range(0, 6).mapToObj(i -> site.urlB("/slow?ms=600000&c=" + i)).toList();
    long id =
        submit(node, new JsonObject().put("concurrency", 2).put("robots", false), urls)
            .getLong("id");
    Poll.until("two fetches in flight", LIMIT, () -> site.inFlight(TestSite.HOST_B) == 2);

    HttpResponse<Buffer> cancelled = await(node.client().delete("/scrape-jobs/" + id).send());

    assertThat(cancelled.statusCode()).isEqualTo(200);
    assertThat(cancelled.bodyAsJsonObject().getString("state")).isEqualTo("cancelled");
    assertThat(cancelled.bodyAsJsonObject().getJsonObject("counts").getInteger("cancelled"))
        .isEqualTo(6);
    Poll.until("the fetches in flight stopped", LIMIT, () -> site.inFlight(TestSite.HOST_B) == 0);
    assertThat(
            count(
                node,
                "SELECT count(*) FROM scrape_pages WHERE state = 'cancelled' AND job_id = " + id))
        .isEqualTo(6);
    assertThat(IntStream.range(0, 6).map(i -> site.requests("/slow?ms=600000&c=" + i)).sum())
        .isEqualTo(2);
    assertThat(job(node, id).getString("state")).isEqualTo("cancelled");
  }

  @Test
  void theSameOperationsAreOnTheEventBus() {
    var bus = node.vertx().eventBus();
    JsonObject job =
        await(
            bus.<JsonObject>request(
                    Addresses.SCRAPE_JOBS_SUBMIT,
                    new JsonObject().put("urls", new JsonArray().add(site.url("/page/300"))))
                .map(Message::body));
    awaitState(node, job.getLong("id"), "done");
    JsonObject pages =
        await(
            bus.<JsonObject>request(
                    Addresses.SCRAPE_JOBS_PAGES, new JsonObject().put("id", job.getLong("id")))
                .map(Message::body));
    assertThat(
            pages.getJsonArray("pages").getJsonObject(0).getJsonObject("result").getString("title"))
        .isEqualTo("Page 300");
    ReplyException tooDeep =
        catchThrowableOfType(
            ReplyException.class,
            () ->
                await(
                    bus.request(
                        Addresses.SCRAPE_JOBS_SUBMIT,
                        new JsonObject()
                            .put("urls", new JsonArray().add(site.url("/x")))
                            .put("options", new JsonObject().put("depth", 3)))));
    assertThat(tooDeep.failureCode()).isEqualTo(400);
  }

  @Test
  void twoScraperNodesShareAJobAndKeepItsCountsAndPageLimitExact() throws Exception {
    try (TestNode store = TestNode.start(roles("persistence"));
        TestNode one = TestNode.join(store, roles("persistence", "scraper"));
        TestNode two = TestNode.join(store, roles("persistence", "scraper"))) {
      JsonArray urls =
          new JsonArray(
              IntStream.range(0, 20)
                  .mapToObj(i -> (Object) site.url("/page/" + (1000 + 10 * i)))
                  .toList());
      JsonObject job =
          await(
              one.vertx()
                  .eventBus()
                  .<JsonObject>request(
                      Addresses.SCRAPE_JOBS_SUBMIT,
                      new JsonObject()
                          .put("urls", urls)
                          .put("options", new JsonObject().put("depth", 1).put("maxPages", 30)))
                  .map(Message::body));
      long id = job.getLong("id");

      awaitState(store, id, "done");
      JsonObject counts = job(store, id).getJsonObject("counts");
      assertThat(counts.getMap())
          .containsEntry("total", 30)
          .containsEntry("done", 30)
          .containsEntry("failed", 0);
      assertThat(
              count(
                  store,
                  "SELECT count(DISTINCT url) FROM scrape_pages WHERE state = 'done' AND job_id = "
                      + id))
          .isEqualTo(30);
      assertThat(count(store, "SELECT count(*) FROM scrape_pages WHERE job_id = " + id))
          .isEqualTo(30);
      assertThat(
              count(store, "SELECT count(*) FROM scrape_pages WHERE depth = 1 AND job_id = " + id))
          .isEqualTo(10);
    }
  }

  @Test
  void aJobInterruptedByARestartCompletesWithEachPageStoredOnce() throws Exception {
    try (TestNode store = TestNode.start(roles("persistence"))) {
      long id;
      try (TestNode first = TestNode.join(store, roles("http", "persistence", "scraper"))) {
        List<String> urls =
            IntStream.range(0, 16).mapToObj(i -> site.url("/slow?ms=200&r=" + i)).toList();
        id = submit(first, new JsonObject().put("concurrency", 2), urls).getLong("id");
        Poll.until(
            "some pages done",
            LIMIT,
            () -> count(store, "SELECT count(*) FROM scrape_pages WHERE state = 'done'") >= 4);
      }

      assertThat(
              count(
                  store,
                  "SELECT count(*) FROM scrape_pages WHERE state = 'running' OR lease_owner IS NOT NULL"))
          .isZero();
      assertThat(job(store, id).getString("state")).isEqualTo("running");
      assertThat(job(store, id).getJsonObject("counts").getInteger("done")).isLessThan(16);

      try (TestNode second = TestNode.join(store, roles("persistence", "scraper"))) {
        awaitState(store, id, "done");
      }
      assertThat(job(store, id).getJsonObject("counts").getInteger("done")).isEqualTo(16);
      assertThat(count(store, "SELECT count(*) FROM scrape_pages WHERE job_id = " + id))
          .isEqualTo(16);
      assertThat(
              count(
                  store,
                  "SELECT count(DISTINCT url) FROM scrape_pages WHERE job_id = "
                      + id
                      + " AND state = 'done' AND result IS NOT NULL"))
          .isEqualTo(16);
    }
  }

  @Test
  void pagesOfARunnerThatDiedAreRunAgainAfterTheLease() throws Exception {
    try (TestNode store = TestNode.start(roles("persistence"))) {
      var bus = store.vertx().eventBus();
      JsonObject job =
          await(
              bus.<JsonObject>request(
                      Addresses.SCRAPE_JOBS_STORE,
                      new JsonObject()
                          .put("options", new JsonObject().put("depth", 0).put("maxPages", 3))
                          .put("maxPages", 3)
                          .put(
                              "urls",
                              new JsonArray()
                                  .add(site.url("/page/400"))
                                  .add(site.url("/page/401"))
                                  .add(site.url("/page/402"))))
                  .map(Message::body));
      // A runner that claims two pages and dies: it never renews or completes them.
      JsonObject claimed =
          await(
              bus.<JsonObject>request(
                      Addresses.SCRAPE_PAGES_CLAIM,
                      new JsonObject()
                          .put("owner", "crashed-runner")
                          .put("limit", 2)
                          .put("leaseMs", 300))
                  .map(Message::body));
      assertThat(claimed.getJsonArray("pages")).hasSize(2);

      try (TestNode runner = TestNode.join(store, roles("persistence", "scraper"))) {
        awaitState(store, job.getLong("id"), "done");
      }
      assertThat(count(store, "SELECT count(*) FROM scrape_pages WHERE attempts = 2")).isEqualTo(2);
      assertThat(count(store, "SELECT count(*) FROM scrape_pages WHERE state = 'done'"))
          .isEqualTo(3);
      ReplyException late =
          catchThrowableOfType(
              ReplyException.class,
              () ->
                  await(
                      bus.request(
                          Addresses.SCRAPE_PAGES_COMPLETE,
                          new JsonObject()
                              .put(
                                  "id",
                                  claimed.getJsonArray("pages").getJsonObject(0).getLong("id"))
                              .put("owner", "crashed-runner")
                              .put("result", new JsonObject()))));
      assertThat(late.failureCode()).isEqualTo(409);
    }
  }

  @Test
  void aBatchOfResultsIsStoredAndCountedOnceLeavingOutPagesNotLeasedToItsRunner() throws Exception {
    try (TestNode store = TestNode.start(roles("persistence"))) {
      var bus = store.vertx().eventBus();
      JsonObject job =
          await(
              bus.<JsonObject>request(
                      Addresses.SCRAPE_JOBS_STORE,
                      new JsonObject()
                          .put("options", new JsonObject())
                          .put("maxPages", 3)
                          .put(
                              "urls",
                              new JsonArray()
                                  .add(site.url("/page/700"))
                                  .add(site.url("/page/701"))
                                  .add(site.url("/page/702"))))
                  .map(Message::body));
      long jobId = job.getLong("id");
      JsonArray claimed =
          await(
                  bus.<JsonObject>request(
                          Addresses.SCRAPE_PAGES_CLAIM,
                          new JsonObject()
                              .put("owner", "batch-runner")
                              .put("limit", 2)
                              .put("leaseMs", 60_000))
                      .map(Message::body))
              .getJsonArray("pages");
      long first = claimed.getJsonObject(0).getLong("id");
      long second = claimed.getJsonObject(1).getLong("id");
      long notLeased =
          count(
              store,
              "SELECT id FROM scrape_pages WHERE job_id = " + jobId + " AND state = 'pending'");

      JsonObject reply =
          await(
              bus.<JsonObject>request(
                      Addresses.SCRAPE_PAGES_COMPLETE_MANY,
                      new JsonObject()
                          .put("jobId", jobId)
                          .put("owner", "batch-runner")
                          .put(
                              "pages",
                              new JsonArray()
                                  .add(
                                      new JsonObject()
                                          .put("id", first)
                                          .put("failed", false)
                                          .put("result", new JsonObject().put("status", 200)))
                                  .add(
                                      new JsonObject()
                                          .put("id", second)
                                          .put("failed", true)
                                          .put("result", new JsonObject().put("status", 500)))
                                  .add(
                                      new JsonObject()
                                          .put("id", notLeased)
                                          .put("failed", false)
                                          .put("result", new JsonObject()))))
                  .map(Message::body));

      assertThat(reply.getJsonArray("completed"))
          .extracting(c -> ((JsonObject) c).getJsonObject("page").getLong("id"))
          .containsExactly(first, second);
      JsonObject counts =
          reply
              .getJsonArray("completed")
              .getJsonObject(1)
              .getJsonObject("job")
              .getJsonObject("counts");
      assertThat(counts.getInteger("done")).isEqualTo(1);
      assertThat(counts.getInteger("failed")).isEqualTo(1);
      assertThat(counts.getInteger("pending")).isEqualTo(1);
      assertThat(
              count(
                  store,
                  "SELECT count(*) FROM scrape_pages WHERE job_id = "
                      + jobId
                      + " AND state = 'pending' AND result IS NULL"))
          .isEqualTo(1);
      assertThat(count(store, "SELECT done * 10 + failed FROM scrape_jobs WHERE id = " + jobId))
          .isEqualTo(11);
      ReplyException empty =
          catchThrowableOfType(
              ReplyException.class,
              () ->
                  await(
                      bus.request(
                          Addresses.SCRAPE_PAGES_COMPLETE_MANY,
                          new JsonObject()
                              .put("jobId", jobId)
                              .put("owner", "batch-runner")
                              .put("pages", new JsonArray()))));
      assertThat(empty.failureCode()).isEqualTo(400);
    }
  }

  @Test
  void aPageWhoseRunnersKeepDyingIsFailedNotFetchedForever() throws Exception {
    try (TestNode store = TestNode.start(roles("persistence"))) {
      var bus = store.vertx().eventBus();
      JsonObject job =
          await(
              bus.<JsonObject>request(
                      Addresses.SCRAPE_JOBS_STORE,
                      new JsonObject()
                          .put("options", new JsonObject())
                          .put("maxPages", 1)
                          .put("urls", new JsonArray().add(site.url("/page/600"))))
                  .map(Message::body));
      // Three runners in a row claim the page and die with it.
      for (int i = 0; i < ScrapeJobRunner.MAX_ATTEMPTS; i++) {
        String owner = "doomed-" + i;
        Poll.until(
            owner + " claims the page",
            LIMIT,
            () ->
                await(
                            bus.<JsonObject>request(
                                    Addresses.SCRAPE_PAGES_CLAIM,
                                    new JsonObject()
                                        .put("owner", owner)
                                        .put("limit", 1)
                                        .put("leaseMs", 1))
                                .map(Message::body))
                        .getJsonArray("pages")
                        .size()
                    == 1);
      }

      try (TestNode runner = TestNode.join(store, roles("persistence", "scraper"))) {
        awaitState(store, job.getLong("id"), "done");
      }
      JsonObject page =
          await(
                  bus.<JsonObject>request(
                          Addresses.SCRAPE_JOBS_PAGES,
                          new JsonObject().put("id", job.getLong("id")))
                      .map(Message::body))
              .getJsonArray("pages")
              .getJsonObject(0);
      assertThat(page.getString("state")).isEqualTo("failed");
      assertThat(page.getJsonObject("result").getJsonObject("error").getString("code"))
          .isEqualTo("abandoned");
      assertThat(site.requests("/page/600")).isZero();
    }
  }

  private static long count(TestNode at, String sql) throws SQLException {
    try (Connection db = TestServers.jdbc(at.databaseUrl());
        ResultSet rows = db.createStatement().executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
