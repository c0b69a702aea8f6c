package io.loopline.platform.web;

import io.loopline.contract.Addresses;
import io.loopline.platform.bus.BusClient;
import io.loopline.platform.bus.Operations;
import io.loopline.platform.observe.NodeGauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * One client's Server-Sent Events of a scrape job ({@code GET /scrape-jobs/{id}/events}). PostgreSQL is
 * the source of the stream and the job's bus events are only its doorbell: each page stored has the job's
 * next {@code seq}, which is the event's {@code id}, and whenever the stream is behind (it just opened, a
 * page's event came out of order, the client reconnected with {@code Last-Event-ID}, or the client's
 * write queue was full) it reads the pages after its last seq from {@link Addresses#SCRAPE_JOBS_EVENTS}, a
 * page of {@link #CATCH_UP_PAGES} at a time. So a client misses nothing, sees each page once and in seq
 * order, and a client that does not read holds at most one page of events in this server: while its write
 * queue is full, events are dropped and read back once it drains. The close handler is the first thing set,
 * before any asynchronous step, so a client that leaves at any moment leaves no consumer or timer behind.
 * Runs on its HTTP verticle's event loop.
 */
public final class JobEventStream {

  /**
   * This often a comment line keeps proxies from closing a quiet stream, and the stream reads back what it
   * may have missed (a bus event lost with a node that died): events are told at most this late.
   */
  static final long HEARTBEAT_MS = 15_000;

  /** Pages read back per catch-up: the most a stream holds in this server at once. */
  static final int CATCH_UP_PAGES = 50;

  /** The node's streams: how many are open, and how many wait for a slow reader. */
  public record Meters(NodeGauge open, NodeGauge paused) {
    public static Meters of(Vertx vertx, MeterRegistry registry) {
      return new Meters(
          NodeGauge.of(
              vertx, registry, "loopline.scrape.event.streams", "Scrape job event streams open"),
          NodeGauge.of(
              vertx,
              registry,
              "loopline.scrape.event.streams.paused",
              "Scrape job event streams waiting for their client to read (events dropped, read back later)"));
    }
  }

  private final Vertx vertx;
  private final RoutingContext ctx;
  private final HttpServerResponse response;
  private final BusClient bus;
  private final long jobId;
  private final Meters meters;

  /** Waiting for the client to read: nothing is written until the connection drains. */
  private boolean paused;

  private MessageConsumer<JsonObject> consumer;
  private long heartbeat = -1;

  /** The seq of the last page this client was sent (or, at the start, was told of). */
  private long last;

  private boolean streaming;
  private boolean catchingUp;

  /** Something happened while the stream could not take it: read back once it can. */
  private boolean behind;

  private boolean closed;

  private JobEventStream(
      Vertx vertx, RoutingContext ctx, BusClient bus, long jobId, Meters meters) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.response = ctx.response();
    this.bus = bus;
    this.jobId = jobId;
    this.meters = meters;
    meters.open().increment();
  }

  /** Opens the stream; {@code lastEventId} is the client's {@code Last-Event-ID}, or null for live events only. */
  public static void open(
      Vertx vertx, RoutingContext ctx, BusClient bus, long jobId, Long lastEventId, Meters meters) {
    new JobEventStream(vertx, ctx, bus, jobId, meters).start(lastEventId);
  }

  /**
   * Subscribes first, then reads the job: a page stored between the two is in the read or rings the bell.
   */
  private void start(Long lastEventId) {
    response.closeHandler(v -> close());
    response.exceptionHandler(e -> close());
    consumer = Operations.listen(vertx.eventBus(), Addresses.scrapeJobEvents(jobId), this::event);
    consumer
        .completion()
        .compose(v -> bus.request(Addresses.SCRAPE_JOBS_EVENTS, catchUpFrom(lastEventId)))
        .onFailure(
            e -> {
              if (!closed) {
                close();
                ctx.fail(e);
              }
            })
        .onSuccess(
            reply -> {
              if (closed) {
                return;
              }
              response
                  .setChunked(true)
                  .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
                  .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                  // An event must leave at once: no compression buffering it.
                  .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
              last = lastEventId != null ? lastEventId : reply.getLong("last");
              streaming = true;
              heartbeat =
                  vertx.setPeriodic(
                      HEARTBEAT_MS,
                      t -> {
                        if (!response.writeQueueFull()) {
                          response.write(": keep-alive\n\n");
                          catchUp(true);
                        }
                      });
              caughtUp(reply, false);
            });
  }

  private JsonObject catchUpFrom(Long after) {
    JsonObject request = new JsonObject().put("id", jobId).put("limit", CATCH_UP_PAGES);
    return after == null ? request : request.put("after", after);
  }

  /** A bus event: written at once when it is the next one and the client keeps up, else read back later. */
  private void event(JsonObject event) {
    if (!streaming || catchingUp || paused) {
      behind = true;
      return;
    }
    String name = event.getString("event");
    if ("page".equals(name)) {
      Long seq = event.getJsonObject("page").getLong("seq");
      if (seq != null && seq <= last) {
        return; // already sent, read back from PostgreSQL
      }
      if (seq == null || seq != last + 1 || !writable()) {
        catchUp(false);
        return;
      }
      writePage(event.getJsonObject("page"));
    } else if ("progress".equals(name)) {
      if (writable()) {
        write("progress", last, event.getJsonObject("job"));
      }
    } else {
      catchUp(false); // the end: the job's last pages and state are read back before it is told
    }
  }

  /** Reads back the pages after the last one sent; {@code quiet}: tell the job's progress only if pages came. */
  private void catchUp(boolean quiet) {
    if (closed || catchingUp) {
      behind = true;
      return;
    }
    if (!writable()) {
      return; // the drain handler catches up
    }
    behind = false;
    catchingUp = true;
    bus.request(Addresses.SCRAPE_JOBS_EVENTS, catchUpFrom(last))
        .onFailure(
            e -> {
              catchingUp = false;
              if (!closed) {
                // The stream has started: no problem can be sent any more. The client reconnects
                // and resumes.
                close();
                response.reset();
              }
            })
        .onSuccess(
            reply -> {
              catchingUp = false;
              if (!closed) {
                caughtUp(reply, quiet);
              }
            });
  }

  /**
   * Pages read back, then the job as it is, then the end once a finished job has no page left to send (the
   * job was read before its pages, so a finished job's pages were all there).
   */
  private void caughtUp(JsonObject reply, boolean quiet) {
    JsonArray pages = reply.getJsonArray("pages");
    for (int i = 0; i < pages.size(); i++) {
      writePage(pages.getJsonObject(i));
    }
    JsonObject job = reply.getJsonObject("job");
    boolean finished =
        !"pending".equals(job.getString("state")) && !"running".equals(job.getString("state"));
    if (!quiet || !pages.isEmpty() || finished) {
      write("progress", last, job);
    }
    boolean more = pages.size() == CATCH_UP_PAGES;
    if (finished && !more) {
      write("end", last, job);
      close();
      response.end();
    } else if (more || behind) {
      catchUp(false);
    }
  }

  private void writePage(JsonObject page) {
    last = page.getLong("seq");
    write("page", last, page);
  }

  private void write(String name, long id, JsonObject data) {
    response.write("id: " + id + "\nevent: " + name + "\ndata: " + data.encode() + "\n\n");
  }

  /**
   * Whether the client reads fast enough to be written to now. When it does not, the stream pauses: it
   * writes nothing more until the connection drains, then reads back what it dropped.
   */
  private boolean writable() {
    if (!response.writeQueueFull()) {
      return true;
    }
    if (!paused) {
      paused = true;
      meters.paused().increment();
      response.drainHandler(
          v -> {
            stopPause();
            if (!closed) {
              catchUp(false);
            }
          });
    }
    return false;
  }

  private void stopPause() {
    if (paused) {
      paused = false;
      meters.paused().decrement();
    }
  }

  /** Once, whoever calls first: the client left, the job ended, or the stream failed. */
  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (consumer != null) {
      consumer.unregister();
    }
    vertx.cancelTimer(heartbeat);
    stopPause();
    meters.open().decrement();
  }
}
