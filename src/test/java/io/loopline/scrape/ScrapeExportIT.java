package io.loopline.scrape;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.Addresses;
import io.loopline.support.Poll;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Extraction rules stored with each page, and a job's pages exported as NDJSON or CSV, streamed. */
class ScrapeExportIT {

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
                        .put("cacheTtlSeconds", 0)));
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(node, site);
  }

  private static long submit(JsonObject body) {
    HttpResponse<Buffer> accepted = await(node.client().post("/scrape-jobs").sendJsonObject(body));
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

  @Test
  void extractionRulesAreStoredWithEachPageAndExportedAsNdjsonAndCsv() {
    JsonObject extract =
        new JsonObject()
            .put("heading", new JsonObject().put("css", "h1").put("text", true))
            .put(
                "links",
                new JsonObject()
                    .put("css", "a[href^=/page/]")
                    .put("attr", "abs:href")
                    .put("all", true));
    long id =
        submit(
            new JsonObject()
                .put("urls", new JsonArray().add(site.url("/page/700")).add(site.url("/page/701")))
                .put("options", new JsonObject().put("extract", extract)));

    HttpResponse<Buffer> ndjson =
        await(
            node.client()
                .get("/scrape-jobs/" + id + "/pages")
                .putHeader("Accept", "application/x-ndjson")
                .send());
    assertThat(ndjson.statusCode()).isEqualTo(200);
    assertThat(ndjson.getHeader("Content-Type")).startsWith("application/x-ndjson");
    String[] lines = ndjson.bodyAsString().split("\n");
    assertThat(lines).hasSize(2);
    JsonObject first = new JsonObject(lines[0]);
    assertThat(first.getString("url")).isEqualTo(site.url("/page/700"));
    assertThat(first.getString("state")).isEqualTo("done");
    JsonObject fields = first.getJsonObject("result").getJsonObject("fields");
    assertThat(fields.getString("heading")).isEqualTo("Page 700");
    assertThat(fields.getJsonArray("links"))
        .containsExactly(site.url("/page/701"), site.url("/page/701#top"));
    // the JSON listing has the same fields
    JsonObject listed =
        await(node.client().get("/scrape-jobs/" + id + "/pages").send()).bodyAsJsonObject();
    assertThat(
            listed
                .getJsonArray("pages")
                .getJsonObject(1)
                .getJsonObject("result")
                .getJsonObject("fields")
                .getString("heading"))
        .isEqualTo("Page 701");

    HttpResponse<Buffer> csv =
        await(
            node.client()
                .get("/scrape-jobs/" + id + "/pages")
                .putHeader("Accept", "text/csv")
                .send());
    assertThat(csv.getHeader("Content-Type")).startsWith("text/csv");
    String[] rows = csv.bodyAsString().split("\r\n");
    assertThat(rows[0])
        .isEqualTo(
            "id,url,depth,state,seq,finished_at,status,final_url,title,description,canonical,"
                + "link_count,error,fields");
    assertThat(rows).hasSize(3);
    assertThat(rows[1])
        .contains("," + site.url("/page/700") + ",0,done,")
        .contains(",200,")
        .contains(",Page 700,")
        .contains("\"\"heading\"\":\"\"Page 700\"\"");
  }

  @Test
  void badRulesAndUnknownJobsAreRefused() {
    HttpResponse<Buffer> bad =
        await(
            node.client()
                .post("/scrape-jobs")
                .sendJsonObject(
                    new JsonObject()
                        .put("urls", new JsonArray().add(site.url("/page/1")))
                        .put(
                            "options",
                            new JsonObject()
                                .put(
                                    "extract",
                                    new JsonObject()
                                        .put("p", new JsonObject().put("css", "a[[["))))));
    assertProblem(bad, 400);
    assertThat(bad.bodyAsString()).contains("options.extract.p.css");
    assertProblem(
        await(
            node.client()
                .get("/scrape-jobs/987654321/pages")
                .putHeader("Accept", "application/x-ndjson")
                .send()),
        404);
  }

  /**
   * 20,000 pages of about 2 KB (40 MB) exported to a client that stops reading: the server reads a chunk of
   * 500 pages only when the connection has room, so it stops asking for chunks long before the end, and the
   * client that reads again gets every page once, in order.
   */
  @Test
  void anExportOf20000PagesStreamsWithBoundedMemory() throws Exception {
    long id;
    try (Connection db = TestServers.jdbc(node.databaseUrl())) {
      try (ResultSet job =
          db.createStatement()
              .executeQuery(
                  "INSERT INTO scrape_jobs (options, max_pages, total, done, state) "
                      + "VALUES ('{}', 20000, 20000, 20000, 'done') RETURNING id")) {
        job.next();
        id = job.getLong(1);
      }
      db.createStatement()
          .execute(
              "INSERT INTO scrape_pages (job_id, url, state, result, finished_at, seq) "
                  + "SELECT "
                  + id
                  + ", 'https://example.com/p/' || n, 'done', json_build_object('status', 200, 'title', 'Page ' || n, "
                  + "'excerpt', repeat('x', 2000)), now(), n FROM generate_series(1, 20000) AS n");
    }
    AtomicInteger chunks = new AtomicInteger();
    node.vertx()
        .eventBus()
        .addOutboundInterceptor(
            delivery -> {
              if (Addresses.SCRAPE_JOBS_EXPORT.equals(delivery.message().address())) {
                chunks.incrementAndGet();
              }
              delivery.next();
            });
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(16 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", node.port()), 5000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /scrape-jobs/"
                  + id
                  + "/pages HTTP/1.1\r\nHost: localhost\r\nAccept: application/x-ndjson\r\n"
                  + "Connection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      java.io.ByteArrayOutputStream rest = new java.io.ByteArrayOutputStream();
      byte[] first = new byte[1024];
      rest.write(
          first,
          0,
          Math.max(
              0, in.read(first))); // the head and the first bytes; then the client stops reading

      // The server fills the socket buffers and Netty's write queue, then waits: the chunk count
      // stops moving.
      long[] seen = {-1, 0};
      Poll.until(
          "the export paused",
          LIMIT,
          Duration.ofMillis(500),
          () -> {
            int now = chunks.get();
            boolean still = now == seen[0] && System.nanoTime() - seen[1] > 2_000_000_000L;
            if (now != seen[0]) {
              seen[0] = now;
              seen[1] = System.nanoTime();
            }
            return still;
          });
      int paused = chunks.get();
      assertThat(paused).as("chunks read while the client did not read").isBetween(1, 20);

      // The rest: the head, then the chunked body decoded (chunk sizes in hex, each chunk ended by
      // CRLF).
      in.transferTo(rest);
      byte[] raw = rest.toByteArray();
      String text = new String(raw, StandardCharsets.UTF_8);
      int head = text.indexOf("\r\n\r\n");
      assertThat(text).as("the answer").startsWith("HTTP/1.1 200");
      StringBuilder decoded = new StringBuilder();
      int at = head + 4;
      while (true) {
        int eol = text.indexOf("\r\n", at);
        int size = Integer.parseInt(text.substring(at, eol).trim(), 16);
        if (size == 0) {
          break;
        }
        decoded.append(text, eol + 2, eol + 2 + size); // the body is ASCII, so characters are bytes
        at = eol + 2 + size + 2;
      }
      List<Long> ids = new ArrayList<>();
      boolean body = false;
      for (String line : decoded.toString().split("\n")) {
        body = true;
        ids.add(new JsonObject(line).getLong("id"));
      }
      assertThat(body).isTrue();
      assertThat(ids).hasSize(20000).isSorted().doesNotHaveDuplicates();
      assertThat(chunks.get()).isGreaterThanOrEqualTo(40);
    }
  }
}
