package io.loopline.scrape;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.Addresses;
import io.loopline.support.Cleanup;
import io.loopline.support.EventStream;
import io.loopline.support.EventStream.Event;
import io.loopline.support.Poll;
import io.loopline.support.Prometheus;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Server-Sent Events of scrape jobs, read event by event as a client reads them: each event comes as its
 * page is stored, with the page's seq as its id; a client that reconnects with {@code Last-Event-ID} gets
 * what it missed, once and in order; a client that leaves early leaves nothing behind; a client that does
 * not read pauses its stream instead of piling events up in the server.
 */
class ScrapeEventsIT {

  private static final Duration LIMIT = Duration.ofSeconds(60);
  private static final String OPEN = "loopline_scrape_event_streams";
  private static final String PAUSED = "loopline_scrape_event_streams_paused";

  private static TestSite site;
  private static TestNode node;
  private static Vertx clients;

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
    clients = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    Cleanup.closeAll(clients == null ? null : () -> await(clients.close()), node, site);
  }

  @Test
  void eachEventArrivesAsItsPageIsStoredWithThePagesSeqAsItsIdAndTheStreamEnds() {
    long id =
        submit(
            new JsonObject().put("concurrency", 1),
            // The first page takes 5 s: the stream is open and its first event read long before the
            // job can end.
            List.of(
                site.url("/slow?ms=5000&e=1"),
                site.url("/slow?ms=100&e=2"),
                site.url("/slow?ms=100&e=3")));
    try (EventStream stream =
        EventStream.open(clients, node.port(), "/scrape-jobs/" + id + "/events", null)) {
      assertThat(stream.status()).isEqualTo(200);
      assertThat(stream.header("Content-Type")).isEqualTo("text/event-stream");

      Event first = stream.next();
      assertThat(first.name()).isEqualTo("progress");
      assertThat(first.id()).isEqualTo("0");
      assertThat(first.json().getJsonObject("counts").getInteger("done")).isZero();
      assertThat(job(id).getString("state"))
          .as("the first event came before the job ended")
          .isIn("pending", "running");

      List<Event> rest = stream.rest();
      assertThat(rest.get(rest.size() - 1).name()).isEqualTo("end");
      assertThat(rest.get(rest.size() - 1).json().getString("state")).isEqualTo("done");
      assertThat(rest.get(rest.size() - 1).json().getJsonObject("counts").getInteger("done"))
          .isEqualTo(3);
      List<Event> pages = rest.stream().filter(e -> e.name().equals("page")).toList();
      assertThat(pages).extracting(Event::seq).containsExactly(1L, 2L, 3L);
      assertThat(pages)
          .allSatisfy(
              p -> {
                assertThat(p.json().getLong("seq")).isEqualTo(p.seq());
                assertThat(p.json().getJsonObject("result").getInteger("status")).isEqualTo(200);
              });
      assertThat(rest).allSatisfy(e -> assertThat(e.id()).isNotNull());
    }
    // A finished job's stream is its state and the end at once.
    try (EventStream again =
        EventStream.open(clients, node.port(), "/scrape-jobs/" + id + "/events", null)) {
      assertThat(again.rest()).extracting(Event::name).containsExactly("progress", "end");
    }
    assertProblem(await(node.client().get("/scrape-jobs/999999/events").send()), 404);
    HttpResponse<Buffer> badId =
        await(
            node.client()
                .get("/scrape-jobs/" + id + "/events")
                .putHeader("Last-Event-ID", "x")
                .send());
    assertThat(
            assertProblem(badId, 400).getJsonArray("errors").getJsonObject(0).getString("pointer"))
        .isEqualTo("/header/Last-Event-ID");
  }

  @Test
  void aClientThatReconnectsWithLastEventIdGetsWhatItMissedOnceEachAndInOrderThenLiveEvents() {
    int n = 10;
    long id =
        submit(
            new JsonObject().put("concurrency", 1),
            // A second per page: six or more pages still to fetch when the client comes back,
            // seconds of margin.
            IntStream.rangeClosed(1, n).mapToObj(i -> site.url("/slow?ms=1000&r=" + i)).toList());
    long seen;
    try (EventStream stream =
        EventStream.open(clients, node.port(), "/scrape-jobs/" + id + "/events", null)) {
      Event page;
      do {
        page = stream.next();
      } while (!page.name().equals("page"));
      seen = page.seq();
    }
    Poll.until(
        "more pages stored while the client was away",
        LIMIT,
        () -> job(id).getJsonObject("counts").getInteger("done") >= seen + 3);
    assertThat(job(id).getString("state"))
        .as("reconnected while the job still runs")
        .isEqualTo("running");

    try (EventStream resumed =
        EventStream.open(
            clients, node.port(), "/scrape-jobs/" + id + "/events", String.valueOf(seen))) {
      List<Event> rest = resumed.rest();
      assertThat(rest.stream().filter(e -> e.name().equals("page")).map(Event::seq))
          .containsExactlyElementsOf(LongStream.rangeClosed(seen + 1, n).boxed().toList());
      assertThat(rest.get(rest.size() - 1).name()).isEqualTo("end");
      List<Long> ids = rest.stream().map(Event::seq).toList();
      assertThat(ids).isSorted();
    }
    try (EventStream fromTheStart =
        EventStream.open(clients, node.port(), "/scrape-jobs/" + id + "/events", "0")) {
      assertThat(fromTheStart.rest().stream().filter(e -> e.name().equals("page")).map(Event::seq))
          .containsExactlyElementsOf(LongStream.rangeClosed(1, n).boxed().toList());
    }
  }

  /**
   * Two nodes' runners store one job's pages at once: each page gets its own seq, no seq twice, none
   * skipped, and a stream from the start tells them all in that order.
   */
  @Test
  void pagesStoredByTwoNodesAtOnceGetDistinctSeqsInTheOrderTheyCommitted() throws Exception {
    int n = 200;
    try (TestNode second =
        TestNode.join(
            node,
            new JsonObject()
                .put(
                    "scrape",
                    new JsonObject()
                        .put("allow", new JsonArray().add("127.0.0.2/31"))
                        .put("pollMs", 200)
                        .put("cacheTtlSeconds", 0)))) {
      long id =
          submit(
              new JsonObject().put("concurrency", 8),
              IntStream.rangeClosed(1, n).mapToObj(i -> site.url("/slow?ms=20&two=" + i)).toList());
      Poll.until("the job done", LIMIT, () -> "done".equals(job(id).getString("state")));
      try (Connection db = TestServers.jdbc(node.databaseUrl());
          Statement st = db.createStatement();
          ResultSet rows =
              st.executeQuery(
                  "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM scrape_pages "
                      + "WHERE job_id = "
                      + id)) {
        rows.next();
        assertThat(rows.getLong(1)).isEqualTo(n);
        assertThat(rows.getLong(2)).isEqualTo(n);
        assertThat(rows.getLong(3)).isEqualTo(1);
        assertThat(rows.getLong(4)).isEqualTo(n);
      }
      try (EventStream all =
          EventStream.open(clients, second.port(), "/scrape-jobs/" + id + "/events", "0")) {
        assertThat(all.rest().stream().filter(e -> e.name().equals("page")).map(Event::seq))
            .containsExactlyElementsOf(LongStream.rangeClosed(1, n).boxed().toList());
      }
    }
  }

  /** A bus event is only a doorbell: a page that does not follow the last one sent is read back from PostgreSQL. */
  @Test
  void aPageEventOutOfOrderIsReadBackFromPostgresqlNotTrusted() {
    long id =
        submit(
            new JsonObject().put("concurrency", 1),
            // Two seconds a page: the planted event arrives while the next page is still being
            // fetched.
            IntStream.rangeClosed(1, 4).mapToObj(i -> site.url("/slow?ms=2000&o=" + i)).toList());
    try (EventStream stream =
        EventStream.open(clients, node.port(), "/scrape-jobs/" + id + "/events", null)) {
      long from = stream.next().seq();
      node.vertx()
          .eventBus()
          .publish(
              Addresses.scrapeJobEvents(id),
              new JsonObject()
                  .put("event", "page")
                  .put("jobId", id)
                  .put(
                      "page",
                      new JsonObject().put("id", 1).put("seq", from + 2).put("url", "planted")));
      List<Event> pages = stream.rest().stream().filter(e -> e.name().equals("page")).toList();
      assertThat(pages)
          .extracting(Event::seq)
          .containsExactlyElementsOf(LongStream.rangeClosed(from + 1, 4).boxed().toList());
      assertThat(pages)
          .noneSatisfy(p -> assertThat(p.json().getString("url")).isEqualTo("planted"));
    }
  }

  /**
   * The job lookup is held by a stand-in for the persistence role, so the client is gone before it answers:
   * the stream must not subscribe, time or count anything once the answer comes.
   */
  @Test
  void aClientThatLeavesBeforeTheJobIsReadLeavesNoConsumerOrStreamBehind() throws Exception {
    // The held lookup must not time out first: that would end the stream whether or not it saw the
    // client go.
    try (TestNode httpOnly =
        TestNode.start(
            new JsonObject()
                .put("roles", new JsonArray().add("http"))
                .put("http", new JsonObject().put("busTimeoutMs", 3 * LIMIT.toMillis())))) {
      LinkedBlockingQueue<Message<JsonObject>> held = new LinkedBlockingQueue<>();
      await(
          httpOnly
              .vertx()
              .eventBus()
              .<JsonObject>consumer(Addresses.SCRAPE_JOBS_EVENTS, held::add)
              .completion());
      double handlers = Prometheus.value(httpOnly, "vertx_eventbus_handlers");

      Message<JsonObject> lookup;
      try (Socket client = new Socket("127.0.0.1", httpOnly.port())) {
        OutputStream out = client.getOutputStream();
        out.write(
            ("GET /scrape-jobs/7/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        lookup = held.poll(20, TimeUnit.SECONDS);
        assertThat(lookup).as("the stream asked for the job").isNotNull();
        assertThat(Prometheus.value(httpOnly, OPEN)).isEqualTo(1);
      }
      Poll.until(
          "the server saw the client leave", LIMIT, () -> Prometheus.value(httpOnly, OPEN) == 0);
      lookup.reply(
          new JsonObject()
              .put(
                  "job",
                  new JsonObject()
                      .put("id", 7)
                      .put("state", "running")
                      .put("counts", new JsonObject().put("done", 0)))
              .put("last", 0)
              .put("pages", new JsonArray()));

      Poll.until(
          "no consumer left for the job's events",
          LIMIT,
          () -> Prometheus.value(httpOnly, "vertx_eventbus_handlers") == handlers);
      assertThat(Prometheus.value(httpOnly, OPEN)).isZero();
      // And it stays so: nothing was set up after the answer (a consumer, a heartbeat timer).
      httpOnly
          .vertx()
          .eventBus()
          .publish(Addresses.scrapeJobEvents(7), new JsonObject().put("event", "end"));
      assertThat(held.poll(500, TimeUnit.MILLISECONDS))
          .as("no catch-up after the client left")
          .isNull();
      assertThat(Prometheus.value(httpOnly, "vertx_eventbus_handlers")).isEqualTo(handlers);
    }
  }

  /**
   * 300 pages of about 20 KB of events each (6 MB), more than the socket buffers between the two (about 3 MB
   * on loopback here) and Netty's write queue hold.
   */
  @Test
  void aClientThatDoesNotReadPausesItsStreamAndGetsEveryPageOnceWhenItReadsOn() {
    int n = 300;
    long id =
        submit(
            new JsonObject().put("concurrency", 16),
            IntStream.rangeClosed(1, n).mapToObj(i -> site.url("/links/" + i)).toList());
    List<Event> events;
    try (EventStream slow =
        EventStream.openNotReading(clients, node.port(), "/scrape-jobs/" + id + "/events", "0")) {
      Poll.until(
          "the stream paused for its slow reader",
          LIMIT,
          () -> Prometheus.value(node, PAUSED) == 1);
      Poll.until(
          "the job done while its reader still does not read",
          LIMIT,
          () -> "done".equals(job(id).getString("state")));
      assertThat(Prometheus.value(node, PAUSED))
          .as("still paused: the server holds the events back")
          .isEqualTo(1);

      slow.resume();
      events = slow.rest();
    }
    assertThat(events.stream().filter(e -> e.name().equals("page")).map(Event::seq))
        .containsExactlyElementsOf(LongStream.rangeClosed(1, n).boxed().toList());
    assertThat(events.get(events.size() - 1).name()).isEqualTo("end");
    Poll.until(
        "no stream left open or paused",
        LIMIT,
        () -> Prometheus.value(node, OPEN) == 0 && Prometheus.value(node, PAUSED) == 0);
  }

  private static long submit(JsonObject options, List<String> urls) {
    HttpResponse<Buffer> accepted =
        await(
            node.client()
                .post("/scrape-jobs")
                .sendJsonObject(
                    new JsonObject()
                        .put("urls", new JsonArray(new ArrayList<Object>(urls)))
                        .put("options", options)));
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    return accepted.bodyAsJsonObject().getLong("id");
  }

  private static JsonObject job(long id) {
    return await(
        node.vertx()
            .eventBus()
            .<JsonObject>request(Addresses.SCRAPE_JOBS_GET, new JsonObject().put("id", id))
            .map(Message::body));
  }
}
