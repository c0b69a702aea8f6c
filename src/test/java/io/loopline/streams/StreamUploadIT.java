package io.loopline.streams;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.StoredRecords.line;
import static io.loopline.support.StoredRecords.lines;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.MetricsScrape;
import io.loopline.support.Poll;
import io.loopline.support.StoredRecords;
import io.loopline.support.StoredRecords.Stored;
import io.loopline.support.TcpProxy;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /streams/{stream}/records} against the real PostgreSQL: what a client is told, and what is stored,
 * for good and bad lines, CSV, atomic uploads, limits, a client that goes away, a database that goes away, and
 * a database slower than the client (the server stops reading).
 */
class StreamUploadIT {

  private static final String NDJSON = "application/x-ndjson";

  /** Batches of 50 records, written when full or at the end of the body (the timer is out of the way). */
  private static final JsonObject INGEST =
      new JsonObject()
          .put("batchSize", 50)
          .put("batchDelayMs", 600_000)
          .put("uploadQueueBatches", 2)
          .put("maxBodyBytes", 200_000)
          .put("maxLineBytes", 2048);

  /** The node of most tests: uploads up to 50 MB, and a database that may be held up for a minute (backpressure). */
  private static final JsonObject NODE =
      new JsonObject()
          .put(
              "ingest",
              INGEST
                  .copy()
                  .put("maxBodyBytes", 50_000_000)
                  .put("writeTimeoutMs", 120_000)
                  .put("writerQueueRecords", 100))
          .put("db", new JsonObject().put("queryTimeoutMs", 120_000));

  private static TestNode node;
  private static Vertx vertx;
  private static HttpClient http;

  @BeforeAll
  static void start() {
    node = TestNode.start(NODE);
    vertx = Vertx.vertx();
    http =
        vertx.createHttpClient(
            new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port()));
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(
        http == null ? null : () -> await(http.close()),
        vertx == null ? null : () -> await(vertx.close()),
        node);
  }

  @Test
  void goodLinesAreStoredAndBadOnesNamedByLineNumber() {
    String body =
        line(0, 2)
            + "\n" // line 1
            + "not json\n" // line 2
            + "\n" // line 3: empty, skipped
            + "{\"device\":\"d\",\"value\":\"1\"}\r\n" // line 4: CRLF, bad value
            + "{\"device\":\"boiler\",\"time\":\"2026-12-01T10:00:00.5+01:00\",\"value\":-2.5,\"attrs\":{\"unit\":\"C\"}}\n" // 5
            + "{\"device\":\"d\",\"value\":1,\"colour\":\"red\"}\n" // line 6: unknown field
            + lines(1, 120, 2); // lines 7..125
    HttpResponse<Buffer> answer =
        await(
            node.client()
                .post("/streams/good-bad/records")
                .putHeader("Content-Type", NDJSON)
                .sendBuffer(Buffer.buffer(body)));

    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    JsonObject result = answer.bodyAsJsonObject();
    assertThat(result.getLong("accepted")).isEqualTo(121);
    assertThat(result.getLong("rejected")).isEqualTo(3);
    JsonArray errors = result.getJsonArray("errors");
    assertThat(errors.stream().map(e -> ((JsonObject) e).getLong("line")).toList())
        .containsExactly(2L, 4L, 6L);
    assertThat(errors.getJsonObject(1).getString("detail"))
        .isEqualTo("value: must be a finite number");
    assertThat(errors.getJsonObject(2).getString("detail"))
        .startsWith("colour: is not a known field");

    List<Stored> stored = StoredRecords.of(node.databaseUrl(), "good-bad");
    assertThat(stored).hasSize(121);
    assertThat(stored.stream().map(Stored::seq).toList())
        .as("seqs from 1 without gaps")
        .isEqualTo(java.util.stream.LongStream.rangeClosed(1, 121).boxed().toList());
    assertThat(stored.get(0)).isEqualTo(new Stored(1, "dev-0", StoredRecords.time(0), 0, null));
    assertThat(stored.get(1))
        .isEqualTo(
            new Stored(2, "boiler", "2026-12-01T09:00:00.500000Z", -2.5, "{\"unit\": \"C\"}"));
    assertThat(stored.get(120))
        .isEqualTo(new Stored(121, "dev-1", StoredRecords.time(119), 119, null));
    assertThat(StoredRecords.head(node.databaseUrl(), "good-bad")).isEqualTo(121);
  }

  @Test
  void csvColumnsComeFromTheHeaderAndOtherColumnsAreAttributes() {
    String body =
        "device,value,time,site\n"
            + "d1,1.5,2026-12-01T10:00:00Z,north\n"
            + "\"d,2\",2,2026-12-01T10:00:01Z,\n"
            + "d3,abc,2026-12-01T10:00:02Z,south\n"
            + "d4,4\n"
            + "d5,5,,\"the \"\"east\"\"\"\n";
    HttpResponse<Buffer> answer =
        await(
            node.client()
                .post("/streams/csv/records")
                .putHeader("Content-Type", "text/csv; charset=utf-8")
                .sendBuffer(Buffer.buffer(body)));

    JsonObject result = answer.bodyAsJsonObject();
    assertThat(result.getLong("accepted")).isEqualTo(3);
    assertThat(
            result.getJsonArray("errors").stream()
                .map(e -> ((JsonObject) e).getLong("line"))
                .toList())
        .containsExactly(4L, 5L);
    List<Stored> stored = StoredRecords.of(node.databaseUrl(), "csv");
    assertThat(stored).extracting(Stored::device).containsExactly("d1", "d,2", "d5");
    assertThat(stored.get(0).attrs()).isEqualTo("{\"site\": \"north\"}");
    assertThat(stored.get(1).attrs()).isNull();
    assertThat(stored.get(2).attrs()).isEqualTo("{\"site\": \"the \\\"east\\\"\"}");
  }

  @Test
  void anAtomicUploadStoresEverythingOrNothing() {
    HttpResponse<Buffer> refused =
        await(
            node.client()
                .post("/streams/atomic/records")
                .addQueryParam("atomic", "true")
                .putHeader("Content-Type", NDJSON)
                .sendBuffer(
                    Buffer.buffer(lines(0, 130, 3) + "{\"device\":\"x\"}\n" + lines(130, 140, 3))));
    JsonObject problem = assertProblem(refused, 400);
    assertThat(problem.getString("detail")).isEqualTo("line 131: value: is required");
    assertThat(problem.getJsonArray("errors").getJsonObject(0).getLong("line")).isEqualTo(131);
    assertThat(problem.getLong("accepted")).isZero();
    assertThat(StoredRecords.count(node.databaseUrl(), "atomic"))
        .as("two batches had been written to the transaction")
        .isZero();
    assertThat(StoredRecords.head(node.databaseUrl(), "atomic")).isEqualTo(-1);

    HttpResponse<Buffer> stored =
        await(
            node.client()
                .post("/streams/atomic/records")
                .addQueryParam("atomic", "true")
                .putHeader("Content-Type", NDJSON)
                .sendBuffer(Buffer.buffer(lines(0, 140, 3))));
    assertThat(stored.bodyAsJsonObject().getLong("accepted"))
        .as(stored.bodyAsString())
        .isEqualTo(140);
    List<Stored> records = StoredRecords.of(node.databaseUrl(), "atomic");
    assertThat(records).hasSize(140);
    assertThat(records.get(139))
        .isEqualTo(new Stored(140, "dev-1", StoredRecords.time(139), 139, null));
  }

  @Test
  void aBodyOverTheLimitIs413() {
    try (TestNode small = TestNode.start(new JsonObject().put("ingest", INGEST))) {
      HttpClient client =
          vertx.createHttpClient(
              new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(small.port()));
      String body = lines(0, 4000, 2); // about 260 KB, over the 200,000-byte limit

      // With Content-Length: refused before a byte of the body is read; nothing is stored.
      HttpResponse<Buffer> answer =
          await(
              small
                  .client()
                  .post("/streams/too-large/records")
                  .putHeader("Content-Type", NDJSON)
                  .sendBuffer(Buffer.buffer(body)));
      assertThat(assertProblem(answer, 413).getString("detail")).contains("200000");
      assertThat(answer.getHeader("Connection")).isEqualTo("close");
      assertThat(StoredRecords.count(small.databaseUrl(), "too-large")).isZero();

      // Chunked: the size is known as it arrives; the batches sent before the limit stay, and the
      // answer says so.
      HttpClientRequest upload =
          await(client.request(HttpMethod.POST, "/streams/chunked-large/records"));
      upload.setChunked(true).putHeader("Content-Type", NDJSON);
      Future<Answer> answered = answer(upload);
      upload.end(body);
      Answer response = await(answered);
      assertThat(response.status()).isEqualTo(413);
      long accepted = response.body().getLong("accepted");
      assertThat(accepted).isPositive().isLessThan(4000);
      assertThat(response.body().getJsonArray("storedLines"))
          .isEqualTo(new JsonArray().add(new JsonArray().add(1).add(accepted)));
      List<Stored> stored = StoredRecords.of(small.databaseUrl(), "chunked-large");
      assertThat(stored).hasSize((int) accepted);
      assertThat(stored.get((int) accepted - 1).value()).isEqualTo(accepted - 1);

      // Chunked and atomic: nothing.
      HttpClientRequest atomic =
          await(
              client.request(HttpMethod.POST, "/streams/chunked-large-atomic/records?atomic=true"));
      atomic.setChunked(true).putHeader("Content-Type", NDJSON);
      Future<Answer> refused = answer(atomic);
      atomic.end(body);
      assertThat(await(refused).status()).isEqualTo(413);
      Poll.until(
          "the atomic upload's session rolled back",
          Duration.ofSeconds(20),
          () -> StoredRecords.count(small.databaseUrl(), "chunked-large-atomic") == 0);
      assertThat(StoredRecords.head(small.databaseUrl(), "chunked-large-atomic")).isEqualTo(-1);
      await(client.close());
    }
  }

  @Test
  void otherBodiesAndLinesTooLongAreRefused() {
    assertProblem(
        await(
            node.client()
                .post("/streams/s/records")
                .putHeader("Content-Type", "application/json")
                .sendBuffer(Buffer.buffer("{}"))),
        415);
    assertProblem(
        await(
            node.client()
                .post("/streams/bad%20name/records")
                .putHeader("Content-Type", NDJSON)
                .sendBuffer(Buffer.buffer(lines(0, 1, 1)))),
        400);
    HttpResponse<Buffer> tooLong =
        await(
            node.client()
                .post("/streams/long-line/records")
                .putHeader("Content-Type", NDJSON)
                .sendBuffer(
                    Buffer.buffer(
                        lines(0, 2, 1)
                            + "{\"device\":\""
                            + "x".repeat(3000)
                            + "\",\"value\":1}\n")));
    assertThat(assertProblem(tooLong, 400).getString("detail"))
        .isEqualTo("line 3: line: longer than ingest.maxLineBytes (2048 bytes)");
    assertThat(StoredRecords.count(node.databaseUrl(), "long-line"))
        .as("the two lines before it were not a full batch")
        .isZero();
  }

  @Test
  void aClientThatDisconnectsMidBodyLeavesTheBatchesSentBeforeIt() {
    double disconnected =
        MetricsScrape.value(node, "loopline_ingest_uploads_total{outcome=\"disconnected\"}");
    HttpClientRequest upload = chunkedUpload("/streams/disconnect/records");
    await(upload.write(lines(0, 120, 4))); // two full batches of 50, and 20 lines of the third
    Poll.until(
        "two batches stored",
        Duration.ofSeconds(20),
        () -> StoredRecords.count(node.databaseUrl(), "disconnect") == 100);

    await(upload.connection().close());
    Poll.until(
        "the server saw the client go",
        Duration.ofSeconds(20),
        () ->
            MetricsScrape.value(node, "loopline_ingest_uploads_total{outcome=\"disconnected\"}")
                == disconnected + 1);
    List<Stored> stored = StoredRecords.of(node.databaseUrl(), "disconnect");
    assertThat(stored).hasSize(100);
    assertThat(stored.get(99))
        .isEqualTo(new Stored(100, "dev-3", StoredRecords.time(99), 99, null));
  }

  @Test
  void theServerStopsReadingWhileTheDatabaseIsBehindAndGoesOnAfterwards() throws Exception {
    String stream = "backpressure";
    long body = 40_000_000; // 40,000 lines of 1 KB
    HttpClientRequest upload = chunkedUpload("/streams/" + stream + "/records");
    Future<Answer> answered = answer(upload);
    Pump pump = new Pump(upload, body);
    try (Connection lock = TestServers.jdbc(node.databaseUrl())) {
      lock.setAutoCommit(false);
      // A stream's row is locked by every batch written to it: held here, no batch can finish.
      lock.createStatement()
          .execute(
              "INSERT INTO streams (name, records, first_time, last_time) VALUES ('"
                  + stream
                  + "', 0, now(), now())");
      vertx.runOnContext(v -> pump.run());

      long stalledAt = pump.awaitStall();
      assertThat(stalledAt)
          .as("bytes taken by the server while nothing could be stored")
          .isLessThan(body / 2);
      assertThat(StoredRecords.count(node.databaseUrl(), stream)).isZero();
      lock.rollback(); // the database catches up: the server reads on
    }
    Answer answer = awaitWithin(answered, Duration.ofSeconds(120));
    assertThat(answer.status()).as(String.valueOf(answer.body())).isEqualTo(200);
    assertThat(answer.body().getLong("accepted")).isEqualTo(pump.lines());
    assertThat(StoredRecords.count(node.databaseUrl(), stream)).isEqualTo(pump.lines());
  }

  /**
   * A writer lane holds at most ingest.writerQueueRecords (100 here) waiting records: past that a batch is
   * refused at once with 503, never queued without bound; what the lane took is stored once it can write.
   */
  @Test
  void aFullWriterLaneRefusesMoreAtOnceAndStoresWhatItTook() throws Exception {
    String stream = "lane-full";
    try (Connection lock = TestServers.jdbc(node.databaseUrl())) {
      lock.setAutoCommit(false);
      lock.createStatement()
          .execute(
              "INSERT INTO streams (name, records, first_time, last_time) VALUES ('"
                  + stream
                  + "', 0, now(), now())");
      Future<HttpResponse<Buffer>> writing =
          node.client()
              .post("/streams/" + stream + "/records")
              .putHeader("Content-Type", NDJSON)
              .sendBuffer(Buffer.buffer(lines(0, 50, 2)));
      Poll.until(
          "the first batch is being written", Duration.ofSeconds(30), () -> blockedBy(lock) == 1);
      Future<HttpResponse<Buffer>> queued =
          node.client()
              .post("/streams/" + stream + "/records")
              .putHeader("Content-Type", NDJSON)
              .sendBuffer(Buffer.buffer(lines(50, 150, 2)));
      Poll.until(
          "two batches wait in the lane",
          Duration.ofSeconds(30),
          () -> MetricsScrape.value(node, "loopline_ingest_writer_queued") == 100);

      HttpResponse<Buffer> refused =
          await(
              node.client()
                  .post("/streams/" + stream + "/records")
                  .putHeader("Content-Type", NDJSON)
                  .sendBuffer(Buffer.buffer(lines(150, 200, 2))));
      assertProblem(refused, 503);
      assertThat(refused.getHeader("Retry-After")).isNotNull();
      assertThat(refused.bodyAsJsonObject().getLong("accepted")).isZero();
      assertThat(StoredRecords.count(node.databaseUrl(), stream)).isZero();
      lock.rollback();
      assertThat(await(writing).bodyAsJsonObject().getLong("accepted")).isEqualTo(50);
      assertThat(await(queued).bodyAsJsonObject().getLong("accepted")).isEqualTo(100);
    }
    List<Stored> stored = StoredRecords.of(node.databaseUrl(), stream);
    assertThat(stored).hasSize(150);
    assertThat(stored.get(149))
        .isEqualTo(new Stored(150, "dev-1", StoredRecords.time(149), 149, null));
  }

  /** Sessions waiting for a lock that {@code lock}'s session holds. */
  private static int blockedBy(Connection lock) throws Exception {
    try (var rows =
        lock.createStatement()
            .executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  @Test
  void aDatabaseThatGoesAwayMidUploadIsA503AndNothingHalfWritten() {
    String database = TestServers.createDatabase();
    try (TcpProxy proxy = TcpProxy.toPostgres()) {
      JsonObject viaProxy =
          new JsonObject()
              .put(
                  "db",
                  new JsonObject()
                      .put("url", proxy.url(database))
                      .put("connectTimeoutMs", 1000)
                      .put("queryTimeoutMs", 2000))
              .put("ingest", INGEST);
      try (TestNode flaky = TestNode.start(viaProxy)) {
        HttpClient client =
            vertx.createHttpClient(
                new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(flaky.port()));
        HttpClientRequest upload =
            await(client.request(HttpMethod.POST, "/streams/outage/records"));
        upload.setChunked(true).putHeader("Content-Type", NDJSON);
        Future<Answer> answered = answer(upload);
        await(upload.write(lines(0, 110, 2)));
        Poll.until(
            "two batches stored",
            Duration.ofSeconds(20),
            () -> StoredRecords.count(database, "outage") == 100);

        proxy.stop();
        upload.write(lines(110, 160, 2)); // the third batch fills up and cannot be written
        Answer response = await(answered);
        JsonObject problem = response.body();
        assertThat(response.status()).as(problem.encode()).isEqualTo(503);
        assertThat(response.headers().get("Retry-After")).isNotNull();
        assertThat(problem.getLong("accepted")).isEqualTo(100);
        assertThat(problem.getJsonArray("storedLines"))
            .isEqualTo(new JsonArray().add(new JsonArray().add(1).add(100)));
        assertThat(StoredRecords.count(database, "outage"))
            .as("no part of the failed batch")
            .isEqualTo(100);
        assertThat(StoredRecords.head(database, "outage")).isEqualTo(100);

        proxy.start();
        Poll.until(
            "uploads work again",
            Duration.ofSeconds(30),
            () ->
                await(
                            flaky
                                .client()
                                .post("/streams/outage/records")
                                .putHeader("Content-Type", NDJSON)
                                .sendBuffer(Buffer.buffer(lines(100, 110, 2))))
                        .statusCode()
                    == 200);
        List<Stored> stored = StoredRecords.of(database, "outage");
        assertThat(stored).hasSize(110);
        assertThat(stored.get(109))
            .isEqualTo(new Stored(110, "dev-1", StoredRecords.time(109), 109, null));
        await(client.close());
      }
    } finally {
      TestServers.dropDatabase(database);
    }
  }

  @Test
  void recordsAcceptedAndRejectedAreCountedBySource() {
    double accepted =
        MetricsScrape.value(node, "loopline_ingest_records_accepted_total{source=\"http\"}");
    double rejected =
        MetricsScrape.value(node, "loopline_ingest_records_rejected_total{source=\"http\"}");
    await(
        node.client()
            .post("/streams/counted/records")
            .putHeader("Content-Type", NDJSON)
            .sendBuffer(Buffer.buffer(lines(0, 7, 1) + "nope\n")));
    // Other tests of this class may run alongside: the counters grow by at least this upload's
    // share.
    assertThat(MetricsScrape.value(node, "loopline_ingest_records_accepted_total{source=\"http\"}"))
        .isGreaterThanOrEqualTo(accepted + 7);
    assertThat(MetricsScrape.value(node, "loopline_ingest_records_rejected_total{source=\"http\"}"))
        .isGreaterThanOrEqualTo(rejected + 1);
    assertThat(MetricsScrape.value(node, "loopline_ingest_batch_write_seconds_count")).isPositive();
  }

  private static HttpClientRequest chunkedUpload(String uri) {
    HttpClientRequest request = await(http.request(HttpMethod.POST, uri));
    return request.setChunked(true).putHeader("Content-Type", NDJSON);
  }

  private record Answer(int status, MultiMap headers, JsonObject body) {}

  /** The answer to an upload, read as it arrives (it may come before the body is sent). */
  private static Future<Answer> answer(HttpClientRequest request) {
    return request
        .response()
        .compose(
            response ->
                response
                    .body()
                    .map(
                        body ->
                            new Answer(
                                response.statusCode(),
                                response.headers(),
                                body.length() == 0 ? null : body.toJsonObject())));
  }

  private static <T> T awaitWithin(Future<T> future, Duration limit) {
    try {
      return future
          .toCompletionStage()
          .toCompletableFuture()
          .get(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes 1 KB NDJSON lines as fast as the connection takes them (on the client's event loop), counting the
   * bytes the connection took, and ends the body at {@code limit}.
   */
  private static final class Pump {
    private static final String PADDING = "x".repeat(950);
    private final HttpClientRequest request;
    private final long limit;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong lines = new AtomicLong();
    private long sampled = -1;

    Pump(HttpClientRequest request, long limit) {
      this.request = request;
      this.limit = limit;
    }

    void run() {
      while (written.get() < limit && !request.writeQueueFull()) {
        StringBuilder chunk = new StringBuilder();
        for (int i = 0; i < 10; i++) {
          long n = lines.incrementAndGet();
          chunk
              .append("{\"device\":\"dev-")
              .append(n % 10)
              .append("\",\"value\":")
              .append(n)
              .append(",\"attrs\":{\"pad\":\"")
              .append(PADDING)
              .append("\"}}\n");
        }
        Buffer bytes = Buffer.buffer(chunk.toString());
        request.write(bytes);
        written.addAndGet(bytes.length());
      }
      if (written.get() < limit) {
        request.drainHandler(v -> run());
      } else {
        request.end();
      }
    }

    long lines() {
      return lines.get();
    }

    /** Waits until the connection took nothing for half a second, and returns how much it had taken. */
    long awaitStall() {
      Poll.until(
          "the upload stalls",
          Duration.ofSeconds(60),
          Duration.ofMillis(500),
          () -> {
            long now = written.get();
            boolean stalled = now == sampled && now < limit;
            sampled = now;
            return stalled;
          });
      return sampled;
    }
  }
}
