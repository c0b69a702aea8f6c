package io.loopline.scrape;

import io.loopline.contract.Addresses;
import io.loopline.platform.bus.BusClient;
import io.loopline.platform.config.ScrapeSettings;
import io.loopline.platform.web.JobEventStream;
import io.loopline.platform.web.Resources;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;

/**
 * {@code /scrape} and {@code /scrape-jobs}: batches answered when every URL is fetched, durable jobs accepted
 * at once, their pages, and their events as Server-Sent Events.
 */
public final class ScrapeRoutes {

  private static final String LAST_EVENT_ID = "Last-Event-ID";

  private final Vertx vertx;
  private final BusClient bus;
  private final BusClient batches;
  private final Resources resources;
  private final JobEventStream.Meters streams;

  public ScrapeRoutes(
      Vertx vertx,
      BusClient bus,
      Resources resources,
      ScrapeSettings settings,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.bus = bus;
    this.batches = bus.withTimeout(settings.batchTimeoutMs());
    this.resources = resources;
    this.streams = JobEventStream.Meters.of(vertx, registry);
  }

  public void mount(RouterBuilder builder) {
    builder
        .getRoute("scrape")
        .addHandler(
            ctx ->
                batches
                    .request(Addresses.SCRAPE_BATCH, Resources.body(ctx))
                    .onSuccess(ctx::json)
                    .onFailure(ctx::fail));
    builder.getRoute("submitScrapeJob").addHandler(this::submit);
    builder
        .getRoute("listScrapeJobs")
        .addHandler(
            ctx ->
                resources.query(
                    ctx,
                    Addresses.SCRAPE_JOBS_LIST,
                    new JsonObject()
                        .put("state", Resources.query(ctx, "state"))
                        .put("limit", Resources.query(ctx, "limit"))
                        .put("cursor", Resources.query(ctx, "cursor"))));
    builder
        .getRoute("getScrapeJob")
        .addHandler(
            ctx ->
                resources.query(
                    ctx, Addresses.SCRAPE_JOBS_GET, new JsonObject().put("id", Resources.id(ctx))));
    builder
        .getRoute("cancelScrapeJob")
        .addHandler(
            ctx ->
                resources.query(
                    ctx,
                    Addresses.SCRAPE_JOBS_CANCEL,
                    new JsonObject().put("id", Resources.id(ctx))));
    builder
        .getRoute("listScrapePages")
        .addHandler(
            ctx -> {
              String export = PageExport.format(ctx);
              if (export != null) {
                PageExport.start(
                    bus, ctx, Resources.id(ctx), Resources.query(ctx, "state"), export);
                return;
              }
              resources.query(
                  ctx,
                  Addresses.SCRAPE_JOBS_PAGES,
                  new JsonObject()
                      .put("id", Resources.id(ctx))
                      .put("state", Resources.query(ctx, "state"))
                      .put("limit", Resources.query(ctx, "limit"))
                      .put("cursor", Resources.query(ctx, "cursor")));
            });
    builder.getRoute("scrapeJobEvents").addHandler(this::events);
  }

  /** 202 once the job is stored: it will run even if this node dies now. */
  private void submit(RoutingContext ctx) {
    JsonObject body = Resources.body(ctx);
    JsonObject options = body.getValue("options") instanceof JsonObject o ? o : new JsonObject();
    // Reading sitemaps is a fetch or several: such a submission may take as long as a batch.
    boolean sitemaps =
        options.containsKey("sitemaps") || Boolean.TRUE.equals(options.getValue("robotsSitemaps"));
    (sitemaps ? batches : bus)
        .request(Addresses.SCRAPE_JOBS_SUBMIT, body)
        .onSuccess(
            job ->
                ctx.response()
                    .setStatusCode(202)
                    .putHeader(HttpHeaders.LOCATION, "/scrape-jobs/" + job.getLong("id"))
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(job.encode()))
        .onFailure(ctx::fail);
  }

  /** Server-Sent Events of the job, from the client's {@code Last-Event-ID} when it reconnects. */
  private void events(RoutingContext ctx) {
    RequestParameter lastEventId = Resources.validated(ctx).getHeaders().get(LAST_EVENT_ID);
    Long after = lastEventId == null || lastEventId.isNull() ? null : lastEventId.getLong();
    JobEventStream.open(vertx, ctx, bus, Resources.id(ctx), after, streams);
  }
}
