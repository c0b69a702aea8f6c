package io.loopline.users;

import io.loopline.contract.Addresses;
import io.loopline.platform.web.Resources;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;

/** {@code /users}: HTTP in front of the persistence verticle's user addresses. */
public final class UserRoutes {

  private final Resources resources;

  public UserRoutes(Resources resources) {
    this.resources = resources;
  }

  public void mount(RouterBuilder builder) {
    builder
        .getRoute("createUser")
        .addHandler(ctx -> resources.create(ctx, Addresses.USERS_CREATE, "/users"));
    builder.getRoute("listUsers").addHandler(this::list);
    builder.getRoute("getUser").addHandler(ctx -> resources.read(ctx, Addresses.USERS_GET));
    builder
        .getRoute("updateUser")
        .addHandler(
            ctx ->
                resources.write(
                    ctx,
                    Addresses.USERS_UPDATE,
                    new JsonObject().put("changes", Resources.body(ctx))));
    builder.getRoute("deleteUser").addHandler(ctx -> resources.delete(ctx, Addresses.USERS_DELETE));
  }

  private void list(RoutingContext ctx) {
    resources.query(
        ctx,
        Addresses.USERS_LIST,
        new JsonObject()
            .put("limit", Resources.query(ctx, "limit"))
            .put("cursor", Resources.query(ctx, "cursor")));
  }
}
