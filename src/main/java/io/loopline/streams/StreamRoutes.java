package io.loopline.streams;

import io.loopline.contract.Addresses;
import io.loopline.platform.bus.BusClient;
import io.loopline.platform.bus.Operations;
import io.loopline.platform.config.IngestSettings;
import io.loopline.platform.web.Problem;
import io.loopline.platform.web.Problems;
import io.loopline.platform.web.RequestBodies;
import io.loopline.platform.web.Resources;
import io.loopline.platform.web.SlowClients;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import java.util.List;

/**
 * {@code /streams}: uploads of records ({@link RecordUpload}), the streams list, series buckets, records as JSON
 * pages or an NDJSON export read from a database cursor as fast as the client takes it, and {@code /live}, the
 * records of a stream as they are stored, as Server-Sent Events that resume after {@code Last-Event-ID}.
 */
public final class StreamRoutes {

  static final String NDJSON = "application/x-ndjson";
  private static final long HEARTBEAT_MS = 15_000;
  private static final int LIVE_PAGE = 500;
  private static final List<String> FILTERS = List.of("device", "from", "to");

  private final Vertx vertx;
  private final BusClient bus;
  private final BusClient writes;
  private final Problems problems;
  private final SlowClients slowClients;
  private final IngestSettings settings;
  private final IngestMetrics metrics;
  private final UploadSlots slots;

  public StreamRoutes(
      Vertx vertx,
      BusClient bus,
      Problems problems,
      SlowClients slowClients,
      IngestSettings settings,
      IngestMetrics metrics) {
    this.vertx = vertx;
    this.bus = bus;
    this.writes = bus.withTimeout(settings.writeTimeoutMs());
    this.problems = problems;
    this.slowClients = slowClients;
    this.settings = settings;
    this.metrics = metrics;
    this.slots = UploadSlots.of(vertx, settings.maxUploads(), metrics);
  }

  public void mount(RouterBuilder builder) {
    builder.getRoute("appendRecords").addHandler(this::upload);
    builder
        .getRoute("listStreams")
        .addHandler(
            ctx ->
                bus.request(
                        Addresses.STREAMS_LIST,
                        new JsonObject()
                            .put("limit", Resources.query(ctx, "limit"))
                            .put("cursor", Resources.query(ctx, "cursor")))
                    .onSuccess(ctx::json)
                    .onFailure(ctx::fail));
    builder
        .getRoute("streamSeries")
        .addHandler(
            ctx ->
                bus.request(
                        Addresses.STREAMS_SERIES,
                        filters(ctx).put("step", Resources.query(ctx, "step")))
                    .onSuccess(ctx::json)
                    .onFailure(ctx::fail));
    builder.getRoute("listRecords").addHandler(this::records);
    builder.getRoute("liveRecords").addHandler(this::live);
  }

  /** The body is not read yet (see {@link RequestBodies}): refusals come before a byte of it is. */
  private void upload(RoutingContext ctx) {
    String stream = stream(ctx);
    RecordLines lines =
        RecordLines.forContentType(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE));
    if (lines == null) {
      ctx.fail(
          Problem.of(415, "Send records as application/x-ndjson or text/csv (UTF-8)").exception());
      return;
    }
    String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && tooLong(length)) {
      metrics.upload("too-large");
      ctx.fail(
          Problem.of(
                  413,
                  "The body is larger than ingest.maxBodyBytes ("
                      + settings.maxBodyBytes()
                      + " bytes)")
              .exception());
      return;
    }
    if (!slots.take()) {
      metrics.upload("unavailable");
      ctx.fail(
          Problem.of(
                  503,
                  "This node reads "
                      + settings.maxUploads()
                      + " uploads at once; try again shortly")
              .exception());
      return;
    }
    slowClients.streamed(ctx.request());
    new RecordUpload(
            vertx,
            ctx,
            writes,
            problems,
            settings,
            metrics,
            slots,
            stream,
            Boolean.TRUE.equals(Resources.query(ctx, "atomic")),
            lines)
        .start();
  }

  private boolean tooLong(String contentLength) {
    try {
      return Long.parseLong(contentLength.trim()) > settings.maxBodyBytes();
    } catch (NumberFormatException e) {
      return false; // Vert.x refuses a malformed Content-Length before this handler runs
    }
  }

  /** A page as JSON, or with {@code Accept: application/x-ndjson} every matching record, streamed. */
  private void records(RoutingContext ctx) {
    String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
    if (accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains(NDJSON)) {
      export(ctx);
      return;
    }
    bus.request(
            Addresses.STREAMS_RECORDS,
            filters(ctx)
                .put("limit", Resources.query(ctx, "limit"))
                .put("cursor", Resources.query(ctx, "cursor")))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  /**
   * The export: the persistence verticle holds a cursor and hands out a chunk per fetch; the next fetch is sent
   * only when the client has taken the last chunk (the response's write queue drained), so a slow client slows
   * the cursor down rather than filling memory. The first chunk is read before the answer starts, so a refusal
   * (a bad filter, no session free) is still a problem+json.
   */
  private void export(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    Export export = new Export(ctx);
    // Before any step that waits: a client that leaves while the cursor opens must still have it
    // closed.
    response.closeHandler(v -> export.clientGone());
    response.exceptionHandler(e -> export.clientGone());
    if (response.closed()) {
      return; // gone before this handler ran (access checks can wait): nothing was opened
    }
    bus.request(Addresses.STREAMS_EXPORT, filters(ctx))
        .onFailure(ctx::fail)
        .onSuccess(
            opened -> {
              export.session = opened.getString("session");
              if (export.over) {
                export.closeSession();
              } else {
                export.fetch();
              }
            });
  }

  /** One export's fetch loop. */
  private final class Export {
    private final RoutingContext ctx;

    /** The persistence session's address, once it is open. */
    String session;

    private boolean started;
    boolean over;

    Export(RoutingContext ctx) {
      this.ctx = ctx;
    }

    void fetch() {
      bus.<Buffer>requestSession(
              session, new JsonObject().put("fetch", true), settings.sessionIdleMs())
          .onSuccess(this::write)
          .onFailure(
              e -> {
                over = true;
                ctx.fail(
                    e); // before the answer started: a problem; after: the response is cut short
              });
    }

    private void write(Message<Buffer> chunk) {
      HttpServerResponse response = ctx.response();
      if (over || response.closed()) {
        return;
      }
      if (!started) {
        started = true;
        response.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, NDJSON);
      }
      boolean more = Boolean.parseBoolean(chunk.headers().get("more"));
      if (!more) {
        over = true;
        response.end(chunk.body());
        return;
      }
      response.write(chunk.body());
      if (response.writeQueueFull()) {
        response.drainHandler(v -> fetch());
      } else {
        fetch();
      }
    }

    void clientGone() {
      if (!over) {
        over = true;
        closeSession();
      }
    }

    /** Ends the cursor's session now rather than after {@code ingest.sessionIdleMs}; later when it is still opening. */
    void closeSession() {
      if (session != null) {
        bus.requestSession(session, new JsonObject().put("close", true), settings.writeTimeoutMs());
      }
    }
  }

  /**
   * Server-Sent Events of the records stored in a stream from now on, or after {@code Last-Event-ID} (a seq).
   * The stream's notifications say how far it got; the records themselves are read from PostgreSQL in seq order,
   * a page at a time and only while the client keeps up, so nothing is missed, doubled or held in memory for a
   * slow client.
   */
  private void live(RoutingContext ctx) {
    String stream = stream(ctx);
    RequestParameter lastEventId = Resources.validated(ctx).getHeaders().get("Last-Event-ID");
    Long resume = lastEventId == null || lastEventId.isNull() ? null : lastEventId.getLong();
    Object device = Resources.query(ctx, "device");
    HttpServerResponse response = ctx.response();
    metrics.liveOpened();
    if (response.closed()) {
      metrics
          .liveClosed(); // gone before this handler ran (access checks can wait): nothing to set up
      return;
    }
    Live live = new Live(ctx, stream, device);
    // Before any step that waits: a client that leaves while /live starts must not leave its
    // consumer behind.
    response.closeHandler(v -> live.close());
    response.exceptionHandler(e -> live.close());
    MessageConsumer<JsonObject> stored =
        Operations.listen(
            vertx.eventBus(),
            Addresses.streamStored(stream),
            (JsonObject record) -> live.stored(record.getLong("seq", 0L)));
    live.consumer = stored;
    // Listening first, then reading where to start: a record stored in between is read, not missed.
    stored
        .completion()
        .compose(
            v ->
                resume != null
                    ? io.vertx.core.Future.succeededFuture(resume)
                    : bus.request(Addresses.STREAMS_AFTER, new JsonObject().put("stream", stream))
                        .map(head -> head.getLong("last")))
        .onFailure(
            e -> {
              live.close();
              ctx.fail(e);
            })
        .onSuccess(live::start);
  }

  /** One {@code /live} client. */
  private final class Live {
    private final RoutingContext ctx;
    private final String stream;
    private final Object device;
    MessageConsumer<JsonObject> consumer;
    private long sent;
    private long known;
    private boolean reading;
    private boolean closed;
    private long heartbeat = -1;

    Live(RoutingContext ctx, String stream, Object device) {
      this.ctx = ctx;
      this.stream = stream;
      this.device = device;
    }

    void start(long after) {
      if (closed) {
        return;
      }
      sent = after;
      known = Math.max(known, after);
      HttpServerResponse response = ctx.response();
      response
          .setChunked(true)
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
          // An event must leave at once: no compression buffering it.
          .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
      response.write(": records of " + stream + " after seq " + after + "\n\n");
      heartbeat =
          vertx.setPeriodic(
              HEARTBEAT_MS,
              t -> {
                response.write(": keep-alive\n\n");
                read(); // what a lost notification (its node died after the commit) would hide, at
                // most this late
              });
      read();
    }

    void stored(long seq) {
      known = Math.max(known, seq);
      if (seq > sent) {
        read();
      }
    }

    private void read() {
      HttpServerResponse response = ctx.response();
      if (reading || closed) {
        return;
      }
      if (response.writeQueueFull()) {
        response.drainHandler(v -> read());
        return;
      }
      reading = true;
      JsonObject ask =
          new JsonObject().put("stream", stream).put("after", sent).put("limit", LIVE_PAGE);
      if (device != null) {
        ask.put("device", device);
      }
      bus.request(Addresses.STREAMS_AFTER, ask)
          .onComplete(
              result -> {
                reading = false;
                if (closed) {
                  return;
                }
                if (result.failed()) {
                  // Not answerable any more (the stream started): end it; the client resumes with
                  // Last-Event-ID.
                  close();
                  response.end();
                  return;
                }
                JsonArray records = result.result().getJsonArray("records");
                for (int i = 0; i < records.size(); i++) {
                  JsonObject record = records.getJsonObject(i);
                  response.write(
                      "id: "
                          + record.getLong("seq")
                          + "\nevent: record\ndata: "
                          + record.encode()
                          + "\n\n");
                }
                sent = Math.max(sent, result.result().getLong("last"));
                if (records.size() == LIVE_PAGE || known > sent) {
                  read();
                }
              });
    }

    void close() {
      if (!closed) {
        closed = true;
        if (heartbeat >= 0) {
          vertx.cancelTimer(heartbeat);
        }
        consumer.unregister();
        metrics.liveClosed();
      }
    }
  }

  private static String stream(RoutingContext ctx) {
    return Resources.validated(ctx).getPathParameters().get("stream").getString();
  }

  private static JsonObject filters(RoutingContext ctx) {
    JsonObject filters = new JsonObject().put("stream", stream(ctx));
    for (String name : FILTERS) {
      Object value = Resources.query(ctx, name);
      if (value != null) {
        filters.put(name, value);
      }
    }
    return filters;
  }
}
