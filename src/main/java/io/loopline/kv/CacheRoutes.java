package io.loopline.kv;

import io.loopline.contract.Addresses;
import io.loopline.platform.bus.BusClient;
import io.loopline.platform.web.Resources;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import java.util.Locale;

/**
 * {@code /cache/{key}}: the key-value API in front of the cache verticle. A value keeps the media type it
 * was stored with ({@code application/json} or {@code text/plain}); {@code POST} with {@code ?value=} is the
 * seeds' form of {@code PUT}.
 */
public final class CacheRoutes {

  private final BusClient bus;

  public CacheRoutes(BusClient bus) {
    this.bus = bus;
  }

  public void mount(RouterBuilder builder) {
    builder.getRoute("getCacheValue").addHandler(this::get);
    builder
        .getRoute("putCacheValue")
        .addHandler(ctx -> store(ctx, ctx.body().asString(), mediaType(ctx)));
    builder
        .getRoute("postCacheValue")
        .addHandler(ctx -> store(ctx, (String) Resources.query(ctx, "value"), "text/plain"));
    builder.getRoute("deleteCacheValue").addHandler(this::delete);
  }

  private void get(RoutingContext ctx) {
    bus.request(Addresses.CACHE_GET, new JsonObject().put("key", key(ctx)))
        .onSuccess(
            found ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, found.getString("contentType"))
                    .end(found.getString("value")))
        .onFailure(ctx::fail);
  }

  private void store(RoutingContext ctx, String value, String contentType) {
    JsonObject put =
        new JsonObject().put("key", key(ctx)).put("value", value).put("contentType", contentType);
    Object ttl = Resources.query(ctx, "ttl");
    if (ttl != null) {
      put.put("ttl", ttl);
    }
    bus.request(Addresses.CACHE_PUT, put).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    bus.request(Addresses.CACHE_DELETE, new JsonObject().put("key", key(ctx)))
        .onSuccess(deleted -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }

  private static String key(RoutingContext ctx) {
    return Resources.validated(ctx).getPathParameters().get("key").getString();
  }

  /** The request's media type without parameters; the contract admits only JSON and plain text. */
  private static String mediaType(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    return header == null ? "text/plain" : header.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
  }
}
