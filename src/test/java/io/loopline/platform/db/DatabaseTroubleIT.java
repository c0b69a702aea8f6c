package io.loopline.platform.db;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.Responses.checks;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.LogCapture;
import io.loopline.support.Poll;
import io.loopline.support.TcpProxy;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL slow, saturated or gone: clients get 503 with Retry-After within the timeout, never a hang,
 * and the node recovers by itself. Locks taken from a second connection make a query wait on purpose.
 */
class DatabaseTroubleIT {

  @Test
  void aFullWaitQueueAnswers503AtOnce() throws Exception {
    // One connection and one place in the wait queue are all the reads below get: nothing else may
    // use
    // them. So the node runs only the roles a read needs (no job, scrape or chat runners polling
    // the
    // database), with its periodic schedule and cache-identity checks out of the way, and the items
    // are
    // written beside it, not through the pool.
    JsonObject tiny =
        new JsonObject()
            .put("roles", new JsonArray().add("http").add("persistence").add("cache"))
            .put(
                "db",
                new JsonObject()
                    .put("poolSize", 1)
                    .put("pipeliningLimit", 1)
                    .put("maxWaitQueueSize", 1)
                    .put("queryTimeoutMs", 120_000))
            .put("jobs", new JsonObject().put("schedulePollMs", 3_600_000))
            .put("cache", new JsonObject().put("identityCheckMs", 3_600_000));
    try (TestNode node = TestNode.start(tiny)) {
      // Five different items: concurrent reads of one item would share a single load.
      List<Long> ids = insertItems(node, 5);
      List<Future<HttpResponse<Buffer>>> reads;
      int refusedCount;
      try (Connection lock = lockItems(node)) {
        reads =
            ids.stream()
                .map(id -> node.client().get("/items/" + id).send())
                .collect(Collectors.toList());
        // One read holds the only connection, blocked by the lock; beyond the one-place wait queue,
        // reads are
        // turned away at once instead of waiting without bound.
        awaitWaiting(lock, 1);
        List<HttpResponse<Buffer>> refused =
            Poll.value(
                "three reads turned away",
                Duration.ofSeconds(20),
                () -> reads.stream().filter(Future::isComplete).map(Future::result).toList(),
                done -> done.size() >= 3);
        assertThat(refused)
            .hasSizeGreaterThanOrEqualTo(3)
            .hasSizeLessThan(5)
            .allSatisfy(
                r -> {
                  assertProblem(r, 503);
                  assertThat(r.getHeader("Retry-After")).isEqualTo("5");
                });
        lock.rollback();
        refusedCount = refused.size();
      }
      // Every read that was let in completes once the lock is gone.
      Map<Integer, Long> statuses =
          reads.stream()
              .map(TestNode::await)
              .collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
      // (A refusal still on its way when the three were counted may come in after: at most one.)
      assertThat(statuses.keySet()).containsOnly(200, 503);
      assertThat(statuses.get(503)).isBetween((long) refusedCount, 4L);
      assertThat(statuses.get(200)).isPositive();
    }
  }

  @Test
  void aStatementOverTheTimeoutIsCancelledAndAnswered503() throws Exception {
    try (TestNode node =
        TestNode.start(new JsonObject().put("db", new JsonObject().put("queryTimeoutMs", 500)))) {
      long id = createItem(node);
      try (Connection lock = lockItems(node)) {
        long start = System.nanoTime();
        HttpResponse<Buffer> response = await(node.client().get("/items/" + id).send());
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertProblem(response, 503);
        // Waiting for the lock would never end: the statement timeout (500 ms) is what answers.
        assertThat(elapsedMs).isBetween(450L, 5 * 500L + 2000L);
        lock.rollback();
      }
      assertThat(await(node.client().get("/items/" + id).send()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void slowStatementsAreLoggedWithTheirPlan() throws Exception {
    try (TestNode node =
            TestNode.start(new JsonObject().put("db", new JsonObject().put("slowQueryMs", 50)));
        LogCapture slowLog = new LogCapture("io.loopline.persistence.SlowQuery")) {
      long id = createItem(node);
      Future<HttpResponse<Buffer>> read;
      try (Connection lock = lockItems(node)) {
        read = node.client().get("/items/" + id).send();
        awaitWaiting(lock, 1);
        lock.createStatement().execute("SELECT pg_sleep(0.1)");
        lock.rollback();
      }
      assertThat(await(read).statusCode()).isEqualTo(200);

      String line = slowLog.await("FROM items WHERE id = $1");
      assertThat(line).startsWith("slow statement (").contains("Scan");
    }
  }

  @Test
  void postgresqlGoneAnswers503AndTheNodeRecoversAlone() throws Exception {
    String database = TestServers.createDatabase();
    try (TcpProxy proxy = TcpProxy.toPostgres()) {
      JsonObject viaProxy =
          new JsonObject()
              .put(
                  "db",
                  new JsonObject()
                      .put("url", proxy.url(database))
                      .put("connectTimeoutMs", 1000)
                      .put("queryTimeoutMs", 1000));
      try (TestNode node = TestNode.start(viaProxy)) {
        List<Long> acknowledged = new ArrayList<>();
        acknowledged.add(createItem(node));

        proxy.stop();
        long start = System.nanoTime();
        HttpResponse<Buffer> read =
            await(node.client().get("/items/" + acknowledged.get(0)).send());
        assertProblem(read, 503);
        assertThat(read.getHeader("Retry-After")).isNotNull();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
            .as("within the timeouts of 1 s, five times over")
            .isLessThan(10_000);
        HttpResponse<Buffer> write =
            await(node.client().post("/items").sendJsonObject(item("during outage")));
        assertProblem(write, 503);
        // Readiness answers from a report up to a second old, kept by each HTTP verticle instance:
        // the assertion is
        // on the answer that first said "not ready", not on a later request that may reach an older
        // report.
        HttpResponse<Buffer> ready =
            Poll.value(
                "not ready",
                Duration.ofSeconds(30),
                () -> await(node.client().get("/health/ready").send()),
                r -> r.statusCode() == 503);
        assertThat(checks(ready.bodyAsJsonObject()).get("database").getString("status"))
            .isEqualTo("DOWN");

        proxy.start();
        assertThat(await(node.client().get("/items/" + acknowledged.get(0)).send()).statusCode())
            .isEqualTo(200);
        acknowledged.add(createItem(node));
        // Readiness answers from a report up to a second old (the one made during the outage, at
        // first).
        Poll.until(
            "ready again",
            Duration.ofSeconds(30),
            () -> await(node.client().get("/health/ready").send()).statusCode() == 200);

        try (Connection db = TestServers.jdbc(database);
            ResultSet rows =
                db.createStatement().executeQuery("SELECT id, name FROM items ORDER BY id")) {
          List<Long> stored = new ArrayList<>();
          while (rows.next()) {
            stored.add(rows.getLong("id"));
            assertThat(rows.getString("name")).isNotEqualTo("during outage");
          }
          assertThat(stored).containsExactlyElementsOf(acknowledged);
        }
      }
    } finally {
      TestServers.dropDatabase(database);
    }
  }

  /**
   * A scrape job cancelled while its pages are being claimed: the cancel locks the job then its pages, the
   * claim its pages then the job. Here another connection plays the claim, and PostgreSQL aborts the node's
   * cancel to break the deadlock (the node's sessions detect deadlocks after 10 s, the other connection never,
   * so the victim is certain however slow this machine is, and its statements time out only after a minute);
   * the node runs it again and answers.
   */
  @Test
  void aTransactionAbortedToBreakADeadlockIsRunAgain() throws Exception {
    String database = TestServers.createDatabase();
    try {
      try (Connection admin = TestServers.jdbc(database);
          Statement st = admin.createStatement()) {
        st.execute("ALTER DATABASE " + admin.getCatalog() + " SET deadlock_timeout = '10s'");
      }
      try (TestNode node =
              TestNode.start(
                  new JsonObject()
                      .put("roles", new io.vertx.core.json.JsonArray().add("persistence"))
                      .put(
                          "db",
                          new JsonObject().put("url", database).put("queryTimeoutMs", 60_000)));
          Connection claim = TestServers.jdbc(database)) {
        JsonObject job =
            await(
                node.vertx()
                    .eventBus()
                    .<JsonObject>request(
                        io.loopline.contract.Addresses.SCRAPE_JOBS_STORE,
                        new JsonObject()
                            .put("options", new JsonObject())
                            .put("maxPages", 1)
                            .put(
                                "urls",
                                new io.vertx.core.json.JsonArray().add("http://127.0.0.2/deadlock"))
                            .put("invalid", new io.vertx.core.json.JsonArray()))
                    .map(io.vertx.core.eventbus.Message::body));
        long jobId = job.getLong("id");
        claim.setAutoCommit(false);
        try (Statement st = claim.createStatement()) {
          st.execute("SET deadlock_timeout = '1h'");
          st.executeUpdate("UPDATE scrape_pages SET attempts = attempts WHERE job_id = " + jobId);

          Future<io.vertx.core.eventbus.Message<JsonObject>> cancel =
              node.vertx()
                  .eventBus()
                  .request(
                      io.loopline.contract.Addresses.SCRAPE_JOBS_CANCEL,
                      new JsonObject().put("id", jobId),
                      new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(60_000));
          awaitWaiting(claim, 1); // the cancel holds the job and waits for the page
          // Now the job: a cycle. The node's session finds it and is aborted, which lets this
          // update through.
          st.executeUpdate("UPDATE scrape_jobs SET updated_at = now() WHERE id = " + jobId);
          claim.commit();

          JsonObject cancelled = await(cancel).body();
          assertThat(cancelled.getString("state")).isEqualTo("cancelled");
          assertThat(cancelled.getJsonObject("counts").getInteger("cancelled")).isEqualTo(1);
        }
      }
    } finally {
      TestServers.dropDatabase(database);
    }
  }

  private static long createItem(TestNode node) {
    HttpResponse<Buffer> created =
        await(node.client().post("/items").sendJsonObject(item("trouble")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getLong("id");
  }

  /** {@code count} items written straight into the node's database, beside its connection pool. */
  private static List<Long> insertItems(TestNode node, int count) throws SQLException {
    List<Long> ids = new java.util.ArrayList<>();
    try (Connection db = TestServers.jdbc(node.databaseUrl());
        Statement st = db.createStatement()) {
      for (int i = 0; i < count; i++) {
        try (ResultSet row =
            st.executeQuery(
                "INSERT INTO items (name, price) VALUES ('trouble', 1.00) RETURNING id")) {
          row.next();
          ids.add(row.getLong(1));
        }
      }
    }
    return ids;
  }

  private static JsonObject item(String name) {
    return new JsonObject().put("name", name).put("price", "1.00");
  }

  /** A second connection holding an exclusive lock on items: reads of items wait until it rolls back. */
  private static Connection lockItems(TestNode node) throws SQLException {
    Connection connection = TestServers.jdbc(node.databaseUrl());
    connection.setAutoCommit(false);
    try (Statement st = connection.createStatement()) {
      st.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE");
    }
    return connection;
  }

  /** Waits until PostgreSQL reports {@code count} statements waiting for a lock in this database. */
  private static void awaitWaiting(Connection connection, int count) throws SQLException {
    try (Statement st = connection.createStatement()) {
      Poll.until(
          count + " statements waiting for the lock",
          Duration.ofSeconds(30),
          () -> {
            try (ResultSet rows =
                st.executeQuery(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")) {
              rows.next();
              return rows.getInt(1) >= count;
            }
          });
    }
  }
}
