package io.loopline.roles;

import io.loopline.chat.ChatRoutes;
import io.loopline.items.ItemReads;
import io.loopline.items.ItemRoutes;
import io.loopline.items.NearCache;
import io.loopline.jobs.JobRoutes;
import io.loopline.jobs.ScheduleRoutes;
import io.loopline.keys.AdminRoutes;
import io.loopline.kv.CacheRoutes;
import io.loopline.ops.DemoRoutes;
import io.loopline.ops.HealthRoutes;
import io.loopline.ops.OperatorRoutes;
import io.loopline.platform.access.Access;
import io.loopline.platform.access.ApiKeys;
import io.loopline.platform.access.ClientAddress;
import io.loopline.platform.access.RateLimits;
import io.loopline.platform.bus.BusClient;
import io.loopline.platform.config.AccessSettings;
import io.loopline.platform.config.CacheSettings;
import io.loopline.platform.config.ChatSettings;
import io.loopline.platform.config.HttpSettings;
import io.loopline.platform.config.IngestSettings;
import io.loopline.platform.config.LogSettings;
import io.loopline.platform.config.RedisSettings;
import io.loopline.platform.config.ScrapeSettings;
import io.loopline.platform.observe.Metrics;
import io.loopline.platform.web.Contract;
import io.loopline.platform.web.ContractValidation;
import io.loopline.platform.web.DotSegmentNames;
import io.loopline.platform.web.HttpVersions;
import io.loopline.platform.web.Problem;
import io.loopline.platform.web.Problems;
import io.loopline.platform.web.RequestBodies;
import io.loopline.platform.web.RequestLog;
import io.loopline.platform.web.RequestReader;
import io.loopline.platform.web.Resources;
import io.loopline.platform.web.SecurityHeaders;
import io.loopline.platform.web.SlowClients;
import io.loopline.scrape.ScrapeRoutes;
import io.loopline.streams.IngestMetrics;
import io.loopline.streams.StreamRoutes;
import io.loopline.users.UserRoutes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP face of a node, one instance per event loop: routes and validation are built from the OpenAPI
 * contract, every error leaves as problem+json, and the work itself is asked of other verticles over the
 * event bus; item reads are answered from the node's near cache when it holds them. Receives the
 * {@code http} and {@code cache} sections.
 */
public final class HttpVerticle extends VerticleBase {

  /** The configuration sections an HTTP verticle receives. */
  public static final String[] SECTIONS = {
    "http", "log", "cache", "scrape", "chat", "auth", "rateLimit", "redis", "ingest"
  };

  /**
   * The console's policy: its own scripts, styles and images only (no inline script or style attribute),
   * fetches to this origin only, no frames, forms or plugins.
   */
  static final String CONSOLE_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          + "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private HttpSettings settings;
  private HttpServer server;
  private RateLimits limits;
  private ApiKeys keys;
  private ChatRoutes chat;
  private SlowClients slowClients;

  @Override
  public Future<?> start() {
    settings = HttpSettings.from(config());
    AccessSettings access = AccessSettings.from(config());
    BusClient bus = new BusClient(vertx.eventBus(), settings.busTimeoutMs(), vertx.isClustered());
    limits =
        new RateLimits(vertx, access, RedisSettings.from(config()), Metrics.registry(config()));
    keys = new ApiKeys(bus, access.keyCacheMs());
    slowClients = new SlowClients(vertx, settings.headerTimeoutMs(), settings.bodyTimeoutMs());
    return keys.listen(vertx.eventBus())
        .compose(v -> Contract.load(vertx))
        .compose(
            contract -> {
              server =
                  vertx.createHttpServer(
                      new HttpServerOptions()
                          .setHost(settings.host())
                          // Port 0: one port chosen by the OS, shared by every instance (Vert.x
                          // shares a negative port).
                          .setPort(settings.port() == 0 ? -1 : settings.port())
                          .setCompressionSupported(settings.compression())
                          .setAcceptBacklog(settings.acceptBacklog())
                          // Without cleartext HTTP/2 detection a connection is announced as it
                          // opens, so SlowClients can
                          // time its first request; HTTP/2 belongs behind TLS (ALPN) at the load
                          // balancer.
                          .setHttp2ClearTextEnabled(false)
                          .setMaxInitialLineLength(settings.maxUriLength())
                          .setMaxHeaderSize(settings.maxHeaderBytes())
                          .setIdleTimeout(settings.idleTimeoutSeconds())
                          .setIdleTimeoutUnit(TimeUnit.SECONDS)
                          .setMaxWebSocketFrameSize(settings.maxWebSocketFrameBytes())
                          .setMaxWebSocketMessageSize(settings.maxWebSocketMessageBytes()));
              Router router = router(contract, bus, access);
              return chat.ready()
                  .compose(
                      ready ->
                          server
                              .connectionHandler(
                                  connection -> {
                                    HttpVersions.watch(connection);
                                    slowClients.connected(connection);
                                  })
                              .invalidRequestHandler(Problems::invalidRequest)
                              .requestHandler(
                                  slowClients.around(
                                      request -> {
                                        // Vert.x Web throws on an HTTP/1.x request without Host; it
                                        // is the client's mistake: 400.
                                        if (request.version() != HttpVersion.HTTP_2
                                            && request.headers().get(HttpHeaders.HOST) == null) {
                                          Problems.reject(
                                              request,
                                              Problem.of(
                                                  400, "An HTTP/1.x request needs a Host header"));
                                        } else {
                                          router.handle(request);
                                        }
                                      }))
                              .listen());
            });
  }

  private Router router(Contract contract, BusClient bus, AccessSettings access) {
    Problems problems = new Problems(contract.openApi(), settings.retryAfterSeconds());
    RequestReader reader = new RequestReader();
    RouterBuilder builder = RouterBuilder.create(vertx, contract.openApi(), reader);
    ContractValidation.mount(vertx, contract.openApi(), builder, reader);
    RequestLog requestLog = new RequestLog(LogSettings.from(config()).access(), contract.openApi());
    builder.rootHandler(requestLog);
    builder.rootHandler(new SecurityHeaders());
    builder.rootHandler(new DotSegmentNames());
    if (!settings.corsAllowedOrigins().isEmpty()) {
      builder.rootHandler(cors(settings.corsAllowedOrigins()));
    }
    builder.rootHandler(
        new RequestBodies(
            vertx,
            BodyHandler.create(false).setBodyLimit(settings.maxBodySize()),
            contract.streamed()));
    Access accessControl =
        new Access(
            access,
            keys,
            limits,
            new ClientAddress(access.trustedProxies()),
            Metrics.registry(config()));
    builder.rootHandler(accessControl);
    Resources resources = new Resources(bus);
    CacheSettings cache = CacheSettings.from(config());
    ItemReads itemReads =
        new ItemReads(
            vertx,
            NearCache.of(vertx, cache),
            bus,
            cache.lookupTimeoutMs(),
            !RedisSettings.from(config()).inProcess(),
            Metrics.registry(config()));
    new UserRoutes(resources).mount(builder);
    new ItemRoutes(resources, itemReads).mount(builder);
    new JobRoutes(bus, resources).mount(builder);
    new ScheduleRoutes(bus, resources).mount(builder);
    new CacheRoutes(bus).mount(builder);
    new ScrapeRoutes(
            vertx, bus, resources, ScrapeSettings.from(config()), Metrics.registry(config()))
        .mount(builder);
    new StreamRoutes(
            vertx,
            bus,
            problems,
            slowClients,
            IngestSettings.from(config()),
            new IngestMetrics(Metrics.registry(config())))
        .mount(builder);
    new DemoRoutes(vertx).mount(builder);
    new HealthRoutes(vertx).mount(builder);
    new AdminRoutes(bus, resources).mount(builder);
    new OperatorRoutes(bus, resources).mount(builder);
    chat =
        new ChatRoutes(
            vertx,
            bus,
            ChatSettings.from(config()),
            settings.busTimeoutMs(),
            Metrics.registry(config()));
    chat.mount(builder);

    List<String> unmounted = Contract.unmounted(builder);
    if (!unmounted.isEmpty()) {
      throw new IllegalStateException("operations of the contract without a handler: " + unmounted);
    }
    Router router = builder.createRouter();
    router
        .route("/openapi.yaml")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(
            ctx ->
                ctx.response().putHeader("Content-Type", "application/yaml").end(contract.text()));
    router
        .routeWithRegex("^/docs$")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(ctx -> ctx.redirect("/docs/"));
    // Loopline's own initializer first (it points the UI at /openapi.yaml); the webjar serves the
    // rest.
    router
        .route("/docs/*")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(StaticHandler.create("web/docs"));
    router
        .route("/docs/*")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(
            StaticHandler.create(
                "META-INF/resources/webjars/swagger-ui/" + buildInfo("swaggerUi")));
    chat.mountPage(router, List.of(requestLog, accessControl));
    router
        .routeWithRegex("^/console$")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(ctx -> ctx.redirect("/console/"));
    router
        .route("/console/*")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(
            ctx -> {
              ctx.response().putHeader("Content-Security-Policy", CONSOLE_POLICY);
              ctx.next();
            })
        // Plain ES modules, no hashed names: revalidated on each load so a new release is picked up
        // at once.
        .handler(StaticHandler.create("web/console").setCachingEnabled(false));
    String metricsRegistry = config().getString(Metrics.CONFIG_KEY);
    if (metricsRegistry != null) {
      router
          .route("/metrics")
          .method(HttpMethod.GET)
          .handler(PrometheusScrapingHandler.create(metricsRegistry));
    }
    router.route().failureHandler(problems::handleFailure);
    router.errorHandler(
        400, problems::badRequest); // e.g. a path with a broken %-escape, refused by the router
    router.errorHandler(404, problems::notFound);
    router.errorHandler(405, problems::methodNotAllowed);
    router.errorHandler(500, problems::handleFailure);
    return router;
  }

  /** The port this verticle listens on: the configured one, or the one the OS chose for port 0. */
  public int actualPort() {
    return server.actualPort();
  }

  /** Closes the chat sockets, then stops accepting connections and lets in-flight requests finish, up to the configured timeout. */
  @Override
  public Future<?> stop() {
    Future<Void> sockets = chat == null ? Future.succeededFuture() : chat.close();
    Future<Void> drained =
        sockets.eventually(
            () ->
                server == null
                    ? Future.succeededFuture()
                    : server.shutdown(settings.shutdownTimeoutSeconds(), TimeUnit.SECONDS));
    return drained
        .eventually(() -> keys == null ? Future.succeededFuture() : keys.close())
        .andThen(
            v -> {
              if (limits != null) {
                limits.close();
              }
              if (slowClients != null) {
                slowClients.close();
              }
            });
  }

  /** CORS for the configured origins only; the headers a browser client needs to see are exposed. */
  private static CorsHandler cors(List<String> origins) {
    return CorsHandler.create()
        .addOrigins(origins)
        .allowedMethods(
            Set.of(
                HttpMethod.GET,
                HttpMethod.HEAD,
                HttpMethod.POST,
                HttpMethod.PUT,
                HttpMethod.PATCH,
                HttpMethod.DELETE))
        .allowedHeaders(
            Set.of(
                "Authorization",
                "X-API-Key",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "Idempotency-Key",
                "X-Request-Id"))
        .exposedHeaders(
            Set.of(
                "ETag", "Location", "Retry-After", "RateLimit", "RateLimit-Policy", "X-Request-Id"))
        .maxAgeSeconds(600);
  }

  private static String buildInfo(String key) {
    try (InputStream in =
        HttpVerticle.class.getClassLoader().getResourceAsStream("loopline-build.properties")) {
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty(key);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
