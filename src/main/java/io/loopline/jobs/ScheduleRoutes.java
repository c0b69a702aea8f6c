package io.loopline.jobs;

import io.loopline.contract.Addresses;
import io.loopline.platform.bus.BusClient;
import io.loopline.platform.web.Resources;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.openapi.router.RouterBuilder;

/** {@code /schedules}: recurring jobs, made from a cron expression and a job template; pause and resume. */
public final class ScheduleRoutes {

  private final BusClient bus;
  private final Resources resources;

  public ScheduleRoutes(BusClient bus, Resources resources) {
    this.bus = bus;
    this.resources = resources;
  }

  public void mount(RouterBuilder builder) {
    builder
        .getRoute("createSchedule")
        .addHandler(
            ctx ->
                bus.request(Addresses.SCHEDULES_CREATE, Resources.body(ctx))
                    .onSuccess(
                        created ->
                            ctx.response()
                                .setStatusCode(201)
                                .putHeader(
                                    HttpHeaders.LOCATION, "/schedules/" + created.getLong("id"))
                                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                                .end(created.encode()))
                    .onFailure(ctx::fail));
    builder
        .getRoute("listSchedules")
        .addHandler(
            ctx ->
                resources.query(
                    ctx,
                    Addresses.SCHEDULES_LIST,
                    new JsonObject()
                        .put("limit", Resources.query(ctx, "limit"))
                        .put("cursor", Resources.query(ctx, "cursor"))));
    builder
        .getRoute("getSchedule")
        .addHandler(ctx -> resources.query(ctx, Addresses.SCHEDULES_GET, byId(ctx)));
    builder
        .getRoute("pauseSchedule")
        .addHandler(ctx -> resources.query(ctx, Addresses.SCHEDULES_PAUSE, byId(ctx)));
    builder
        .getRoute("resumeSchedule")
        .addHandler(ctx -> resources.query(ctx, Addresses.SCHEDULES_RESUME, byId(ctx)));
    builder
        .getRoute("deleteSchedule")
        .addHandler(
            ctx ->
                bus.request(Addresses.SCHEDULES_DELETE, byId(ctx))
                    .onSuccess(deleted -> ctx.response().setStatusCode(204).end())
                    .onFailure(ctx::fail));
  }

  private static JsonObject byId(io.vertx.ext.web.RoutingContext ctx) {
    return new JsonObject().put("id", Resources.id(ctx));
  }
}
