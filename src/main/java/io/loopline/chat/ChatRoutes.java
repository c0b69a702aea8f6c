package io.loopline.chat;

import io.loopline.contract.Addresses;
import io.loopline.contract.ChatNames;
import io.loopline.platform.bus.BusClient;
import io.loopline.platform.config.ChatSettings;
import io.loopline.platform.web.Problem;
import io.loopline.platform.web.Resources;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import java.util.List;

/**
 * {@code /chat}: the rooms' WebSocket, messages over HTTP, history and members from the contract, and the
 * chat page at {@code /chat/}. Its sockets belong to this HTTP verticle ({@link ChatSockets}).
 */
public final class ChatRoutes {

  /** The page's own scripts and styles, and WebSockets to this origin; nothing inline, no frames. */
  static final String PAGE_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
          + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final BusClient bus;
  private final ChatSettings settings;
  private final ChatSockets sockets;

  public ChatRoutes(
      Vertx vertx,
      BusClient bus,
      ChatSettings settings,
      long busTimeoutMs,
      MeterRegistry registry) {
    this.bus = bus;
    this.settings = settings;
    this.sockets = new ChatSockets(vertx, settings, busTimeoutMs, registry);
  }

  /** The contract's chat operations. */
  public void mount(RouterBuilder builder) {
    // Upgrades are taken by the route of mountPage, before the body handler reads the request; a
    // plain GET
    // of the socket's path gets here, is validated, and is told it needs an upgrade.
    builder
        .getRoute("chatSocket")
        .addHandler(
            ctx ->
                ctx.fail(
                    Problem.of(
                            400,
                            "This is a WebSocket endpoint: send a WebSocket upgrade (Upgrade: websocket)")
                        .exception()));
    builder.getRoute("postChatMessage").addHandler(this::post);
    builder.getRoute("listChatMessages").addHandler(this::history);
    builder.getRoute("listChatMembers").addHandler(this::members);
  }

  /**
   * The socket upgrade, ahead of the router's other handlers (the body handler would consume the request),
   * and the page, both outside the contract's router. {@code checks} run before an upgrade: request id,
   * API key and rate limit, as for any other route.
   */
  public void mountPage(Router router, List<Handler<RoutingContext>> checks) {
    Route upgrade = router.get("/chat/rooms/:room/ws").order(Integer.MIN_VALUE);
    // Held until the upgrade: while the checks wait (a key lookup, a Redis budget), the request
    // must not be
    // read to its end, or toWebSocket() refuses it.
    upgrade.handler(
        (PlatformHandler)
            ctx -> {
              ctx.request().pause();
              ctx.next();
            });
    checks.forEach(upgrade::handler);
    upgrade.handler(this::upgrade);
    router
        .routeWithRegex("^/chat$")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(ctx -> ctx.redirect("/chat/"));
    router
        .route("/chat/*")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(
            ctx -> {
              ctx.response()
                  .putHeader("Content-Security-Policy", PAGE_POLICY)
                  .putHeader("X-Content-Type-Options", "nosniff")
                  .putHeader("Referrer-Policy", "no-referrer");
              ctx.next();
            })
        // No "immutable" day-long caching: the page changes with each release and has no hashed
        // file names.
        .handler(StaticHandler.create("web/chat").setCachingEnabled(false));
  }

  /** Completes when the sockets' event-bus address is registered. */
  public Future<Void> ready() {
    return sockets.ready();
  }

  public Future<Void> close() {
    return sockets.close();
  }

  /** Checks what the contract would (room, name) itself, so that nothing reads the request before the upgrade. */
  private void upgrade(RoutingContext ctx) {
    if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
      ctx.next();
      return;
    }
    String origin = ctx.request().getHeader("Origin");
    if (origin != null && !allowedOrigin(ctx, origin)) {
      ctx.fail(
          Problem.of(
                  403,
                  "WebSockets from pages of "
                      + origin
                      + " are not allowed here (chat.allowedOrigins)")
              .exception());
      return;
    }
    String room = ctx.pathParam("room");
    if (!ChatNames.validRoom(room)) {
      ctx.fail(
          invalid(
              "/path/room",
              "room",
              "must be 1 to 64 characters of A-Z a-z 0-9 . _ -, not . or .."));
      return;
    }
    String name = ctx.queryParams().get("name");
    if (!ChatNames.validSender(name)) {
      ctx.fail(
          invalid(
              "/query/name",
              "name",
              "must be 1 to 32 letters, digits, spaces and . _ -, not starting or ending with a space"));
      return;
    }
    Long since;
    try {
      since = since(ctx.queryParams().get("since"));
    } catch (NumberFormatException e) {
      ctx.fail(invalid("/query/since", "since", "must be a seq: an integer from 0"));
      return;
    }
    ctx.request()
        .toWebSocket()
        .onSuccess(ws -> sockets.accept(ws, room, name, since))
        .onFailure(
            e -> {
              if (!ctx.response().headWritten() && !ctx.response().ended()) {
                ctx.fail(Problem.of(400, "Not a WebSocket upgrade: " + e.getMessage()).exception());
              }
            });
  }

  /** The seq a socket comes back from, or null; not an integer from 0 throws. */
  private static Long since(String value) {
    if (value == null) {
      return null;
    }
    long since = Long.parseLong(value);
    if (since < 0) {
      throw new NumberFormatException(value);
    }
    return since;
  }

  /**
   * 201 once the message is stored and shown, with its seq. Anything but a refusal of the message itself
   * (no sequencer during a takeover, no answer from one that just died, history unavailable) is a 503 with
   * {@code Retry-After}: the message was not taken, and sending it again is safe.
   */
  private void post(RoutingContext ctx) {
    JsonObject body = Resources.body(ctx);
    bus.request(
            Addresses.CHAT_SEND,
            new JsonObject()
                .put("room", room(ctx))
                .put("sender", body.getString("sender"))
                .put("text", body.getValue("text")))
        .onSuccess(
            message ->
                ctx.response()
                    .setStatusCode(201)
                    .putHeader("Content-Type", "application/json")
                    .end(message.encode()))
        .onFailure(
            e ->
                ctx.fail(
                    e instanceof ReplyException reply
                            && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
                            && reply.failureCode() >= 400
                            && reply.failureCode() < 500
                        ? e
                        : Problem.of(
                                503,
                                "The message was not taken (not stored, not shown): chat is unavailable for a moment"
                                    + " (a sequencer takeover, or its history cannot be written); send it again")
                            .exception()));
  }

  private void history(RoutingContext ctx) {
    Object limit = Resources.query(ctx, "limit");
    int n = limit == null ? Math.min(50, settings.historyMaxLimit()) : ((Number) limit).intValue();
    if (n > settings.historyMaxLimit()) {
      ctx.fail(invalid("/query/limit", "limit", "must be at most " + settings.historyMaxLimit()));
      return;
    }
    JsonObject page = new JsonObject().put("room", room(ctx)).put("limit", n);
    Object before = Resources.query(ctx, "before");
    if (before != null) {
      page.put("before", ((Number) before).longValue());
    }
    bus.request(Addresses.CHAT_HISTORY_LIST, page).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private void members(RoutingContext ctx) {
    bus.request(Addresses.CHAT_MEMBERS, new JsonObject().put("room", room(ctx)))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  /**
   * A browser says which page opened the socket: this server's own pages may, and those of the configured
   * origins; any other site's page may not act for its visitor here (cross-site WebSocket hijacking).
   */
  private boolean allowedOrigin(RoutingContext ctx, String origin) {
    String host = ctx.request().getHeader("Host");
    if (host != null
        && (origin.equalsIgnoreCase("http://" + host)
            || origin.equalsIgnoreCase("https://" + host))) {
      return true;
    }
    return settings.allowedOrigins().contains("*")
        || settings.allowedOrigins().stream().anyMatch(origin::equalsIgnoreCase);
  }

  private static Problem.ProblemException invalid(String pointer, String field, String detail) {
    return Problem.validation(
            field + ": " + detail, new JsonArray().add(Problem.fieldError(pointer, detail)))
        .exception();
  }

  private static String room(RoutingContext ctx) {
    return Resources.validated(ctx).getPathParameters().get("room").getString();
  }
}
