package io.loopline.platform.web;

import io.loopline.platform.bus.BusClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;

/**
 * What every versioned resource (users, items) does the same way over HTTP: read with {@code ETag} and
 * {@code If-None-Match}, write with {@code If-Match}, answer 201 with {@code Location}. The resource's own
 * routes say which event-bus address does the work.
 */
public final class Resources {

  private final BusClient bus;

  public Resources(BusClient bus) {
    this.bus = bus;
  }

  public static ValidatedRequest validated(RoutingContext ctx) {
    return ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
  }

  /** The validated JSON body. */
  public static JsonObject body(RoutingContext ctx) {
    return validated(ctx).getBody().getJsonObject();
  }

  public static long id(RoutingContext ctx) {
    return validated(ctx).getPathParameters().get("id").getLong();
  }

  /** A query parameter as the contract typed it, or null when absent. */
  public static Object query(RoutingContext ctx, String name) {
    RequestParameter parameter = validated(ctx).getQuery().get(name);
    return parameter == null || parameter.isNull() ? null : parameter.get();
  }

  /** POST: 201, {@code Location} at {@code collection/id}, the new resource and its ETag. */
  public void create(RoutingContext ctx, String address, String collection) {
    bus.request(address, body(ctx))
        .onSuccess(
            created -> {
              ctx.response()
                  .putHeader(HttpHeaders.LOCATION, collection + "/" + created.getLong("id"));
              send(ctx, 201, created);
            })
        .onFailure(ctx::fail);
  }

  /** GET one: 304 when the client's {@code If-None-Match} names the current version. */
  public void read(RoutingContext ctx, String address) {
    bus.request(address, new JsonObject().put("id", id(ctx)))
        .onSuccess(resource -> sendRead(ctx, resource.getInteger("version"), resource.toBuffer()))
        .onFailure(ctx::fail);
  }

  /** The answer to a read of a resource at {@code version}, already encoded: 200, or 304 for a matching ETag. */
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  public static void sendRead(RoutingContext ctx, int version, Buffer json) {
    ctx.response().putHeader(HttpHeaders.ETAG, Preconditions.etag(version));
    if (Preconditions.noneMatchHits(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH), version)) {
      ctx.response().setStatusCode(304).end();
    } else {
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(json);
    }
  }

  /** PUT or PATCH: {@code message} gets the id and, from {@code If-Match}, the version it must still be at. */
  public void write(RoutingContext ctx, String address, JsonObject message) {
    conditional(ctx, message)
        .compose(m -> bus.request(address, m))
        .onSuccess(resource -> send(ctx, 200, resource))
        .onFailure(ctx::fail);
  }

  /** DELETE: 204. */
  public void delete(RoutingContext ctx, String address) {
    conditional(ctx, new JsonObject())
        .compose(m -> bus.request(address, m))
        .onSuccess(deleted -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }

  /** A listing or other plain JSON answer. */
  public void query(RoutingContext ctx, String address, JsonObject message) {
    bus.request(address, message).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private static Future<JsonObject> conditional(RoutingContext ctx, JsonObject message) {
    try {
      return Future.succeededFuture(
          message
              .put("id", id(ctx))
              .put(
                  "ifVersion",
                  Preconditions.ifMatchVersion(ctx.request().getHeader(HttpHeaders.IF_MATCH))));
    } catch (Problem.ProblemException e) {
      return Future.failedFuture(e);
    }
  }

  private static void send(RoutingContext ctx, int status, JsonObject resource) {
    ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.ETAG, Preconditions.etag(resource.getInteger("version")))
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(resource.encode());
  }
}
