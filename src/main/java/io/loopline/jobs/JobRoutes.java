package io.loopline.jobs;

import io.loopline.contract.Addresses;
import io.loopline.contract.JobType;
import io.loopline.platform.bus.BusClient;
import io.loopline.platform.web.Resources;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;

/**
 * {@code /log}, {@code /jobs} and the bulk actions on dead jobs under {@code /admin/jobs}: durable background
 * work, accepted at once and run by the job runners.
 */
public final class JobRoutes {

  private final BusClient bus;
  private final Resources resources;

  public JobRoutes(BusClient bus, Resources resources) {
    this.bus = bus;
    this.resources = resources;
  }

  public void mount(RouterBuilder builder) {
    builder
        .getRoute("writeLog")
        .addHandler(
            ctx ->
                submit(
                    ctx,
                    new JsonObject()
                        .put("type", JobType.LOG.id())
                        .put(
                            "payload",
                            new JsonObject()
                                .put("message", Resources.body(ctx).getString("message")))));
    builder.getRoute("submitJob").addHandler(ctx -> submit(ctx, Resources.body(ctx).copy()));
    builder
        .getRoute("countJobs")
        .addHandler(ctx -> resources.query(ctx, Addresses.JOBS_COUNTS, new JsonObject()));
    builder
        .getRoute("retryDeadJobs")
        .addHandler(ctx -> resources.query(ctx, Addresses.JOBS_RETRY_DEAD, optionalBody(ctx)));
    builder
        .getRoute("discardDeadJobs")
        .addHandler(ctx -> resources.query(ctx, Addresses.JOBS_DISCARD_DEAD, optionalBody(ctx)));
    builder
        .getRoute("getJob")
        .addHandler(
            ctx ->
                resources.query(
                    ctx, Addresses.JOBS_GET, new JsonObject().put("id", Resources.id(ctx))));
    builder
        .getRoute("listJobs")
        .addHandler(
            ctx ->
                resources.query(
                    ctx,
                    Addresses.JOBS_LIST,
                    new JsonObject()
                        .put("state", Resources.query(ctx, "state"))
                        .put("type", Resources.query(ctx, "type"))
                        .put("schedule", Resources.query(ctx, "schedule"))
                        .put("order", Resources.query(ctx, "order"))
                        .put("limit", Resources.query(ctx, "limit"))
                        .put("cursor", Resources.query(ctx, "cursor"))));
    builder
        .getRoute("retryJob")
        .addHandler(
            ctx ->
                resources.query(
                    ctx, Addresses.JOBS_RETRY, new JsonObject().put("id", Resources.id(ctx))));
    builder
        .getRoute("cancelJob")
        .addHandler(
            ctx ->
                resources.query(
                    ctx, Addresses.JOBS_CANCEL, new JsonObject().put("id", Resources.id(ctx))));
  }

  /** 202 once the job is stored: it will run even if this node dies now. */
  private void submit(RoutingContext ctx, JsonObject submit) {
    RequestParameter key = Resources.validated(ctx).getHeaders().get("Idempotency-Key");
    if (key != null && !key.isNull()) {
      submit.put("idempotencyKey", key.getString());
    }
    bus.request(Addresses.JOBS_SUBMIT, submit)
        .onSuccess(
            job ->
                ctx.response()
                    .setStatusCode(202)
                    .putHeader(HttpHeaders.LOCATION, "/jobs/" + job.getLong("id"))
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(job.encode()))
        .onFailure(ctx::fail);
  }

  /** A body the contract makes optional: an empty object when none was sent. */
  static JsonObject optionalBody(RoutingContext ctx) {
    var body = Resources.validated(ctx).getBody();
    return body == null || body.isNull() ? new JsonObject() : body.getJsonObject().copy();
  }
}
