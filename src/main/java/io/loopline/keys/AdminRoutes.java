package io.loopline.keys;

import io.loopline.contract.Addresses;
import io.loopline.platform.access.Access;
import io.loopline.platform.bus.BusClient;
import io.loopline.platform.web.Resources;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.openapi.router.RouterBuilder;

/** {@code /admin/api-keys}: make, list and revoke API keys; {@code /admin/cache/restored}. {@link Access} lets only admin keys this far. */
public final class AdminRoutes {

  private final BusClient bus;
  private final Resources resources;

  public AdminRoutes(BusClient bus, Resources resources) {
    this.bus = bus;
    this.resources = resources;
  }

  public void mount(RouterBuilder builder) {
    builder
        .getRoute("createApiKey")
        .addHandler(
            ctx ->
                bus.request(Addresses.API_KEYS_CREATE, Resources.body(ctx))
                    .onSuccess(
                        created ->
                            ctx.response()
                                .setStatusCode(201)
                                .putHeader(
                                    HttpHeaders.LOCATION,
                                    "/admin/api-keys/" + created.getLong("id"))
                                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                                .end(created.encode()))
                    .onFailure(ctx::fail));
    builder
        .getRoute("listApiKeys")
        .addHandler(
            ctx ->
                resources.query(
                    ctx,
                    Addresses.API_KEYS_LIST,
                    new JsonObject()
                        .put("limit", Resources.query(ctx, "limit"))
                        .put("cursor", Resources.query(ctx, "cursor"))));
    builder
        .getRoute("revokeApiKey")
        .addHandler(
            ctx ->
                bus.request(
                        Addresses.API_KEYS_REVOKE, new JsonObject().put("id", Resources.id(ctx)))
                    .onSuccess(revoked -> ctx.response().setStatusCode(204).end())
                    .onFailure(ctx::fail));
    builder
        .getRoute("cacheRestored")
        .addHandler(ctx -> resources.query(ctx, Addresses.CACHE_RESTORED, new JsonObject()));
  }
}
