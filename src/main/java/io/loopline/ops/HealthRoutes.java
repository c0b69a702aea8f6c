package io.loopline.ops;

import io.loopline.contract.Addresses;
import io.loopline.contract.Role;
import io.loopline.platform.observe.NodeStatus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code /health/live}: this node's event loop answers. {@code /health/ready}: this node is not stopping;
 * every role answers on the event bus (on this node or another), which for persistence and cache means their
 * backend answered too, and for chat that a sequencer is elected and can write history; the database is not
 * one this node still waits for; and the node is in the cluster it joined.
 *
 * <p>Readiness is public and unbudgeted, so it is answered from a report at most {@link #READY_MAX_AGE_MS}
 * old (one per HTTP verticle; probes that arrive while one is being made wait for it): a flood of probes
 * costs the roles and the database one round of checks a second, not one per probe.
 */
public final class HealthRoutes {

  /** The name of each role's check in the readiness report. */
  private static final Map<Role, String> CHECKS =
      Map.of(
          Role.PERSISTENCE, "database",
          Role.CACHE, "cache",
          Role.SCRAPER, "scraper",
          Role.WORKER, "worker",
          Role.CHAT, "chat");

  private static final long CHECK_TIMEOUT_MS = 2000;

  /**
   * Liveness has nothing to ask but the event loop that answers it, so it is a constant in the health-check
   * module's format; running the module for it set and cancelled a procedure timer on every probe.
   */
  private static final String LIVE =
      new JsonObject()
          .put("status", "UP")
          .put(
              "checks",
              new JsonArray().add(new JsonObject().put("id", "eventLoop").put("status", "UP")))
          .put("outcome", "UP")
          .encode();

  /** The oldest readiness report served. */
  static final long READY_MAX_AGE_MS = 1000;

  /** A readiness report as it is sent. */
  private record Report(int status, String body) {}

  private final Vertx vertx;
  private HealthChecks ready;
  private Future<Report> latest;
  private long latestAt;

  public HealthRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  public void mount(RouterBuilder builder) {
    NodeStatus status = NodeStatus.of(vertx);
    ready = HealthChecks.create(vertx);
    ready.register(
        "node",
        promise ->
            promise.complete(
                status.isStopping()
                    ? Status.KO(
                        new JsonObject().put("reason", "stopping: draining before shutdown"))
                    : Status.OK()));
    ready.register("cluster", promise -> promise.complete(membership(status)));
    // Registered with a longer timeout than the bus request, so a slow role reports DOWN, not a
    // procedure error.
    CHECKS.forEach(
        (role, name) ->
            ready.register(
                name,
                CHECK_TIMEOUT_MS * 2,
                promise -> {
                  String waiting = status.databaseWait();
                  if (role == Role.PERSISTENCE && waiting != null) {
                    promise.complete(Status.KO(new JsonObject().put("reason", waiting)));
                  } else {
                    askRole(role, promise);
                  }
                }));
    builder
        .getRoute("healthLive")
        .addHandler(
            ctx ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json;charset=UTF-8")
                    .end(LIVE));
    builder
        .getRoute("healthReady")
        .addHandler(
            ctx ->
                report()
                    .onSuccess(
                        report ->
                            ctx.response()
                                .setStatusCode(report.status())
                                .putHeader(
                                    HttpHeaders.CONTENT_TYPE, "application/json;charset=UTF-8")
                                .end(report.body()))
                    .onFailure(ctx::fail));
  }

  /** The report being made, or the last one while it is younger than {@link #READY_MAX_AGE_MS}; else a new one. */
  private Future<Report> report() {
    long now = System.nanoTime();
    if (latest == null
        || latest.isComplete()
            && now - latestAt >= TimeUnit.MILLISECONDS.toNanos(READY_MAX_AGE_MS)) {
      latestAt = now;
      // As the health-check module's own handler answers: 200 when every check is up, else 503.
      latest =
          ready
              .checkStatus()
              .map(
                  result ->
                      new Report(CheckResult.isUp(result) ? 200 : 503, result.toJson().encode()));
    }
    return latest;
  }

  private void askRole(Role role, Promise<Status> promise) {
    vertx
        .eventBus()
        .<JsonObject>request(
            Addresses.health(role),
            new JsonObject(),
            new DeliveryOptions().setSendTimeout(CHECK_TIMEOUT_MS))
        .onSuccess(reply -> promise.complete(Status.OK(reply.body())))
        .onFailure(
            e -> promise.complete(Status.KO(new JsonObject().put("reason", reason(role, e)))));
  }

  /** Not clustered: UP. Clustered: UP with the members this node sees, DOWN if it is not among them. */
  private static Status membership(NodeStatus status) {
    String member = status.member();
    if (member == null) {
      return Status.OK(new JsonObject().put("clustered", false));
    }
    List<String> members = status.members();
    JsonObject data =
        new JsonObject()
            .put("clustered", true)
            .put("member", member)
            .put("members", new JsonArray(members));
    return members.contains(member)
        ? Status.OK(data)
        : Status.KO(data.put("reason", "this node is not in its cluster's member list"));
  }

  private static String reason(Role role, Throwable e) {
    if (role == Role.CHAT
        && e instanceof ReplyException reply
        && reply.failureType() == ReplyFailure.NO_HANDLERS) {
      return "no chat sequencer answers: one is being elected (within chat.sequencerLeaseMs of the last one's end),"
          + " or no node runs the chat role";
    }
    if (e instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
      return "no " + role.id() + " verticle is running";
    }
    if (e instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT) {
      return role.id() + " did not answer within " + CHECK_TIMEOUT_MS + " ms";
    }
    return e.getMessage();
  }
}
