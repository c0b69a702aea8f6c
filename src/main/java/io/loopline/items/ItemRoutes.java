package io.loopline.items;

import io.loopline.contract.Addresses;
import io.loopline.platform.web.Problem;
import io.loopline.platform.web.Resources;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import java.math.BigDecimal;
import java.util.List;

/** {@code /items}: HTTP in front of the persistence verticle's item addresses; reads go through the cache. */
public final class ItemRoutes {

  private static final List<String> LIST_PARAMETERS =
      List.of("limit", "cursor", "namePrefix", "minPrice", "maxPrice", "tag", "sort");

  private final Resources resources;
  private final ItemReads reads;

  public ItemRoutes(Resources resources, ItemReads reads) {
    this.resources = resources;
    this.reads = reads;
  }

  public void mount(RouterBuilder builder) {
    builder
        .getRoute("createItem")
        .addHandler(ctx -> resources.create(ctx, Addresses.ITEMS_CREATE, "/items"));
    builder.getRoute("listItems").addHandler(this::list);
    builder.getRoute("getItem").addHandler(reads::read);
    builder
        .getRoute("replaceItem")
        .addHandler(
            ctx ->
                resources.write(
                    ctx,
                    Addresses.ITEMS_REPLACE,
                    new JsonObject().put("item", Resources.body(ctx))));
    builder
        .getRoute("updateItem")
        .addHandler(
            ctx ->
                resources.write(
                    ctx,
                    Addresses.ITEMS_UPDATE,
                    new JsonObject().put("changes", Resources.body(ctx))));
    builder.getRoute("deleteItem").addHandler(ctx -> resources.delete(ctx, Addresses.ITEMS_DELETE));
  }

  /** A page of items, or with {@code ids} the bulk read (which takes no other parameter). */
  private void list(RoutingContext ctx) {
    Object ids = Resources.query(ctx, "ids");
    JsonObject page = new JsonObject();
    for (String name : LIST_PARAMETERS) {
      Object value = Resources.query(ctx, name);
      if (value instanceof Number price && name.endsWith("Price")) {
        // Prices travel as decimal strings; the store checks the two places.
        value = new BigDecimal(price.toString()).toPlainString();
      }
      if (value != null) {
        page.put(name, value);
      }
    }
    if (ids == null) {
      resources.query(ctx, Addresses.ITEMS_LIST, page);
    } else if (page.isEmpty()) {
      resources.query(ctx, Addresses.ITEMS_GET_MANY, new JsonObject().put("ids", ids));
    } else {
      ctx.fail(
          Problem.validation(
                  "ids cannot be combined with other parameters",
                  new io.vertx.core.json.JsonArray()
                      .add(
                          Problem.fieldError(
                              "/query/ids", "remove " + page.fieldNames() + " or ids")))
              .exception());
    }
  }
}
