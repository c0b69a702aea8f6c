package io.loopline.scrape;

import io.loopline.contract.Addresses;
import io.loopline.platform.bus.BusClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /scrape-jobs/{id}/pages} with {@code Accept: application/x-ndjson} or {@code text/csv}: every page
 * of the job (of one state, with {@code state}) in id order, streamed. The pages are read from the persistence
 * role a chunk at a time, each chunk after the last page id of the one before (a keyset cursor, so no
 * transaction or connection is held while the client reads), and the next chunk is asked for only when the
 * connection's write queue has room: a client that reads slowly holds at most one chunk in the server.
 */
final class PageExport {

  private static final Logger log = LoggerFactory.getLogger(PageExport.class);

  static final String NDJSON = "application/x-ndjson";
  static final String CSV = "text/csv";

  /** Pages a chunk. */
  static final int CHUNK = 500;

  private final BusClient bus;
  private final RoutingContext ctx;
  private final HttpServerResponse response;
  private final JsonObject query;
  private boolean closed;

  private PageExport(BusClient bus, RoutingContext ctx, JsonObject query) {
    this.bus = bus;
    this.ctx = ctx;
    this.response = ctx.response();
    this.query = query;
  }

  /** The format the client asked for in {@code Accept}, or null for the JSON listing. */
  static String format(RoutingContext ctx) {
    String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
    if (accept == null) {
      return null;
    }
    if (accept.contains(NDJSON)) {
      return "ndjson";
    }
    return accept.contains(CSV) ? "csv" : null;
  }

  static void start(BusClient bus, RoutingContext ctx, long id, Object state, String format) {
    new PageExport(
            bus,
            ctx,
            new JsonObject()
                .put("id", id)
                .put("state", state)
                .put("format", format)
                .put("limit", CHUNK)
                .put("after", 0L))
        .next();
  }

  private void next() {
    bus.request(Addresses.SCRAPE_JOBS_EXPORT, query.copy())
        .onComplete(
            done -> {
              if (closed) {
                return;
              }
              if (done.failed()) {
                if (!response.headWritten()) {
                  ctx.fail(done.cause());
                } else {
                  log.warn(
                      "export of scrape job {} broken off: {}",
                      query.getLong("id"),
                      done.cause().getMessage());
                  response.reset(); // the client sees a broken stream rather than a short one that
                  // looks whole
                }
                return;
              }
              if (!response.headWritten()) {
                boolean csv = "csv".equals(query.getString("format"));
                response
                    .setChunked(true)
                    .putHeader(HttpHeaders.CONTENT_TYPE, csv ? CSV + "; charset=utf-8" : NDJSON)
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
                response.closeHandler(v -> closed = true);
              }
              JsonObject chunk = done.result();
              String lines = chunk.getString("lines");
              if (!lines.isEmpty()) {
                response.write(lines);
              }
              Long last = chunk.getLong("last");
              if (last == null) {
                response.end();
                return;
              }
              query.put("after", last);
              if (response.writeQueueFull()) {
                response.drainHandler(
                    v -> {
                      response.drainHandler(null);
                      next();
                    });
              } else {
                next();
              }
            });
  }
}
