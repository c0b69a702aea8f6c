package io.loopline.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.Addresses;
import io.loopline.contract.JobType;
import io.loopline.support.BusClient;
import io.loopline.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The jobs addresses of docs/event-bus.md sent to directly, as another service would: submitting and reading,
 * the runner's claim, renew, complete, fail and release (this test is the runner: the node has no worker
 * role), retry and cancel, dead jobs in bulk, schedules, and the {@code jobs.available} notification.
 */
class JobsBusIT {

  private static TestNode node;
  private static BusClient bus;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("roles", new JsonArray().add("persistence")));
    bus = new BusClient(node.vertx().eventBus());
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(node);
  }

  private static JsonObject submit(JsonObject extra) {
    return bus.ask(
        Addresses.JOBS_SUBMIT,
        new JsonObject()
            .put("type", "log")
            .put("payload", new JsonObject().put("message", "bus " + UUID.randomUUID()))
            .mergeIn(extra));
  }

  @Test
  void submitGetListAndCounts() {
    try (BusClient.Inbox available = bus.listen(Addresses.JOBS_AVAILABLE)) {
      JsonObject job = submit(new JsonObject().put("maxAttempts", 3));
      assertThat(job.getString("state")).isEqualTo("pending");
      assertThat(job.getInteger("attempts")).isZero();
      assertThat(job.getInteger("maxAttempts")).isEqualTo(3);
      assertThat(job.getBoolean("existing")).isFalse();
      assertThat(available.next()).isEqualTo(new JsonObject().put("type", "log"));

      long id = job.getLong("id");
      assertThat(
              bus.ask(Addresses.JOBS_GET, new JsonObject().put("id", id)).getJsonObject("payload"))
          .isEqualTo(job.getJsonObject("payload"));
      assertThat(bus.failureCode(Addresses.JOBS_GET, new JsonObject().put("id", 999_999_999), ""))
          .isEqualTo(404);
      assertThat(bus.failureCode(Addresses.JOBS_GET, new JsonObject().put("id", "1"), "id: "))
          .isEqualTo(400);

      JsonObject again = submit(new JsonObject().put("idempotencyKey", "once-" + id));
      JsonObject same = submit(new JsonObject().put("idempotencyKey", "once-" + id));
      assertThat(same.getBoolean("existing")).isTrue();
      assertThat(same.getLong("id")).isEqualTo(again.getLong("id"));

      assertThat(
              bus.failureCode(
                  Addresses.JOBS_SUBMIT,
                  new JsonObject().put("type", "nope").put("payload", new JsonObject()),
                  ""))
          .isEqualTo(400);
      assertThat(
              bus.failureCode(
                  Addresses.JOBS_SUBMIT,
                  new JsonObject()
                      .put("type", "log")
                      .put("payload", new JsonObject())
                      .put("colour", "red"),
                  ""))
          .isEqualTo(400);
      assertThat(
              bus.failureCode(
                  Addresses.JOBS_SUBMIT,
                  new JsonObject()
                      .put("type", "log")
                      .put("payload", new JsonObject().put("message", "m"))
                      .put("runAt", "tomorrow"),
                  ""))
          .isEqualTo(400);
      assertThat(
              bus.failureCode(
                  Addresses.JOBS_SUBMIT,
                  new JsonObject()
                      .put("type", "log")
                      .put("payload", new JsonObject().put("message", "m"))
                      .put("maxAttempts", 101),
                  ""))
          .isEqualTo(400);

      List<Long> ascending =
          ids(bus.ask(Addresses.JOBS_LIST, new JsonObject().put("type", "log").put("limit", 200)));
      assertThat(ascending).contains(id, again.getLong("id")).isSorted();
      List<Long> descending =
          ids(
              bus.ask(
                  Addresses.JOBS_LIST,
                  new JsonObject().put("type", "log").put("order", "desc").put("limit", 200)));
      List<Long> reversed = new java.util.ArrayList<>(ascending);
      java.util.Collections.reverse(reversed);
      assertThat(descending).containsExactlyElementsOf(reversed);
      JsonObject page = bus.ask(Addresses.JOBS_LIST, new JsonObject().put("limit", 1));
      assertThat(page.getJsonArray("jobs")).hasSize(1);
      assertThat(
              ids(
                  bus.ask(
                      Addresses.JOBS_LIST,
                      new JsonObject().put("limit", 1).put("cursor", page.getString("next")))))
          .doesNotContainAnyElementsOf(ids(page));
      assertThat(
              bus.failureCode(
                  Addresses.JOBS_LIST, new JsonObject().put("state", "lost"), "state: "))
          .isEqualTo(400);
      assertThat(
              bus.failureCode(
                  Addresses.JOBS_LIST, new JsonObject().put("cursor", "!!"), "cursor: "))
          .isEqualTo(400);

      JsonObject counts = bus.ask(Addresses.JOBS_COUNTS, new JsonObject());
      assertThat(counts.getJsonObject("states").fieldNames())
          .containsExactlyInAnyOrder("pending", "running", "done", "dead", "cancelled");
      assertThat(counts.getJsonObject("types").fieldNames()).contains("log", "http", "scrape");
      assertThat(counts.getJsonObject("types").getJsonObject("log").getInteger("pending"))
          .isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void aRunnerClaimsRenewsAndCompletesUnderItsLease() {
    long id = submit(new JsonObject()).getLong("id");
    String owner = "runner-" + UUID.randomUUID();

    JsonObject claimed = claimed(owner, id);
    assertThat(claimed.getString("state")).isEqualTo("running");
    assertThat(claimed.getString("leaseOwner")).isEqualTo(owner);
    assertThat(claimed.getInteger("attempts")).isEqualTo(1);
    assertThat(claimed.getString("leaseExpiresAt")).isNotNull();

    JsonObject renewed =
        bus.ask(
            Addresses.JOBS_RENEW,
            new JsonObject()
                .put("owner", owner)
                .put("ids", new JsonArray().add(id).add(999_999_999))
                .put("leaseMs", 120_000));
    assertThat(renewed.getJsonArray("renewed")).containsExactly(id);
    assertThat(
            bus.ask(
                    Addresses.JOBS_RENEW,
                    new JsonObject()
                        .put("owner", "someone-else")
                        .put("ids", new JsonArray().add(id))
                        .put("leaseMs", 120_000))
                .getJsonArray("renewed"))
        .isEmpty();
    assertThat(
            bus.ask(Addresses.JOBS_GET, new JsonObject().put("id", id)).getString("leaseExpiresAt"))
        .isGreaterThan(claimed.getString("leaseExpiresAt"));
    assertThat(
            bus.failureCode(
                Addresses.JOBS_RENEW, new JsonObject().put("ids", new JsonArray().add(id)), ""))
        .isEqualTo(400);

    // Only the lease holder may finish it.
    assertThat(
            bus.failureCode(
                Addresses.JOBS_COMPLETE,
                new JsonObject().put("id", id).put("owner", "someone-else"),
                ""))
        .isEqualTo(409);
    assertThat(bus.failureCode(Addresses.JOBS_CANCEL, new JsonObject().put("id", id), ""))
        .as("running, not pending")
        .isEqualTo(409);
    JsonObject done =
        bus.ask(
            Addresses.JOBS_COMPLETE,
            new JsonObject()
                .put("id", id)
                .put("owner", owner)
                .put("result", new JsonObject().put("lines", 1)));
    assertThat(done.getString("state")).isEqualTo("done");
    assertThat(done.getJsonObject("result")).isEqualTo(new JsonObject().put("lines", 1));
    assertThat(done.getString("finishedAt")).isNotNull();
    assertThat(
            bus.failureCode(
                Addresses.JOBS_COMPLETE, new JsonObject().put("id", id).put("owner", owner), ""))
        .isEqualTo(409);
    assertThat(bus.failureCode(Addresses.JOBS_RETRY, new JsonObject().put("id", id), ""))
        .as("done, not dead")
        .isEqualTo(409);
    assertThat(
            bus.failureCode(
                Addresses.JOBS_CLAIM,
                new JsonObject().put("types", new JsonArray().add("log")),
                ""))
        .isEqualTo(400);
  }

  @Test
  void aFailedAttemptWaitsThenTheLastOneIsDeadAndCanBeRetried() {
    long id = submit(new JsonObject().put("maxAttempts", 2)).getLong("id");
    String owner = "runner-" + UUID.randomUUID();

    claimed(owner, id);
    JsonObject waiting =
        bus.ask(
            Addresses.JOBS_FAIL,
            new JsonObject()
                .put("id", id)
                .put("owner", owner)
                .put("error", "first try")
                .put("retryInMs", 3_600_000));
    assertThat(waiting.getString("state")).isEqualTo("pending");
    assertThat(waiting.getString("lastError")).isEqualTo("first try");
    // Not due for an hour: a claim does not take it.
    assertThat(ids(bus.ask(Addresses.JOBS_CLAIM, claim(owner)))).doesNotContain(id);

    assertThat(bus.failureCode(Addresses.JOBS_RETRY, new JsonObject().put("id", id), ""))
        .as("pending, not dead")
        .isEqualTo(409);
    JsonObject cancelled = bus.ask(Addresses.JOBS_CANCEL, new JsonObject().put("id", id));
    assertThat(cancelled.getString("state")).isEqualTo("cancelled");
    assertThat(bus.failureCode(Addresses.JOBS_CANCEL, new JsonObject().put("id", id), ""))
        .isEqualTo(409);
    assertThat(bus.failureCode(Addresses.JOBS_CANCEL, new JsonObject().put("id", 999_999_999), ""))
        .isEqualTo(404);
    assertThat(bus.failureCode(Addresses.JOBS_RETRY, new JsonObject().put("id", 999_999_999), ""))
        .isEqualTo(404);

    long last = submit(new JsonObject().put("maxAttempts", 1)).getLong("id");
    claimed(owner, last);
    JsonObject dead =
        bus.ask(
            Addresses.JOBS_FAIL,
            new JsonObject()
                .put("id", last)
                .put("owner", owner)
                .put("error", "only try")
                .put("retryInMs", 0));
    assertThat(dead.getString("state")).isEqualTo("dead");
    assertThat(
            bus.failureCode(
                Addresses.JOBS_FAIL,
                new JsonObject()
                    .put("id", last)
                    .put("owner", owner)
                    .put("error", "again")
                    .put("retryInMs", 0),
                ""))
        .as("the lease ended with the job")
        .isEqualTo(409);
    JsonObject retried = bus.ask(Addresses.JOBS_RETRY, new JsonObject().put("id", last));
    assertThat(retried.getString("state")).isEqualTo("pending");
    assertThat(retried.getInteger("attempts")).isZero();

    // final: dead at once, whatever attempts are left.
    long hopeless = submit(new JsonObject().put("maxAttempts", 5)).getLong("id");
    claimed(owner, hopeless);
    assertThat(
            bus.ask(
                    Addresses.JOBS_FAIL,
                    new JsonObject()
                        .put("id", hopeless)
                        .put("owner", owner)
                        .put("error", "bad payload")
                        .put("retryInMs", 0)
                        .put("final", true))
                .getString("state"))
        .isEqualTo("dead");
  }

  @Test
  void deadJobsAreRetriedOrDiscardedInBulk() {
    String owner = "runner-" + UUID.randomUUID();
    long first = deadJob(owner);
    long second = deadJob(owner);

    JsonObject retried =
        bus.ask(Addresses.JOBS_RETRY_DEAD, new JsonObject().put("ids", new JsonArray().add(first)));
    assertThat(retried).isEqualTo(new JsonObject().put("retried", 1).put("more", false));
    assertThat(bus.ask(Addresses.JOBS_GET, new JsonObject().put("id", first)).getString("state"))
        .isEqualTo("pending");

    JsonObject discarded =
        bus.ask(
            Addresses.JOBS_DISCARD_DEAD,
            new JsonObject().put("ids", new JsonArray().add(second).add(first)));
    assertThat(discarded)
        .as("only the dead one of the two")
        .isEqualTo(new JsonObject().put("discarded", 1).put("more", false));
    assertThat(bus.failureCode(Addresses.JOBS_GET, new JsonObject().put("id", second), ""))
        .isEqualTo(404);
    assertThat(
            bus.failureCode(
                Addresses.JOBS_RETRY_DEAD, new JsonObject().put("ids", new JsonArray()), "ids: "))
        .isEqualTo(400);
    assertThat(
            bus.failureCode(
                Addresses.JOBS_DISCARD_DEAD,
                new JsonObject().put("ids", new JsonArray().add("x")),
                ""))
        .isEqualTo(400);
  }

  @Test
  void aStoppingRunnerReleasesItsJobsWithTheAttemptNotCounted() {
    long id = submit(new JsonObject()).getLong("id");
    String owner = "runner-" + UUID.randomUUID();
    claimed(owner, id);

    JsonObject released = bus.ask(Addresses.JOBS_RELEASE, new JsonObject().put("owner", owner));
    assertThat(released.getJsonArray("released")).contains(id);
    JsonObject job = bus.ask(Addresses.JOBS_GET, new JsonObject().put("id", id));
    assertThat(job.getString("state")).isEqualTo("pending");
    assertThat(job.getInteger("attempts")).isZero();
    assertThat(job.getString("leaseOwner")).isNull();
    assertThat(bus.failureCode(Addresses.JOBS_RELEASE, new JsonObject(), "owner: ")).isEqualTo(400);
  }

  @Test
  void schedulesAreMadeReadPausedResumedAndDeleted() {
    String name = "bus-" + UUID.randomUUID();
    JsonObject schedule =
        bus.ask(
            Addresses.SCHEDULES_CREATE,
            new JsonObject()
                .put("name", name)
                .put("cron", "0 3 * * *")
                .put(
                    "job",
                    new JsonObject()
                        .put("type", "log")
                        .put("payload", new JsonObject().put("message", "nightly"))));
    long id = schedule.getLong("id");
    assertThat(schedule.getString("state")).isEqualTo("active");
    assertThat(schedule.getString("timeZone")).isEqualTo("UTC");
    assertThat(schedule.getString("nextRunAt")).endsWith("T03:00:00Z");

    assertThat(
            bus.failureCode(
                Addresses.SCHEDULES_CREATE,
                new JsonObject()
                    .put("name", name)
                    .put("cron", "0 3 * * *")
                    .put(
                        "job",
                        new JsonObject()
                            .put("type", "log")
                            .put("payload", new JsonObject().put("message", "x"))),
                ""))
        .isEqualTo(409);
    assertThat(
            bus.failureCode(
                Addresses.SCHEDULES_CREATE,
                new JsonObject()
                    .put("name", name + "-2")
                    .put("cron", "every day")
                    .put(
                        "job",
                        new JsonObject()
                            .put("type", "log")
                            .put("payload", new JsonObject().put("message", "x"))),
                ""))
        .isEqualTo(400);

    assertThat(bus.ask(Addresses.SCHEDULES_GET, new JsonObject().put("id", id)))
        .isEqualTo(schedule);
    assertThat(
            bus.ask(Addresses.SCHEDULES_LIST, new JsonObject().put("limit", 200))
                .getJsonArray("schedules"))
        .extracting(s -> ((JsonObject) s).getLong("id"))
        .contains(id);
    assertThat(
            bus.ask(Addresses.SCHEDULES_PAUSE, new JsonObject().put("id", id)).getString("state"))
        .isEqualTo("paused");
    assertThat(
            bus.ask(Addresses.SCHEDULES_RESUME, new JsonObject().put("id", id)).getString("state"))
        .isEqualTo("active");
    assertThat(bus.ask(Addresses.SCHEDULES_DELETE, new JsonObject().put("id", id)))
        .isEqualTo(new JsonObject().put("id", id));
    for (String address :
        List.of(
            Addresses.SCHEDULES_GET,
            Addresses.SCHEDULES_PAUSE,
            Addresses.SCHEDULES_RESUME,
            Addresses.SCHEDULES_DELETE)) {
      assertThat(bus.failureCode(address, new JsonObject().put("id", id), ""))
          .as(address)
          .isEqualTo(404);
    }
    assertThat(
            bus.failureCode(Addresses.SCHEDULES_LIST, new JsonObject().put("limit", 0), "limit: "))
        .isEqualTo(400);
  }

  @Test
  void theWorkersRunAddressesRunAJobHandedToThem() throws Exception {
    java.nio.file.Path log = TestNode.tempDir().resolve("run.log");
    // A worker (and the scraper, whose guard webhooks go through) with no persistence: nothing to
    // claim.
    try (TestNode worker =
        TestNode.start(
            new JsonObject()
                .put("roles", new JsonArray().add("worker").add("scraper"))
                .put("jobs", new JsonObject().put("logPath", log.toString())))) {
      BusClient local = new BusClient(worker.vertx().eventBus());
      JsonObject job =
          new JsonObject()
              .put("id", 7)
              .put("type", "log")
              .put("payload", new JsonObject().put("message", "handed over"));

      JsonObject ran = local.ask(JobType.LOG.runAddress(), job);
      assertThat(ran.getString("file")).isEqualTo(log.toAbsolutePath().normalize().toString());
      assertThat(ran.getInteger("bytes")).isPositive();
      assertThat(java.nio.file.Files.readString(log)).endsWith(" job 7: handed over\n");
      // A webhook the SSRF guard refuses (loopback, not allowed) ends its job: 400, not retried.
      JsonObject webhook =
          new JsonObject()
              .put("id", 8)
              .put("type", "http")
              .put(
                  "payload",
                  new JsonObject().put("url", "http://127.0.0.1:9/hook").put("method", "POST"));
      assertThat(local.failureCode(JobType.HTTP.runAddress(), webhook, "")).isEqualTo(400);
      assertThat(
              local
                  .ask(Addresses.health(io.loopline.contract.Role.WORKER), new JsonObject())
                  .getString("role"))
          .isEqualTo("worker");
    }
  }

  /** A job claimed by {@code owner} and failed for good: dead. */
  private static long deadJob(String owner) {
    long id = submit(new JsonObject().put("maxAttempts", 1)).getLong("id");
    claimed(owner, id);
    bus.ask(
        Addresses.JOBS_FAIL,
        new JsonObject()
            .put("id", id)
            .put("owner", owner)
            .put("error", "gone")
            .put("retryInMs", 0));
    return id;
  }

  /** Claims due log jobs for {@code owner} and returns job {@code id} among them. */
  private static JsonObject claimed(String owner, long id) {
    JsonArray jobs = bus.ask(Addresses.JOBS_CLAIM, claim(owner)).getJsonArray("jobs");
    return jobs.stream()
        .map(JsonObject.class::cast)
        .filter(j -> Long.valueOf(id).equals(j.getLong("id")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("job " + id + " was not claimed: " + jobs.encode()));
  }

  private static JsonObject claim(String owner) {
    return new JsonObject()
        .put("owner", owner)
        .put("types", new JsonArray().add("log"))
        .put("limit", 1000)
        .put("leaseMs", 120_000);
  }

  private static List<Long> ids(JsonObject page) {
    JsonArray jobs = page.getJsonArray("jobs");
    return jobs.stream().map(j -> ((JsonObject) j).getLong("id")).toList();
  }
}
