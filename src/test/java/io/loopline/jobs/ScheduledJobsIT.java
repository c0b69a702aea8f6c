package io.loopline.jobs;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.NodeProcess;
import io.loopline.support.Poll;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Jobs users schedule: delayed jobs ({@code runAt}), the {@code http} and {@code scrape} types, and recurring
 * jobs ({@code /schedules}) with two nodes on one database: one job per occurrence, pause and resume, a node
 * killed while occurrences fall, and the policy for occurrences missed while no node ran.
 */
class ScheduledJobsIT {

  private static final Duration LIMIT = Duration.ofSeconds(60);

  /** The webhook target: an address the SSRF guard refuses unless {@code scrape.allow} names it. */
  private static final String HOOK_HOST = "127.0.0.2";

  @Test
  void aDelayedJobRunsAtItsTimeAndNotBefore() {
    try (TestNode node = TestNode.start(fastJobs(TestNode.tempDir()))) {
      Instant runAt = Instant.now().plusSeconds(3);
      HttpResponse<Buffer> accepted =
          await(
              node.client()
                  .post("/jobs")
                  .sendJsonObject(
                      new JsonObject()
                          .put("type", "log")
                          .put("payload", new JsonObject().put("message", "later"))
                          .put("runAt", runAt.toString())));

      assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
      JsonObject job = accepted.bodyAsJsonObject();
      assertThat(accepted.getHeader("Location")).isEqualTo("/jobs/" + job.getLong("id"));
      assertThat(job.getString("state")).isEqualTo("pending");
      assertThat(Instant.parse(job.getString("runAt")))
          .isEqualTo(runAt.truncatedTo(java.time.temporal.ChronoUnit.MICROS));
      JsonObject done = awaitJob(node, job.getLong("id"), "done");
      assertThat(Instant.parse(done.getString("startedAt")))
          .isAfterOrEqualTo(runAt.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
      assertThat(done.getInteger("attempts")).isEqualTo(1);
    }
  }

  @Test
  void aJobIsCheckedWhenSubmittedAndNeverStoredHalfDone() throws Exception {
    try (TestNode node =
        TestNode.start(
            new JsonObject().put("roles", new JsonArray().add("http").add("persistence")))) {
      assertProblem(
          submit(node, new JsonObject().put("type", "email").put("payload", new JsonObject())),
          400);
      JsonObject badUrl =
          assertProblem(
              submit(node, job("http", new JsonObject().put("url", "file:///etc/passwd"))), 400);
      assertThat(badUrl.getString("detail")).contains("payload.url");
      assertProblem(
          submit(
              node,
              job(
                  "http",
                  new JsonObject()
                      .put("url", "http://example.com/")
                      .put("headers", new JsonObject().put("Host", "evil")))),
          400);
      assertProblem(
          submit(node, job("log", new JsonObject().put("message", "x").put("extra", 1))), 400);
      assertProblem(
          submit(node, job("scrape", new JsonObject().put("urls", new JsonArray()))), 400);
      assertProblem(
          submit(node, job("log", new JsonObject().put("message", "x")).put("runAt", "tomorrow")),
          400);
      assertProblem(
          submit(node, job("log", new JsonObject().put("message", "x")).put("maxAttempts", 0)),
          400);
      assertThat(count(node, "SELECT count(*) FROM jobs")).isZero();

      JsonObject accepted =
          submit(node, job("log", new JsonObject().put("message", "x")).put("maxAttempts", 2))
              .bodyAsJsonObject();
      assertThat(accepted.getInteger("maxAttempts")).isEqualTo(2);
      JsonObject counts = await(node.client().get("/jobs/counts").send()).bodyAsJsonObject();
      assertThat(counts.getJsonObject("states").getLong("pending")).isEqualTo(1);
      assertThat(counts.getJsonObject("types").getJsonObject("log").getLong("pending"))
          .isEqualTo(1);
      assertThat(counts.getJsonObject("types").getJsonObject("http").getLong("pending")).isZero();
    }
  }

  @Test
  void aWebhookIsRetriedOnServerErrorsEndsOnAClientErrorAndNeverReachesARefusedAddress()
      throws Exception {
    Vertx vertx = Vertx.vertx();
    AtomicInteger calls = new AtomicInteger();
    Queue<JsonObject> received = new ConcurrentLinkedQueue<>();
    HttpServer hooks =
        vertx
            .createHttpServer()
            .requestHandler(
                request ->
                    request
                        .body()
                        .onSuccess(
                            body -> {
                              if (request.path().equals("/flaky")) {
                                received.add(
                                    new JsonObject()
                                        .put("method", request.method().name())
                                        .put("signature", request.getHeader("X-Signature"))
                                        .put("contentType", request.getHeader("Content-Type"))
                                        .put("body", body.toString()));
                                request
                                    .response()
                                    .setStatusCode(calls.incrementAndGet() <= 2 ? 503 : 204)
                                    .end();
                              } else {
                                request.response().setStatusCode(404).end("no such hook");
                              }
                            }));
    int port = await(hooks.listen(0, HOOK_HOST)).actualPort();
    AtomicInteger trapped = new AtomicInteger();
    NetServer trap =
        vertx
            .createNetServer()
            .connectHandler(
                socket -> {
                  trapped.incrementAndGet();
                  socket.close();
                });
    int trapPort = await(trap.listen(0, "127.0.0.1")).actualPort();
    JsonObject settings =
        fastJobs(TestNode.tempDir())
            .put("scrape", new JsonObject().put("allow", new JsonArray().add(HOOK_HOST)));
    try (TestNode node = TestNode.start(settings)) {
      String base = "http://" + HOOK_HOST + ":" + port;
      long flaky =
          submit(
                  node,
                  job(
                      "http",
                      new JsonObject()
                          .put("url", base + "/flaky")
                          .put("method", "PUT")
                          .put("headers", new JsonObject().put("X-Signature", "s1"))
                          .put("body", new JsonObject().put("order", 17))))
              .bodyAsJsonObject()
              .getLong("id");
      long missing =
          submit(node, job("http", new JsonObject().put("url", base + "/missing")))
              .bodyAsJsonObject()
              .getLong("id");
      long refused =
          submit(
                  node,
                  job("http", new JsonObject().put("url", "http://127.0.0.1:" + trapPort + "/")))
              .bodyAsJsonObject()
              .getLong("id");

      JsonObject done = awaitJob(node, flaky, "done");
      assertThat(done.getInteger("attempts")).isEqualTo(3);
      assertThat(done.getJsonObject("result").getInteger("status")).isEqualTo(204);
      assertThat(received)
          .hasSize(3)
          .allSatisfy(
              call -> {
                assertThat(call.getString("method")).isEqualTo("PUT");
                assertThat(call.getString("signature")).isEqualTo("s1");
                assertThat(call.getString("contentType")).isEqualTo("application/json");
                assertThat(new JsonObject(call.getString("body")))
                    .isEqualTo(new JsonObject().put("order", 17));
              });
      JsonObject notFound = awaitJob(node, missing, "dead");
      assertThat(notFound.getInteger("attempts")).as("a 404 is not retried").isEqualTo(1);
      assertThat(notFound.getString("lastError")).contains("404");
      JsonObject blocked = awaitJob(node, refused, "dead");
      assertThat(blocked.getInteger("attempts")).isEqualTo(1);
      assertThat(blocked.getString("lastError")).contains("refused").contains("loopback");
      assertThat(trapped).as("connections to the refused address").hasValue(0);
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void aScrapeJobTypeStartsAScrapeJob() {
    Vertx vertx = Vertx.vertx();
    int port =
        await(
                vertx
                    .createHttpServer()
                    .requestHandler(
                        request ->
                            request
                                .response()
                                .putHeader("Content-Type", "text/html")
                                .end(
                                    "<html><head><title>Scheduled</title></head><body>hi</body></html>"))
                    .listen(0, HOOK_HOST))
            .actualPort();
    JsonObject settings =
        fastJobs(TestNode.tempDir())
            .put(
                "scrape",
                new JsonObject().put("allow", new JsonArray().add(HOOK_HOST)).put("robots", false));
    try (TestNode node = TestNode.start(settings)) {
      long id =
          submit(
                  node,
                  job(
                      "scrape",
                      new JsonObject()
                          .put(
                              "urls", new JsonArray().add("http://" + HOOK_HOST + ":" + port + "/"))
                          .put("options", new JsonObject().put("robots", false))))
              .bodyAsJsonObject()
              .getLong("id");

      JsonObject done = awaitJob(node, id, "done");
      long scrapeJob = done.getJsonObject("result").getLong("scrapeJobId");
      Poll.until(
          "scrape job " + scrapeJob + " done",
          LIMIT,
          () ->
              "done"
                  .equals(
                      await(node.client().get("/scrape-jobs/" + scrapeJob).send())
                          .bodyAsJsonObject()
                          .getString("state")));
      JsonObject pages =
          await(node.client().get("/scrape-jobs/" + scrapeJob + "/pages").send())
              .bodyAsJsonObject();
      assertThat(
              pages
                  .getJsonArray("pages")
                  .getJsonObject(0)
                  .getJsonObject("result")
                  .getString("title"))
          .isEqualTo("Scheduled");
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void twoNodesEnqueueEachOccurrenceExactlyOnceAndEachJobRunsOnce() throws Exception {
    Path log = TestNode.tempDir().resolve("log.txt");
    try (TestNode first = TestNode.start(fastJobs(log.getParent()))) {
      try (TestNode second = TestNode.join(first, fastJobs(log.getParent()))) {
        JsonObject schedule = createSchedule(first, "every-second", "* * * * * *", "once");
        assertThat(schedule.getString("state")).isEqualTo("active");
        assertThat(Instant.parse(schedule.getString("nextRunAt")))
            .isAfter(Instant.now().minusSeconds(1));
        long id = schedule.getLong("id");

        Poll.until(
            "8 occurrences done",
            LIMIT,
            () ->
                count(
                        first,
                        "SELECT count(*) FROM jobs WHERE state = 'done' AND schedule_id = " + id)
                    >= 8);
        await(second.client().post("/schedules/" + id + "/pause").send());

        List<Instant> occurrences = occurrences(first, id);
        assertThat(occurrences).hasSizeGreaterThanOrEqualTo(8).doesNotHaveDuplicates();
        assertNoGaps(occurrences);
        // Each job ran once: one line per job in the log file the two nodes share.
        Poll.until(
            "every job done",
            LIMIT,
            () ->
                count(
                        first,
                        "SELECT count(*) FROM jobs WHERE state <> 'done' AND schedule_id = " + id)
                    == 0);
        Map<String, Long> linesPerJob =
            Files.readAllLines(log).stream()
                .collect(Collectors.groupingBy(l -> l.split(" ")[2], Collectors.counting()));
        assertThat(linesPerJob)
            .hasSize(occurrences.size())
            .allSatisfy((job, lines) -> assertThat(lines).isEqualTo(1));
        JsonObject listed =
            await(first.client().get("/jobs?schedule=" + id + "&order=desc&limit=3").send())
                .bodyAsJsonObject();
        assertThat(listed.getJsonArray("jobs")).hasSize(3);
        assertThat(listed.getJsonArray("jobs").getJsonObject(0).getLong("scheduleId"))
            .isEqualTo(id);
        assertThat(
                Instant.parse(
                    listed.getJsonArray("jobs").getJsonObject(0).getString("scheduledFor")))
            .isAfter(
                Instant.parse(
                    listed.getJsonArray("jobs").getJsonObject(1).getString("scheduledFor")));
      }
    }
  }

  @Test
  void aPausedScheduleMakesNoJobsOnAnyNodeAndResumesFromTheNextOccurrence() throws Exception {
    try (TestNode node = TestNode.start(fastJobs(TestNode.tempDir()));
        TestNode other = TestNode.join(node, fastJobs(TestNode.tempDir()))) {
      long id = createSchedule(other, "pausable", "* * * * * *", "once").getLong("id");
      Poll.until("2 occurrences", LIMIT, () -> occurrences(node, id).size() >= 2);

      JsonObject paused =
          await(node.client().post("/schedules/" + id + "/pause").send()).bodyAsJsonObject();
      assertThat(paused.getString("state")).isEqualTo("paused");
      Instant pausedAt = Instant.now();
      int before = occurrences(node, id).size();
      // Nothing to wait for but the clock: three occurrences' worth of time pass while paused.
      holdFor(
          Duration.ofSeconds(3),
          () -> assertThat(occurrences(node, id).size()).isLessThanOrEqualTo(before + 1));
      Instant resumedAt = Instant.now();
      JsonObject resumed =
          await(node.client().post("/schedules/" + id + "/resume").send()).bodyAsJsonObject();
      assertThat(resumed.getString("state")).isEqualTo("active");
      assertThat(Instant.parse(resumed.getString("nextRunAt"))).isAfter(resumedAt.minusMillis(1));
      Poll.until(
          "occurrences after the resume",
          LIMIT,
          () -> occurrences(node, id).stream().anyMatch(t -> t.isAfter(resumedAt)));

      // The one occurrence a tick may have taken as the pause arrived is the last before it; none
      // fell while paused.
      assertThat(occurrences(node, id))
          .noneMatch(t -> t.isAfter(pausedAt.plusSeconds(1)) && t.isBefore(resumedAt));
      assertProblem(await(node.client().post("/schedules/999999/pause").send()), 404);
      assertThat(await(node.client().delete("/schedules/" + id).send()).statusCode())
          .isEqualTo(204);
      assertProblem(await(node.client().get("/schedules/" + id).send()), 404);
      assertThat(count(node, "SELECT count(*) FROM jobs WHERE scheduled_for IS NOT NULL"))
          .as("its jobs stay")
          .isGreaterThan(2);
    }
  }

  @Test
  void schedulesAreCheckedWhenMade() {
    try (TestNode node =
        TestNode.start(
            new JsonObject().put("roles", new JsonArray().add("http").add("persistence")))) {
      JsonObject template =
          new JsonObject().put("type", "log").put("payload", new JsonObject().put("message", "x"));
      JsonObject never =
          assertProblem(
              await(
                  node.client()
                      .post("/schedules")
                      .sendJsonObject(
                          new JsonObject()
                              .put("name", "feb30")
                              .put("cron", "0 0 30 2 *")
                              .put("job", template))),
              400);
      assertThat(never.getString("detail")).contains("never fires");
      assertProblem(
          await(
              node.client()
                  .post("/schedules")
                  .sendJsonObject(
                      new JsonObject()
                          .put("name", "bad")
                          .put("cron", "* * *")
                          .put("job", template))),
          400);
      assertProblem(
          await(
              node.client()
                  .post("/schedules")
                  .sendJsonObject(
                      new JsonObject()
                          .put("name", "zone")
                          .put("cron", "0 9 * * *")
                          .put("timeZone", "Mars/Olympus")
                          .put("job", template))),
          400);
      assertProblem(
          await(
              node.client()
                  .post("/schedules")
                  .sendJsonObject(
                      new JsonObject()
                          .put("name", "payload")
                          .put("cron", "0 9 * * *")
                          .put(
                              "job",
                              new JsonObject()
                                  .put("type", "http")
                                  .put("payload", new JsonObject().put("url", "ftp://x/"))))),
          400);
      JsonObject made = createSchedule(node, "daily", "0 9 * * MON-FRI", "skip");
      assertThat(made.getString("timeZone")).isEqualTo("UTC");
      assertThat(made.getString("missed")).isEqualTo("skip");
      assertProblem(
          await(
              node.client()
                  .post("/schedules")
                  .sendJsonObject(
                      new JsonObject()
                          .put("name", "daily")
                          .put("cron", "0 9 * * *")
                          .put("job", template))),
          409);
      JsonObject page = await(node.client().get("/schedules").send()).bodyAsJsonObject();
      assertThat(page.getJsonArray("schedules")).hasSize(1);
    }
  }

  @Test
  void occurrencesMissedWhileNoNodeRanGiveOneJobWithOnceAndNoneWithSkip() throws Exception {
    JsonObject shortGrace = fastJobs(TestNode.tempDir());
    shortGrace.getJsonObject("jobs").put("scheduleGraceMs", 1000);
    // The first node never enqueues (its tick is an hour away): while it alone runs, no node
    // enqueues.
    JsonObject idle =
        shortGrace
            .copy()
            .put("roles", new JsonArray().add("http").add("persistence"))
            .put("jobs", shortGrace.getJsonObject("jobs").copy().put("schedulePollMs", 3_600_000));
    try (TestNode store = TestNode.start(idle)) {
      long once = createSchedule(store, "catch-up", "* * * * * *", "once").getLong("id");
      long skip = createSchedule(store, "skipper", "* * * * * *", "skip").getLong("id");
      Instant downtimeFrom = Instant.now();
      LockSupport.parkNanos(Duration.ofSeconds(4).toNanos()); // the downtime itself
      try (TestNode back = TestNode.join(store, shortGrace)) {
        Poll.until(
            "both schedules enqueue again",
            LIMIT,
            () -> occurrences(back, once).size() >= 4 && occurrences(back, skip).size() >= 3);
        await(back.client().post("/schedules/" + once + "/pause").send());
        await(back.client().post("/schedules/" + skip + "/pause").send());

        // once: one job for the occurrences missed in the downtime (the latest of them), then each
        // one on time.
        List<Instant> caughtUp = occurrences(back, once);
        assertThat(caughtUp.get(0))
            .as("the earlier missed occurrences made no job")
            .isAfterOrEqualTo(
                downtimeFrom.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(3));
        assertNoGaps(caughtUp);
        // skip: nothing for them; it starts with the first occurrence on time, after that one.
        List<Instant> skipped = occurrences(back, skip);
        assertThat(skipped.get(0)).isAfter(caughtUp.get(0));
        assertNoGaps(skipped);
      }
    }
  }

  @Test
  void aNodeKilledWhileOccurrencesFallLeavesNoneOfThemWithoutAJob() throws Exception {
    Path log = TestNode.tempDir().resolve("log.txt");
    try (TestNode survivor =
        TestNode.start(
            fastJobs(log.getParent())
                .put(
                    "jobs",
                    fastJobs(log.getParent()).getJsonObject("jobs").put("leaseMs", 2000)))) {
      long id = createSchedule(survivor, "through-a-crash", "* * * * * *", "once").getLong("id");
      try (NodeProcess doomed =
          NodeProcess.start(
              survivor.databaseUrl(),
              Map.of(
                  "LOOPLINE_ROLES",
                  "persistence,worker",
                  "LOOPLINE_REDIS_NAMESPACE",
                  survivor.redisNamespace(),
                  "LOOPLINE_JOBS_SCHEDULE_POLL_MS",
                  "50",
                  "LOOPLINE_JOBS_POLL_MS",
                  "100",
                  "LOOPLINE_JOBS_LEASE_MS",
                  "2000",
                  "LOOPLINE_JOBS_LOG_PATH",
                  log.toString()))) {
        doomed.awaitLine("Loopline ready");
        Instant killedAt = Instant.now().plusSeconds(3);
        Poll.until(
            "the doomed node runs some of the jobs", LIMIT, () -> Instant.now().isAfter(killedAt));
        doomed.kill();
      }
      Instant after = Instant.now().plusSeconds(4);
      Poll.until(
          "occurrences well after the kill, all done",
          LIMIT,
          () ->
              occurrences(survivor, id).stream().anyMatch(t -> t.isAfter(after))
                  && count(
                          survivor,
                          "SELECT count(*) FROM jobs WHERE schedule_id = "
                              + id
                              + " AND state <> 'done'")
                      == 0);
      await(survivor.client().post("/schedules/" + id + "/pause").send());
      List<Instant> occurrences = occurrences(survivor, id);
      assertThat(occurrences).doesNotHaveDuplicates();
      assertNoGaps(occurrences);
      Map<String, Long> linesPerJob =
          Files.readAllLines(log).stream()
              .collect(Collectors.groupingBy(l -> l.split(" ")[2], Collectors.counting()));
      assertThat(linesPerJob.keySet()).hasSize(occurrences.size());
    }
  }

  // --- helpers

  /** Jobs claimed, retried and enqueued within tens of milliseconds, and a log file in {@code directory}. */
  private static JsonObject fastJobs(Path directory) {
    return new JsonObject()
        .put(
            "jobs",
            new JsonObject()
                .put("logPath", directory.resolve("log.txt").toString())
                .put("pollMs", 100)
                .put("backoffMs", 50)
                .put("maxBackoffMs", 200)
                .put("schedulePollMs", 50));
  }

  private static JsonObject job(String type, JsonObject payload) {
    return new JsonObject().put("type", type).put("payload", payload);
  }

  private static HttpResponse<Buffer> submit(TestNode node, JsonObject job) {
    return await(node.client().post("/jobs").sendJsonObject(job));
  }

  private static JsonObject createSchedule(TestNode node, String name, String cron, String missed) {
    HttpResponse<Buffer> made =
        await(
            node.client()
                .post("/schedules")
                .sendJsonObject(
                    new JsonObject()
                        .put("name", name)
                        .put("cron", cron)
                        .put("missed", missed)
                        .put("job", job("log", new JsonObject().put("message", name)))));
    assertThat(made.statusCode()).as(made.bodyAsString()).isEqualTo(201);
    assertThat(made.getHeader("Location"))
        .isEqualTo("/schedules/" + made.bodyAsJsonObject().getLong("id"));
    return made.bodyAsJsonObject();
  }

  private static JsonObject awaitJob(TestNode node, long id, String state) {
    JsonObject[] last = new JsonObject[1];
    Poll.until(
        "job " + id + " " + state,
        LIMIT,
        () -> {
          last[0] = await(node.client().get("/jobs/" + id).send()).bodyAsJsonObject();
          return state.equals(last[0].getString("state"));
        });
    return last[0];
  }

  /** The occurrences a schedule made jobs for, in order. */
  private static List<Instant> occurrences(TestNode node, long schedule) throws SQLException {
    List<Instant> times = new ArrayList<>();
    try (Connection db = TestServers.jdbc(node.databaseUrl());
        ResultSet rows =
            db.createStatement()
                .executeQuery(
                    "SELECT scheduled_for FROM jobs WHERE schedule_id = "
                        + schedule
                        + " ORDER BY scheduled_for")) {
      while (rows.next()) {
        times.add(rows.getTimestamp(1).toInstant());
      }
    }
    return times;
  }

  /** A per-second schedule's occurrences, one second apart from the first to the last: none was lost. */
  private static void assertNoGaps(List<Instant> occurrences) {
    for (int i = 1; i < occurrences.size(); i++) {
      assertThat(Duration.between(occurrences.get(i - 1), occurrences.get(i)))
          .as("after " + occurrences.get(i - 1))
          .isEqualTo(Duration.ofSeconds(1));
    }
  }

  /** Checks {@code invariant} again and again for {@code duration}: for what must not happen while time passes. */
  private static void holdFor(Duration duration, ThrowingRunnable invariant) throws Exception {
    long end = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < end) {
      invariant.run();
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static long count(TestNode node, String sql) throws SQLException {
    try (Connection db = TestServers.jdbc(node.databaseUrl());
        ResultSet rows = db.createStatement().executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
