package io.loopline.streams;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.StoredRecords.lines;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.MetricsScrape;
import io.loopline.support.Poll;
import io.loopline.support.SseClient;
import io.loopline.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reading streams back: the list, series buckets against known data, pages, the NDJSON export, and /live. */
class StreamReadsIT {

  private static final Instant BASE = Instant.parse("2026-12-01T00:00:00Z");
  private static TestNode node;

  @BeforeAll
  static void start() {
    node =
        TestNode.start(
            new JsonObject()
                .put(
                    "ingest",
                    new JsonObject()
                        .put("batchSize", 500)
                        .put("exportChunkRows", 100)
                        .put("exportSessions", 1)
                        .put("maxBuckets", 100)));
    upload("plant", lines(0, 600, 3)); // dev-0, dev-1, dev-2 in turn, one record a second, value n
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(node);
  }

  @Test
  void streamsAreListedWithTheirCountsAndTimes() {
    upload("alpha", lines(5, 8, 1));
    JsonObject page =
        await(node.client().get("/streams").addQueryParam("limit", "1").send()).bodyAsJsonObject();
    assertThat(page.getJsonArray("streams"))
        .containsExactly(
            new JsonObject()
                .put("name", "alpha")
                .put("records", 3)
                .put("firstTime", BASE.plusSeconds(5).toString())
                .put("lastTime", BASE.plusSeconds(7).toString()));
    JsonObject next =
        await(
                node.client()
                    .get("/streams")
                    .addQueryParam("limit", "200")
                    .addQueryParam("cursor", page.getString("next"))
                    .send())
            .bodyAsJsonObject();
    JsonObject plant =
        next.getJsonArray("streams").stream()
            .map(s -> (JsonObject) s)
            .filter(s -> s.getString("name").equals("plant"))
            .findFirst()
            .orElseThrow();
    assertThat(plant.getLong("records")).isEqualTo(600);
    assertThat(plant.getString("lastTime")).isEqualTo(BASE.plusSeconds(599).toString());
  }

  @Test
  void seriesBucketsAreComputedFromTheStoredValues() {
    JsonObject series =
        await(
                node.client()
                    .get("/streams/plant/series")
                    .addQueryParam("device", "dev-0")
                    .addQueryParam("from", BASE.toString())
                    .addQueryParam("to", BASE.plusSeconds(600).toString())
                    .addQueryParam("step", "1m")
                    .send())
            .bodyAsJsonObject();
    JsonArray buckets = series.getJsonArray("buckets");
    assertThat(buckets).hasSize(10);
    for (int minute = 0; minute < 10; minute++) {
      List<Integer> values =
          IntStream.range(minute * 60, minute * 60 + 60).filter(n -> n % 3 == 0).boxed().toList();
      JsonObject bucket = buckets.getJsonObject(minute);
      assertThat(bucket.getString("time")).isEqualTo(BASE.plusSeconds(minute * 60L).toString());
      assertThat(bucket.getLong("count")).isEqualTo(values.size());
      assertThat(bucket.getDouble("min")).isEqualTo(values.get(0).doubleValue());
      assertThat(bucket.getDouble("max")).isEqualTo(values.get(values.size() - 1).doubleValue());
      assertThat(bucket.getDouble("avg"))
          .isCloseTo(
              values.stream().mapToInt(i -> i).average().orElseThrow(),
              org.assertj.core.data.Offset.offset(1e-9));
    }

    JsonObject all =
        await(
                node.client()
                    .get("/streams/plant/series")
                    .addQueryParam("from", BASE.plusSeconds(30).toString())
                    .addQueryParam("to", BASE.plusSeconds(150).toString())
                    .addQueryParam("step", "1h")
                    .send())
            .bodyAsJsonObject();
    assertThat(all.getJsonArray("buckets"))
        .containsExactly(
            new JsonObject()
                .put("time", BASE.toString())
                .put("count", 120)
                .put("min", 30.0)
                .put("max", 149.0)
                .put("avg", 89.5));
  }

  @Test
  void seriesRefuseTooManyBucketsAndBadSteps() {
    JsonObject tooMany =
        assertProblem(
            await(
                node.client()
                    .get("/streams/plant/series")
                    .addQueryParam("from", BASE.toString())
                    .addQueryParam("to", BASE.plusSeconds(101).toString())
                    .addQueryParam("step", "1s")
                    .send()),
            400);
    assertThat(tooMany.getString("detail")).contains("makes 101 buckets; at most 100");
    assertThat(tooMany.getJsonArray("errors").getJsonObject(0).getString("pointer"))
        .isEqualTo("/query/step");
    JsonObject badStep =
        assertProblem(
            await(node.client().get("/streams/plant/series").addQueryParam("step", "1w").send()),
            400);
    assertThat(badStep.getJsonArray("errors").getJsonObject(0).getString("pointer"))
        .isEqualTo("/query/step");
    JsonObject badTime =
        assertProblem(
            await(
                node.client()
                    .get("/streams/plant/series")
                    .addQueryParam("from", "yesterday")
                    .send()),
            400);
    assertThat(badTime.getJsonArray("errors").getJsonObject(0).getString("pointer"))
        .isEqualTo("/query/from");
  }

  @Test
  void pagesComeInTimeOrderForADeviceAndInStreamOrderOtherwise() {
    // Device x sends its readings newest first; y in between.
    StringBuilder body = new StringBuilder();
    for (int n = 49; n >= 0; n--) {
      body.append("{\"device\":\"x\",\"time\":\"")
          .append(BASE.plusSeconds(n))
          .append("\",\"value\":")
          .append(n)
          .append("}\n");
      body.append("{\"device\":\"y\",\"time\":\"")
          .append(BASE.plusSeconds(n))
          .append("\",\"value\":")
          .append(-n)
          .append("}\n");
    }
    upload("pages", body.toString());

    List<JsonObject> ofX = pageThrough("/streams/pages/records?device=x&limit=7");
    assertThat(ofX)
        .extracting(r -> r.getDouble("value"))
        .containsExactlyElementsOf(IntStream.range(0, 50).mapToObj(n -> (double) n).toList());
    List<JsonObject> all = pageThrough("/streams/pages/records?limit=9");
    assertThat(all)
        .extracting(r -> r.getLong("seq"))
        .containsExactlyElementsOf(IntStream.rangeClosed(1, 100).mapToObj(n -> (long) n).toList());
    assertThat(all.get(0))
        .isEqualTo(
            new JsonObject()
                .put("seq", 1)
                .put("device", "x")
                .put("time", BASE.plusSeconds(49).toString())
                .put("value", 49.0));

    List<JsonObject> window =
        pageThrough(
            "/streams/pages/records?device=y&from="
                + BASE.plusSeconds(10)
                + "&to="
                + BASE.plusSeconds(20)
                + "&limit=3");
    assertThat(window)
        .extracting(r -> r.getDouble("value"))
        .containsExactlyElementsOf(IntStream.range(10, 20).mapToObj(n -> (double) -n).toList());
  }

  @Test
  void theNdjsonExportIsReadFromACursorAsFastAsTheClientTakesIt() throws Exception {
    String padding = "p".repeat(1000);
    StringBuilder body = new StringBuilder();
    for (int n = 0; n < 20_000; n++) {
      body.append("{\"device\":\"d")
          .append(n % 4)
          .append("\",\"time\":\"")
          .append(BASE.plusMillis(n))
          .append("\",\"value\":")
          .append(n)
          .append(",\"attrs\":{\"pad\":\"")
          .append(padding)
          .append("\"}}\n");
    }
    upload("export", body.toString()); // 20 MB as NDJSON

    Vertx vertx = Vertx.vertx();
    try {
      HttpClient http =
          vertx.createHttpClient(
              new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port()));
      double exportedBefore = exported();
      HttpClientResponse paused =
          await(
              http.request(
                      new RequestOptions()
                          .setMethod(HttpMethod.GET)
                          .setURI("/streams/export/records")
                          .addHeader("Accept", StreamRoutes.NDJSON))
                  .compose(
                      request ->
                          request
                              .send()
                              .map(
                                  response -> {
                                    response.pause(); // a client that does not read
                                    return response;
                                  })));
      assertThat(paused.getHeader("Content-Type")).isEqualTo(StreamRoutes.NDJSON);
      AtomicReference<Double> sampled = new AtomicReference<>(-1.0);
      Poll.until(
          "the export stops reading",
          Duration.ofSeconds(60),
          Duration.ofMillis(500),
          () -> {
            double now = exported();
            return now == sampled.getAndSet(now);
          });
      assertThat(sampled.get() - exportedBefore)
          .as("records read while the client read nothing")
          .isLessThan(15_000);

      // The export holds the only export session (ingest.exportSessions: 1): another is refused,
      // not queued.
      HttpResponse<Buffer> refused =
          await(
              node.client()
                  .get("/streams/export/records")
                  .putHeader("Accept", StreamRoutes.NDJSON)
                  .send());
      assertProblem(refused, 503);
      assertThat(refused.getHeader("Retry-After")).isNotNull();

      Future<Buffer> rest = paused.body();
      paused.resume();
      String[] lines = await(rest).toString().split("\n");
      assertThat(lines).hasSize(20_000);
      for (int n = 0; n < 20_000; n += 997) {
        JsonObject record = new JsonObject(lines[n]);
        assertThat(record.getLong("seq")).isEqualTo(n + 1);
        assertThat(record.getDouble("value")).isEqualTo(n);
        assertThat(record.getJsonObject("attrs").getString("pad")).isEqualTo(padding);
      }
      assertThat(exported() - exportedBefore).isEqualTo(20_000);
    } finally {
      await(vertx.close());
    }

    String ofOneDevice =
        await(
                node.client()
                    .get("/streams/export/records")
                    .addQueryParam("device", "d3")
                    .addQueryParam("to", BASE.plusMillis(40).toString())
                    .putHeader("Accept", StreamRoutes.NDJSON)
                    .send())
            .bodyAsString();
    assertThat(ofOneDevice.lines().map(l -> new JsonObject(l).getDouble("value")).toList())
        .containsExactly(3.0, 7.0, 11.0, 15.0, 19.0, 23.0, 27.0, 31.0, 35.0, 39.0);
    HttpResponse<Buffer> none =
        await(
            node.client()
                .get("/streams/nothing-here/records")
                .putHeader("Accept", StreamRoutes.NDJSON)
                .send());
    assertThat(none.statusCode()).isEqualTo(200);
    assertThat(none.body() == null ? "" : none.bodyAsString()).isEmpty();
  }

  @Test
  void liveSendsRecordsAsTheyAreStoredAndResumesAfterTheLastEventId() throws Exception {
    try (SseClient live =
        SseClient.open(node.port(), "/streams/live/live", MultiMap.caseInsensitiveMultiMap())) {
      assertThat(live.status()).isEqualTo(200);
      assertThat(live.header("Content-Type")).isEqualTo("text/event-stream");
      assertThat(live.awaitComment(Duration.ofSeconds(10))).contains("after seq 0");
      upload("live", lines(0, 1200, 2));
      List<SseClient.Event> events = live.awaitEvents(1200, Duration.ofSeconds(30));
      assertThat(events)
          .extracting(SseClient.Event::id)
          .containsExactlyElementsOf(
              IntStream.rangeClosed(1, 1200).mapToObj(String::valueOf).toList());
      assertThat(new JsonObject(events.get(0).data()))
          .isEqualTo(
              new JsonObject()
                  .put("seq", 1)
                  .put("device", "dev-0")
                  .put("time", BASE.toString())
                  .put("value", 0.0));
      assertThat(events).extracting(SseClient.Event::name).containsOnly("record");
    }
    upload("live", lines(1200, 1250, 2)); // stored while nobody listens

    MultiMap resume = MultiMap.caseInsensitiveMultiMap().add("Last-Event-ID", "1190");
    try (SseClient again = SseClient.open(node.port(), "/streams/live/live", resume);
        SseClient oneDevice =
            SseClient.open(
                node.port(),
                "/streams/live/live?device=dev-1",
                MultiMap.caseInsensitiveMultiMap().add("Last-Event-ID", "1240"))) {
      List<SseClient.Event> missed = again.awaitEvents(60, Duration.ofSeconds(30));
      assertThat(missed)
          .extracting(SseClient.Event::id)
          .containsExactlyElementsOf(
              IntStream.rangeClosed(1191, 1250).mapToObj(String::valueOf).toList());
      upload("live", lines(1250, 1254, 2));
      assertThat(again.awaitEvents(4, Duration.ofSeconds(30)))
          .extracting(SseClient.Event::id)
          .containsExactly("1251", "1252", "1253", "1254");
      List<SseClient.Event> devices = oneDevice.awaitEvents(7, Duration.ofSeconds(30));
      assertThat(devices)
          .extracting(SseClient.Event::id)
          .containsExactly("1242", "1244", "1246", "1248", "1250", "1252", "1254");
      assertThat(again.drained()).as("nothing twice").isEmpty();
    }
    assertProblem(
        await(node.client().get("/streams/live/live").putHeader("Last-Event-ID", "x1").send()),
        400);
  }

  /**
   * A client that sends its request and hangs up at once: the handlers waiting for the bus (the cursor to open,
   * the stream's head) must still notice, so no event-bus consumer stays registered and no cursor stays open.
   */
  @Test
  void clientsThatHangUpAtOnceLeaveNoLiveConsumerOrExportCursorBehind() throws Exception {
    double opened = live("opened");
    double closed = live("closed");
    for (int i = 0; i < 10; i++) {
      hangUp(
          "GET /streams/plant/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
    }
    Poll.until(
        "every /live request reached its handler",
        Duration.ofSeconds(30),
        () -> live("opened") - opened == 10);
    Poll.until(
        "every /live client that hung up is closed",
        Duration.ofSeconds(30),
        () -> live("closed") - closed == 10);

    for (int i = 0; i < 5; i++) {
      hangUp(
          "GET /streams/plant/records HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/x-ndjson\r\n\r\n");
    }
    // The only export session (ingest.exportSessions: 1) is free again well before
    // ingest.sessionIdleMs (30 s).
    HttpResponse<Buffer> export =
        Poll.value(
            "an export is served again",
            Duration.ofSeconds(15),
            () ->
                await(
                    node.client()
                        .get("/streams/plant/records")
                        .putHeader("Accept", StreamRoutes.NDJSON)
                        .send()),
            answer -> answer.statusCode() == 200);
    assertThat(export.bodyAsString().lines()).hasSize(600);
  }

  @Test
  void dotSegmentsAreNotStreamOrRoomNames() {
    for (String path :
        List.of("/streams/./records", "/streams/../records", "/streams/%2E%2e/records")) {
      HttpResponse<Buffer> answer =
          await(
              node.client()
                  .post(path)
                  .putHeader("Content-Type", "application/x-ndjson")
                  .sendBuffer(Buffer.buffer(lines(0, 1, 1))));
      assertProblem(answer, 400);
      assertThat(
              answer
                  .bodyAsJsonObject()
                  .getJsonArray("errors")
                  .getJsonObject(0)
                  .getString("pointer"))
          .as(path)
          .isEqualTo("/path/stream");
    }
    assertProblem(await(node.client().get("/streams/../live").send()), 400);
    assertProblem(await(node.client().get("/streams/%2e/series").send()), 400);
    for (String path : List.of("/chat/rooms/../messages", "/chat/rooms/%2e/messages")) {
      HttpResponse<Buffer> answer =
          await(
              node.client()
                  .post(path)
                  .sendJsonObject(new JsonObject().put("name", "ann").put("text", "hello")));
      assertProblem(answer, 400);
      assertThat(
              answer
                  .bodyAsJsonObject()
                  .getJsonArray("errors")
                  .getJsonObject(0)
                  .getString("pointer"))
          .as(path)
          .isEqualTo("/path/room");
    }
    assertThat(await(node.client().get("/streams/.../series").send()).statusCode())
        .as("three dots are a name")
        .isEqualTo(200);
    assertThat(await(node.client().get("/streams/./plant/records").send()).statusCode())
        .as("a dot segment beside the name is another spelling of /streams/plant/records")
        .isEqualTo(200);
  }

  private static void hangUp(String request) throws java.io.IOException {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.port())) {
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
    }
  }

  private static double live(String event) {
    return MetricsScrape.value(node, "loopline_ingest_live_clients_total{event=\"" + event + "\"}");
  }

  private static void upload(String stream, String ndjson) {
    HttpResponse<Buffer> answer =
        await(
            node.client()
                .post("/streams/" + stream + "/records")
                .putHeader("Content-Type", "application/x-ndjson")
                .sendBuffer(Buffer.buffer(ndjson)));
    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    assertThat(answer.bodyAsJsonObject().getLong("rejected")).isZero();
  }

  private static List<JsonObject> pageThrough(String uri) {
    List<JsonObject> out = new ArrayList<>();
    String next = null;
    do {
      String page = next == null ? uri : uri + "&cursor=" + next;
      JsonObject answer = await(node.client().get(page).send()).bodyAsJsonObject();
      answer.getJsonArray("records").forEach(r -> out.add((JsonObject) r));
      next = answer.getString("next");
    } while (next != null);
    return out;
  }

  private static double exported() {
    return MetricsScrape.value(node, "loopline_ingest_export_records_total{format=\"ndjson\"}");
  }
}
