package io.loopline.jobs;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.loopline.contract.Addresses;
import io.loopline.support.Poll;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Durable jobs end to end: accepted over HTTP or the bus, stored in PostgreSQL, run by the worker role. */
class JobsIT {

  private static final Duration LIMIT = Duration.ofSeconds(60);

  @Test
  void aLogRequestIsAcceptedAtOnceAndItsLineWritten() throws Exception {
    Path file = TestNode.tempDir().resolve("log.txt");
    try (TestNode node = TestNode.start(logTo(file))) {
      HttpResponse<Buffer> accepted =
          await(
              node.client().post("/log").sendJsonObject(new JsonObject().put("message", "hello")));

      assertThat(accepted.statusCode()).isEqualTo(202);
      long id = accepted.bodyAsJsonObject().getLong("id");
      assertThat(accepted.getHeader("Location")).isEqualTo("/jobs/" + id);
      awaitState(node, id, "done");
      JsonObject job = await(node.client().get("/jobs/" + id).send()).bodyAsJsonObject();
      assertThat(job.getInteger("attempts")).isEqualTo(1);
      assertThat(job.getString("finishedAt")).isNotNull();
      assertThat(Files.readAllLines(file))
          .singleElement()
          .asString()
          .matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z job " + id + ": hello");
    }
  }

  @Test
  void aBurstOfAThousandRequestsIsWrittenInFullEachOnce() throws Exception {
    Path file = TestNode.tempDir().resolve("log.txt");
    try (TestNode node = TestNode.start(logTo(file))) {
      List<Future<HttpResponse<Buffer>>> requests =
          IntStream.range(0, 1000)
              .mapToObj(
                  i ->
                      node.client()
                          .post("/log")
                          .sendJsonObject(
                              new JsonObject().put("message", "line " + i + " " + "x".repeat(200))))
              .collect(Collectors.toList());
      await(Future.join(requests));
      assertThat(requests).allSatisfy(r -> assertThat(r.result().statusCode()).isEqualTo(202));

      Poll.until(
          "1000 jobs done",
          LIMIT,
          () -> count(node, "SELECT count(*) FROM jobs WHERE state = 'done'") == 1000);
      assertThat(count(node, "SELECT count(*) FROM jobs WHERE attempts <> 1")).isZero();
      List<String> lines = Files.readAllLines(file);
      assertThat(lines).hasSize(1000).allMatch(l -> l.matches("\\S+ job \\d+: line \\d+ x{200}"));
      Map<String, Long> perJob =
          lines.stream()
              .collect(Collectors.groupingBy(l -> l.split(" ")[2], Collectors.counting()));
      assertThat(perJob).hasSize(1000).allSatisfy((job, times) -> assertThat(times).isEqualTo(1));
    }
  }

  @Test
  void theSameIdempotencyKeyMakesOneJob() throws Exception {
    try (TestNode node = TestNode.start(logTo(TestNode.tempDir().resolve("log.txt")))) {
      JsonObject first =
          await(
                  node.client()
                      .post("/log")
                      .putHeader("Idempotency-Key", "order-17")
                      .sendJsonObject(new JsonObject().put("message", "once")))
              .bodyAsJsonObject();
      JsonObject second =
          await(
                  node.client()
                      .post("/log")
                      .putHeader("Idempotency-Key", "order-17")
                      .sendJsonObject(new JsonObject().put("message", "once")))
              .bodyAsJsonObject();

      assertThat(second.getLong("id")).isEqualTo(first.getLong("id"));
      assertThat(first.getBoolean("existing")).isFalse();
      assertThat(second.getBoolean("existing")).isTrue();
      assertThat(count(node, "SELECT count(*) FROM jobs WHERE idempotency_key = 'order-17'"))
          .isEqualTo(1);
    }
  }

  @Test
  void failuresAreRetriedWithBackoffThenDeadAndCanBeRetried() throws Exception {
    Path directory = TestNode.tempDir();
    JsonObject unwritable =
        logTo(directory)
            .put(
                "jobs",
                logTo(directory)
                    .getJsonObject("jobs")
                    .put("backoffMs", 20)
                    .put("maxBackoffMs", 100)
                    .put("pollMs", 50));
    try (TestNode node = TestNode.start(unwritable)) {
      long id =
          await(
                  node.client()
                      .post("/log")
                      .sendJsonObject(new JsonObject().put("message", "nowhere")))
              .bodyAsJsonObject()
              .getLong("id");

      awaitState(node, id, "dead");
      JsonObject dead = await(node.client().get("/jobs/" + id).send()).bodyAsJsonObject();
      assertThat(dead.getInteger("attempts")).isEqualTo(5);
      assertThat(dead.getString("lastError")).contains("cannot append");

      HttpResponse<Buffer> retried = await(node.client().post("/jobs/" + id + "/retry").send());
      assertThat(retried.statusCode()).isEqualTo(200);
      assertThat(retried.bodyAsJsonObject().getInteger("attempts")).isZero();
      awaitState(node, id, "dead");
      assertThat(
              await(node.client().get("/jobs/" + id).send())
                  .bodyAsJsonObject()
                  .getInteger("attempts"))
          .isEqualTo(5);
      assertProblem(await(node.client().post("/jobs/999999/retry").send()), 404);
    }
  }

  @Test
  void onlyPendingJobsCanBeCancelledAndOnlyDeadOnesRetried() {
    JsonObject noRunner =
        new JsonObject().put("roles", new JsonArray().add("http").add("persistence"));
    try (TestNode node = TestNode.start(noRunner)) {
      long id =
          await(node.client().post("/log").sendJsonObject(new JsonObject().put("message", "never")))
              .bodyAsJsonObject()
              .getLong("id");

      HttpResponse<Buffer> cancelled = await(node.client().delete("/jobs/" + id).send());
      assertThat(cancelled.statusCode()).isEqualTo(200);
      assertThat(cancelled.bodyAsJsonObject().getString("state")).isEqualTo("cancelled");
      assertProblem(await(node.client().delete("/jobs/" + id).send()), 409);
      assertProblem(await(node.client().post("/jobs/" + id + "/retry").send()), 409);
      JsonObject page =
          await(node.client().get("/jobs?state=cancelled&type=log").send()).bodyAsJsonObject();
      assertThat(page.getJsonArray("jobs").stream().map(j -> ((JsonObject) j).getLong("id")))
          .containsExactly(id);
      assertProblem(await(node.client().get("/jobs?state=lost").send()), 400);
      assertProblem(await(node.client().get("/jobs/999999").send()), 404);
    }
  }

  @Test
  void aJobWhoseRunnerStopsRenewingIsRunAgainByAnotherNode() throws Exception {
    JsonObject noRunner =
        new JsonObject().put("roles", new JsonArray().add("http").add("persistence"));
    try (TestNode first = TestNode.start(noRunner)) {
      long id =
          await(
                  first
                      .client()
                      .post("/log")
                      .sendJsonObject(new JsonObject().put("message", "survivor")))
              .bodyAsJsonObject()
              .getLong("id");
      // A runner that claims the job and then dies: it never renews, completes or fails it.
      JsonObject claimed =
          ask(
              first,
              Addresses.JOBS_CLAIM,
              new JsonObject()
                  .put("owner", "crashed-runner")
                  .put("types", new JsonArray().add("log"))
                  .put("limit", 1)
                  .put("leaseMs", 300));
      assertThat(claimed.getJsonArray("jobs").getJsonObject(0).getLong("id")).isEqualTo(id);

      Path file = TestNode.tempDir().resolve("log.txt");
      JsonObject runner =
          logTo(file).put("roles", new JsonArray().add("persistence").add("worker"));
      runner.getJsonObject("jobs").put("pollMs", 100);
      try (TestNode second = TestNode.join(first, runner)) {
        awaitState(first, id, "done");
        JsonObject job = ask(first, Addresses.JOBS_GET, new JsonObject().put("id", id));
        assertThat(job.getInteger("attempts")).isEqualTo(2);
        assertThat(Files.readAllLines(file))
            .singleElement()
            .asString()
            .endsWith("job " + id + ": survivor");
      }
      ReplyException late =
          catchThrowableOfType(
              ReplyException.class,
              () ->
                  ask(
                      first,
                      Addresses.JOBS_COMPLETE,
                      new JsonObject().put("id", id).put("owner", "crashed-runner")));
      assertThat(late.failureCode()).isEqualTo(409);
    }
  }

  @Test
  void aStoppingRunnerFinishesOrReleasesItsJobsAndAnotherNodeDoesTheRest() throws Exception {
    Path file = TestNode.tempDir().resolve("log.txt");
    JsonObject storeOnly = new JsonObject().put("roles", new JsonArray().add("persistence"));
    JsonObject runner = logTo(file).put("roles", new JsonArray().add("persistence").add("worker"));
    runner.getJsonObject("jobs").put("concurrency", 4);
    try (TestNode store = TestNode.start(storeOnly)) {
      try (TestNode stopping = TestNode.join(store, runner.copy())) {
        List<Future<JsonObject>> submitted =
            IntStream.range(0, 300)
                .mapToObj(
                    i ->
                        store
                            .vertx()
                            .eventBus()
                            .<JsonObject>request(
                                Addresses.JOBS_SUBMIT,
                                new JsonObject()
                                    .put("type", "log")
                                    .put("payload", new JsonObject().put("message", "job " + i)))
                            .map(Message::body))
                .collect(Collectors.toList());
        await(Future.join(submitted));
        Poll.until(
            "some jobs done",
            LIMIT,
            () -> count(store, "SELECT count(*) FROM jobs WHERE state = 'done'") >= 20);
      } // the runner stops here: it finishes or releases what it holds
      assertThat(
              count(
                  store,
                  "SELECT count(*) FROM jobs WHERE state = 'running' OR lease_owner IS NOT NULL"))
          .isZero();

      try (TestNode next = TestNode.join(store, runner)) {
        Poll.until(
            "300 jobs done",
            LIMIT,
            () -> count(store, "SELECT count(*) FROM jobs WHERE state = 'done'") == 300);
      }
      Map<String, Long> perJob =
          Files.readAllLines(file).stream()
              .collect(Collectors.groupingBy(l -> l.split(" ")[2], Collectors.counting()));
      assertThat(perJob).hasSize(300).allSatisfy((job, times) -> assertThat(times).isEqualTo(1));
    }
  }

  private static JsonObject logTo(Path file) {
    return new JsonObject().put("jobs", new JsonObject().put("logPath", file.toString()));
  }

  private static JsonObject ask(TestNode node, String address, JsonObject body) {
    return await(node.vertx().eventBus().<JsonObject>request(address, body).map(Message::body));
  }

  private static void awaitState(TestNode node, long id, String state) {
    Function<Long, String> current =
        job -> ask(node, Addresses.JOBS_GET, new JsonObject().put("id", job)).getString("state");
    Poll.until("job " + id + " " + state, LIMIT, () -> state.equals(current.apply(id)));
  }

  private static long count(TestNode node, String sql) throws SQLException {
    try (Connection db = TestServers.jdbc(node.databaseUrl());
        ResultSet rows = db.createStatement().executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
