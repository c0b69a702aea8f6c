package io.loopline.ops;

import io.loopline.contract.Addresses;
import io.loopline.platform.bus.BusClient;
import io.loopline.platform.web.Resources;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * What the console reads besides the resources: the cluster's nodes ({@code /cluster}), each node's meter
 * history ({@code /cluster/series}) and chat rooms' activity ({@code /chat/rooms}). Read routes, under the
 * same keys and budgets as any other read.
 */
public final class OperatorRoutes {

  /** Rooms whose members are asked for at most, the most recently active first. */
  private static final int ROOMS_WITH_MEMBERS = 50;

  private final BusClient bus;
  private final BusClient quick;
  private final Resources resources;

  public OperatorRoutes(BusClient bus, Resources resources) {
    this.bus = bus;
    this.quick = bus.withTimeout(2_000);
    this.resources = resources;
  }

  public void mount(RouterBuilder builder) {
    builder
        .getRoute("getCluster")
        .addHandler(ctx -> resources.query(ctx, Addresses.CLUSTER_NODES, new JsonObject()));
    builder
        .getRoute("getClusterSeries")
        .addHandler(
            ctx ->
                resources.query(
                    ctx,
                    Addresses.CLUSTER_SERIES,
                    new JsonObject().put("node", Resources.query(ctx, "node"))));
    builder.getRoute("listChatRooms").addHandler(this::rooms);
  }

  /** Rooms active in the window, with who is connected to each now (null where the sequencer did not answer). */
  private void rooms(RoutingContext ctx) {
    bus.request(Addresses.CHAT_ROOMS, new JsonObject())
        .compose(
            answer -> {
              JsonArray rooms = answer.getJsonArray("rooms");
              List<Future<JsonObject>> members = new ArrayList<>();
              for (int i = 0; i < rooms.size(); i++) {
                JsonObject room = rooms.getJsonObject(i);
                members.add(
                    i >= ROOMS_WITH_MEMBERS
                        ? Future.succeededFuture(room)
                        : quick
                            .request(
                                Addresses.CHAT_MEMBERS,
                                new JsonObject().put("room", room.getString("room")))
                            .map(m -> room.put("members", m.getJsonArray("members")))
                            .otherwise(room.putNull("members")));
              }
              return Future.join(members).map(answer);
            })
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }
}
