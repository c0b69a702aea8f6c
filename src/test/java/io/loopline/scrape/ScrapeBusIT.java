package io.loopline.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.Addresses;
import io.loopline.contract.Role;
import io.loopline.support.BusClient;
import io.loopline.support.Ports;
import io.loopline.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scraping addresses of docs/event-bus.md sent to directly: batches and single requests, durable jobs
 * (submit, read, list, pages, events, cancel) with every notification they publish, and the runners' protocol
 * (store, claim, renew, complete, completeMany, release) on a node with no runner of its own.
 */
class ScrapeBusIT {

  private static TestSite site;

  /** Every role: a runner fetches the jobs submitted to it. */
  private static TestNode node;

  /** Persistence only: this test is the runner. */
  private static TestNode store;

  private static BusClient bus;
  private static BusClient storeBus;

  @BeforeAll
  static void start() {
    site = new TestSite();
    JsonObject scrape =
        new JsonObject()
            .put(
                "scrape",
                new JsonObject()
                    .put("allow", new JsonArray().add(TestSite.HOST_A).add(TestSite.HOST_B))
                    .put("pollMs", 200)
                    .put("backoffMs", 50)
                    .put("cacheTtlSeconds", 0));
    node = TestNode.start(scrape);
    store = TestNode.start(new JsonObject().put("roles", new JsonArray().add("persistence")));
    bus = new BusClient(node.vertx().eventBus());
    storeBus = new BusClient(store.vertx().eventBus());
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(store, node, site);
  }

  @Test
  void aBatchAndASingleRequestAnswerWithTheDocumentedShapesAndFailures() throws Exception {
    JsonObject batch =
        bus.ask(
            Addresses.SCRAPE_BATCH,
            new JsonObject()
                .put("urls", new JsonArray().add(site.url("/page/11")).add("not a url"))
                .put("options", new JsonObject().put("cache", false).put("robots", false)));
    assertThat(batch.getJsonArray("results")).hasSize(2);
    assertThat(batch.getJsonArray("results").getJsonObject(0).getString("title"))
        .isEqualTo("Page 11");
    assertThat(
            batch.getJsonArray("results").getJsonObject(1).getJsonObject("error").getString("code"))
        .isEqualTo("invalid-url");
    assertThat(
            bus.failureCode(
                Addresses.SCRAPE_BATCH, new JsonObject().put("urls", new JsonArray()), ""))
        .isEqualTo(400);
    assertThat(
            bus.failureCode(
                Addresses.SCRAPE_BATCH,
                new JsonObject()
                    .put("urls", new JsonArray().add(site.url("/page/1")))
                    .put("options", new JsonObject().put("speed", 9)),
                ""))
        .isEqualTo(400);

    JsonObject answered =
        bus.ask(
            Addresses.SCRAPE_REQUEST,
            new JsonObject().put("url", site.url("/page/12")).put("method", "GET"));
    assertThat(answered.getInteger("status")).isEqualTo(200);
    assertThat(answered.getString("body")).contains("Page 12").hasSizeLessThanOrEqualTo(2000);
    assertThat(answered.getLong("elapsedMs")).isNotNegative();
    // The SSRF guard: loopback outside the allowlist is refused, not connected to.
    assertThat(
            bus.failureCode(
                Addresses.SCRAPE_REQUEST,
                new JsonObject().put("url", site.trapUrl("/x")).put("method", "GET"),
                ""))
        .isEqualTo(400);
    assertThat(site.trapConnections()).isZero();
    try (Socket closed = Ports.closed()) {
      String nothingListens = "http://" + TestSite.HOST_A + ":" + closed.getLocalPort() + "/";
      assertThat(
              bus.failureCode(
                  Addresses.SCRAPE_REQUEST,
                  new JsonObject().put("url", nothingListens).put("method", "GET"),
                  ""))
          .isEqualTo(503);
    }
    assertThat(bus.ask(Addresses.health(Role.SCRAPER), new JsonObject()))
        .isEqualTo(new JsonObject().put("role", "scraper"));
  }

  @Test
  void aJobIsReadListedAndFollowedThroughItsNotifications() {
    try (BusClient.Inbox available = bus.listen(Addresses.SCRAPE_JOBS_AVAILABLE);
        BusClient.Inbox progress = bus.listen(Addresses.SCRAPE_PROGRESS)) {
      // Each page takes 5 s: the job's own address is listened to long before anything is stored.
      JsonObject job =
          bus.ask(
              Addresses.SCRAPE_JOBS_SUBMIT,
              new JsonObject()
                  .put(
                      "urls",
                      new JsonArray()
                          .add(site.url("/slow?ms=5000&bus=1"))
                          .add(site.url("/slow?ms=5000&bus=2")))
                  .put("options", new JsonObject().put("robots", false)));
      long id = job.getLong("id");
      assertThat(job.getString("state")).isEqualTo("pending");
      assertThat(job.getJsonObject("counts").getInteger("total")).isEqualTo(2);
      List<JsonObject> events = new ArrayList<>();
      try (BusClient.Inbox jobEvents = bus.listen(Addresses.scrapeJobEvents(id))) {
        assertThat(available.next(m -> Long.valueOf(id).equals(m.getLong("id"))))
            .isEqualTo(new JsonObject().put("id", id));
        JsonObject event;
        do {
          event = jobEvents.next();
          events.add(event);
        } while (!"end".equals(event.getString("event")));
      }
      // Each page, then the progress it made; the end when the job is done.
      assertThat(events)
          .extracting(e -> e.getString("event"))
          .containsExactly("page", "progress", "page", "progress", "end");
      assertThat(events.get(0).getLong("jobId")).isEqualTo(id);
      assertThat(
              List.of(
                  events.get(0).getJsonObject("page").getLong("seq"),
                  events.get(2).getJsonObject("page").getLong("seq")))
          .containsExactlyInAnyOrder(1L, 2L);
      assertThat(events.get(3).getJsonObject("job").getJsonObject("counts").getInteger("done"))
          .isEqualTo(2);
      assertThat(events.get(4).getJsonObject("job").getString("state")).isEqualTo("done");
      assertThat(
              progress
                  .next(
                      p ->
                          Long.valueOf(id).equals(p.getLong("id"))
                              && p.getJsonObject("counts").getInteger("done") == 2)
                  .getString("state"))
          .isEqualTo("done");

      JsonObject read = bus.ask(Addresses.SCRAPE_JOBS_GET, new JsonObject().put("id", id));
      assertThat(read.getString("state")).isEqualTo("done");
      assertThat(read.getString("finishedAt")).isNotNull();
      assertThat(
              bus.ask(
                      Addresses.SCRAPE_JOBS_LIST,
                      new JsonObject().put("state", "done").put("limit", 200))
                  .getJsonArray("jobs"))
          .extracting(j -> ((JsonObject) j).getLong("id"))
          .contains(id);
      JsonArray pages =
          bus.ask(Addresses.SCRAPE_JOBS_PAGES, new JsonObject().put("id", id))
              .getJsonArray("pages");
      assertThat(pages)
          .extracting(p -> ((JsonObject) p).getString("state"))
          .containsExactly("done", "done");
      JsonObject after =
          bus.ask(Addresses.SCRAPE_JOBS_EVENTS, new JsonObject().put("id", id).put("after", 1));
      assertThat(after.getLong("last")).isEqualTo(2);
      assertThat(after.getJsonArray("pages"))
          .extracting(p -> ((JsonObject) p).getLong("seq"))
          .containsExactly(2L);
      assertThat(
              bus.ask(Addresses.SCRAPE_JOBS_EVENTS, new JsonObject().put("id", id))
                  .getJsonArray("pages"))
          .isEmpty();

      assertThat(bus.failureCode(Addresses.SCRAPE_JOBS_CANCEL, new JsonObject().put("id", id), ""))
          .as("done")
          .isEqualTo(409);
      for (String address :
          List.of(
              Addresses.SCRAPE_JOBS_GET,
              Addresses.SCRAPE_JOBS_PAGES,
              Addresses.SCRAPE_JOBS_EVENTS,
              Addresses.SCRAPE_JOBS_CANCEL)) {
        assertThat(bus.failureCode(address, new JsonObject().put("id", 999_999_999), ""))
            .as(address)
            .isEqualTo(404);
        assertThat(bus.failureCode(address, new JsonObject().put("id", "x"), "id: "))
            .as(address)
            .isEqualTo(400);
      }
      assertThat(
              bus.failureCode(
                  Addresses.SCRAPE_JOBS_LIST, new JsonObject().put("state", "lost"), "state: "))
          .isEqualTo(400);
      assertThat(
              bus.failureCode(
                  Addresses.SCRAPE_JOBS_EVENTS,
                  new JsonObject().put("id", id).put("limit", 201),
                  "limit: "))
          .isEqualTo(400);
      assertThat(
              bus.failureCode(
                  Addresses.SCRAPE_JOBS_SUBMIT,
                  new JsonObject()
                      .put("urls", new JsonArray().add(site.url("/x")))
                      .put("options", new JsonObject().put("depth", 3)),
                  ""))
          .isEqualTo(400);
    }
  }

  @Test
  void aCancelledJobIsAnnouncedToRunnersAndEndsItsEvents() {
    JsonObject job =
        bus.ask(
            Addresses.SCRAPE_JOBS_SUBMIT,
            new JsonObject()
                .put(
                    "urls",
                    new JsonArray()
                        .add(site.urlB("/slow?ms=600000&bus=c1"))
                        .add(site.urlB("/slow?ms=600000&bus=c2")))
                .put("options", new JsonObject().put("robots", false)));
    long id = job.getLong("id");
    try (BusClient.Inbox cancelled = bus.listen(Addresses.SCRAPE_JOBS_CANCELLED);
        BusClient.Inbox events = bus.listen(Addresses.scrapeJobEvents(id))) {
      JsonObject answer = bus.ask(Addresses.SCRAPE_JOBS_CANCEL, new JsonObject().put("id", id));

      assertThat(answer.getString("state")).isEqualTo("cancelled");
      assertThat(answer.getJsonObject("counts").getInteger("cancelled")).isEqualTo(2);
      assertThat(cancelled.next(m -> Long.valueOf(id).equals(m.getLong("id"))))
          .isEqualTo(new JsonObject().put("id", id));
      JsonObject end = events.next(e -> "end".equals(e.getString("event")));
      assertThat(end.getJsonObject("job").getString("state")).isEqualTo("cancelled");
      assertThat(bus.failureCode(Addresses.SCRAPE_JOBS_CANCEL, new JsonObject().put("id", id), ""))
          .isEqualTo(409);
    }
  }

  @Test
  void aRunnerClaimsRenewsCompletesAndReleasesPages() {
    String owner = "runner-" + UUID.randomUUID();
    JsonObject job;
    try (BusClient.Inbox available = storeBus.listen(Addresses.SCRAPE_JOBS_AVAILABLE)) {
      job =
          storeBus.ask(
              Addresses.SCRAPE_JOBS_STORE,
              new JsonObject()
                  .put("options", new JsonObject().put("depth", 1).put("maxPages", 10))
                  .put("maxPages", 10)
                  .put(
                      "urls",
                      new JsonArray()
                          .add(site.url("/page/21"))
                          .add(site.url("/page/22"))
                          .add(site.url("/page/23")))
                  .put(
                      "invalid",
                      new JsonArray()
                          .add(
                              new JsonObject()
                                  .put("url", "nope")
                                  .put(
                                      "result",
                                      new JsonObject()
                                          .put("url", "nope")
                                          .put(
                                              "error",
                                              new JsonObject().put("code", "invalid-url"))))));
      assertThat(available.next(m -> job.getLong("id").equals(m.getLong("id")))).isNotNull();
    }
    long jobId = job.getLong("id");
    assertThat(job.getJsonObject("counts").getInteger("total")).isEqualTo(4);
    assertThat(job.getJsonObject("counts").getInteger("failed")).isEqualTo(1);

    JsonArray claimed =
        storeBus
            .ask(
                Addresses.SCRAPE_PAGES_CLAIM,
                new JsonObject().put("owner", owner).put("limit", 10).put("leaseMs", 120_000))
            .getJsonArray("pages");
    assertThat(claimed).hasSize(3);
    JsonObject first = claimed.getJsonObject(0);
    assertThat(first.fieldNames()).contains("id", "jobId", "url", "depth", "attempts", "options");
    assertThat(first.getInteger("attempts")).isEqualTo(1);
    List<Long> ids = claimed.stream().map(p -> ((JsonObject) p).getLong("id")).toList();

    assertThat(
            storeBus
                .ask(
                    Addresses.SCRAPE_PAGES_RENEW,
                    new JsonObject()
                        .put("owner", owner)
                        .put("ids", new JsonArray(new ArrayList<Object>(ids)).add(999_999_999))
                        .put("leaseMs", 120_000))
                .getJsonArray("renewed"))
        .containsExactlyInAnyOrderElementsOf(ids);
    assertThat(
            storeBus
                .ask(
                    Addresses.SCRAPE_PAGES_RENEW,
                    new JsonObject()
                        .put("owner", "someone-else")
                        .put("ids", new JsonArray(new ArrayList<Object>(ids)))
                        .put("leaseMs", 120_000))
                .getJsonArray("renewed"))
        .isEmpty();

    // A page completed with links: the same-depth limit lets one level more be added.
    assertThat(
            storeBus.failureCode(
                Addresses.SCRAPE_PAGES_COMPLETE,
                new JsonObject()
                    .put("id", first.getLong("id"))
                    .put("owner", "someone-else")
                    .put("failed", false)
                    .put("result", new JsonObject()),
                ""))
        .isEqualTo(409);
    JsonObject completed =
        storeBus.ask(
            Addresses.SCRAPE_PAGES_COMPLETE,
            new JsonObject()
                .put("id", first.getLong("id"))
                .put("owner", owner)
                .put("failed", false)
                .put("result", new JsonObject().put("title", "twenty-one"))
                .put("links", new JsonArray().add(site.url("/page/24"))));
    assertThat(completed.getJsonObject("page").getString("state")).isEqualTo("done");
    assertThat(completed.getInteger("added")).isEqualTo(1);
    assertThat(completed.getJsonObject("job").getJsonObject("counts").getInteger("total"))
        .isEqualTo(5);
    assertThat(
            storeBus.failureCode(
                Addresses.SCRAPE_PAGES_COMPLETE,
                new JsonObject()
                    .put("id", 999_999_999)
                    .put("owner", owner)
                    .put("failed", false)
                    .put("result", new JsonObject()),
                ""))
        .isEqualTo(404);

    JsonObject many =
        storeBus.ask(
            Addresses.SCRAPE_PAGES_COMPLETE_MANY,
            new JsonObject()
                .put("jobId", jobId)
                .put("owner", owner)
                .put(
                    "pages",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("id", ids.get(1))
                                .put("failed", false)
                                .put("result", new JsonObject().put("title", "22")))
                        .add(
                            new JsonObject()
                                .put("id", 999_999_999)
                                .put("failed", false)
                                .put("result", new JsonObject()))));
    assertThat(many.getJsonArray("completed"))
        .extracting(c -> ((JsonObject) c).getJsonObject("page").getLong("id"))
        .containsExactly(ids.get(1));
    assertThat(
            storeBus.failureCode(
                Addresses.SCRAPE_PAGES_COMPLETE_MANY,
                new JsonObject()
                    .put("jobId", jobId)
                    .put("owner", owner)
                    .put("pages", new JsonArray()),
                ""))
        .isEqualTo(400);

    // A stopping runner gives back what it holds: the third page and the link added above (not
    // claimed yet).
    assertThat(storeBus.ask(Addresses.SCRAPE_PAGES_RELEASE, new JsonObject().put("owner", owner)))
        .isEqualTo(new JsonObject().put("released", 1));
    JsonArray pending =
        storeBus
            .ask(
                Addresses.SCRAPE_JOBS_PAGES,
                new JsonObject().put("id", jobId).put("state", "pending"))
            .getJsonArray("pages");
    assertThat(pending)
        .extracting(p -> ((JsonObject) p).getString("url"))
        .containsExactlyInAnyOrder(site.url("/page/23"), site.url("/page/24"));
    assertThat(pending)
        .allSatisfy(p -> assertThat(((JsonObject) p).getInteger("attempts")).isZero());

    assertThat(
            storeBus.failureCode(
                Addresses.SCRAPE_PAGES_CLAIM,
                new JsonObject().put("limit", 1).put("leaseMs", 1000),
                ""))
        .isEqualTo(400);
    assertThat(
            storeBus.failureCode(
                Addresses.SCRAPE_PAGES_RENEW,
                new JsonObject().put("ids", new JsonArray().add(1)).put("leaseMs", 1000),
                ""))
        .isEqualTo(400);
    assertThat(storeBus.failureCode(Addresses.SCRAPE_PAGES_RELEASE, new JsonObject(), ""))
        .isEqualTo(400);
    assertThat(
            storeBus.failureCode(
                Addresses.SCRAPE_JOBS_STORE, new JsonObject().put("urls", new JsonArray()), ""))
        .isEqualTo(400);
  }
}
