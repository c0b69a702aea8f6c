package io.loopline.http;

import io.loopline.config.ScrapeSettings;
import io.loopline.contract.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /scrape} and {@code /scrape-jobs}: batches answered when every URL is fetched, durable jobs accepted
 * at once, their pages, and their events as Server-Sent Events.
 */
final class ScrapeRoutes {

  private static final long HEARTBEAT_MS = 15_000;

  private final Vertx vertx;
  private final BusClient bus;
  private final BusClient batches;
  private final Resources resources;

  ScrapeRoutes(Vertx vertx, BusClient bus, Resources resources, ScrapeSettings settings) {
    this.vertx = vertx;
    this.bus = bus;
    this.batches = bus.withTimeout(settings.batchTimeoutMs());
    this.resources = resources;
  }

  void mount(RouterBuilder builder) {
    builder.getRoute("scrape").addHandler(ctx ->
        batches.request(Addresses.SCRAPE_BATCH, Resources.body(ctx)).onSuccess(ctx::json).onFailure(ctx::fail));
    builder.getRoute("submitScrapeJob").addHandler(this::submit);
    builder.getRoute("listScrapeJobs").addHandler(ctx -> resources.query(ctx, Addresses.SCRAPE_JOBS_LIST, new JsonObject()
        .put("state", Resources.query(ctx, "state")).put("limit", Resources.query(ctx, "limit")).put("cursor", Resources.query(ctx, "cursor"))));
    builder.getRoute("getScrapeJob").addHandler(ctx ->
        resources.query(ctx, Addresses.SCRAPE_JOBS_GET, new JsonObject().put("id", Resources.id(ctx))));
    builder.getRoute("cancelScrapeJob").addHandler(ctx ->
        resources.query(ctx, Addresses.SCRAPE_JOBS_CANCEL, new JsonObject().put("id", Resources.id(ctx))));
    builder.getRoute("listScrapePages").addHandler(ctx -> resources.query(ctx, Addresses.SCRAPE_JOBS_PAGES, new JsonObject()
        .put("id", Resources.id(ctx))
        .put("state", Resources.query(ctx, "state"))
        .put("limit", Resources.query(ctx, "limit"))
        .put("cursor", Resources.query(ctx, "cursor"))));
    builder.getRoute("scrapeJobEvents").addHandler(this::events);
  }

  /** 202 once the job is stored: it will run even if this node dies now. */
  private void submit(RoutingContext ctx) {
    bus.request(Addresses.SCRAPE_JOBS_SUBMIT, Resources.body(ctx))
        .onSuccess(job -> ctx.response()
            .setStatusCode(202)
            .putHeader(HttpHeaders.LOCATION, "/scrape-jobs/" + job.getLong("id"))
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .end(job.encode()))
        .onFailure(ctx::fail);
  }

  /**
   * Subscribes first, then reads the job, so no event falls between the two: events that arrive before the
   * job's state is written wait in order behind it.
   */
  private void events(RoutingContext ctx) {
    long id = Resources.id(ctx);
    HttpServerResponse response = ctx.response();
    List<JsonObject> early = new ArrayList<>();
    boolean[] streaming = {false};
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(Addresses.scrapeJobEvents(id));
    long[] heartbeat = {-1};
    Runnable close = () -> {
      consumer.unregister();
      vertx.cancelTimer(heartbeat[0]);
    };
    consumer.handler(message -> {
      if (!streaming[0]) {
        early.add(message.body());
      } else if (!response.ended()) {
        write(response, message.body(), close);
      }
    });
    consumer.completion()
        .compose(v -> bus.request(Addresses.SCRAPE_JOBS_GET, new JsonObject().put("id", id)))
        .onFailure(e -> {
          close.run();
          ctx.fail(e);
        })
        .onSuccess(job -> {
          response.setChunked(true)
              .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
              .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
              // An event must leave at once: no compression buffering it.
              .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
          response.closeHandler(v -> close.run());
          streaming[0] = true;
          write(response, new JsonObject().put("event", "progress").put("job", job), close);
          boolean finished = !"pending".equals(job.getString("state")) && !"running".equals(job.getString("state"));
          if (finished) {
            write(response, new JsonObject().put("event", "end").put("job", job), close);
            return;
          }
          early.forEach(event -> {
            if (!response.ended()) {
              write(response, event, close);
            }
          });
          heartbeat[0] = vertx.setPeriodic(HEARTBEAT_MS, t -> {
            if (!response.ended()) {
              response.write(": keep-alive\n\n");
            }
          });
        });
  }

  private static void write(HttpServerResponse response, JsonObject event, Runnable close) {
    String name = event.getString("event");
    JsonObject data = "page".equals(name) ? event.getJsonObject("page") : event.getJsonObject("job");
    response.write("event: " + name + "\ndata: " + data.encode() + "\n\n");
    if ("end".equals(name)) {
      close.run();
      response.end();
    }
  }
}
