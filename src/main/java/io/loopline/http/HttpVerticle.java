package io.loopline.http;

import io.loopline.cache.NearCache;
import io.loopline.config.CacheSettings;
import io.loopline.config.ChatSettings;
import io.loopline.config.HttpSettings;
import io.loopline.observe.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP face of a node, one instance per event loop: routes and validation are built from the OpenAPI
 * contract, every error leaves as problem+json, and the work itself is asked of other verticles over the
 * event bus; item reads are answered from the node's near cache when it holds them. Receives the
 * {@code http} and {@code cache} sections.
 */
public final class HttpVerticle extends VerticleBase {

  private HttpSettings settings;
  private HttpServer server;
  private ChatRoutes chat;

  @Override
  public Future<?> start() {
    settings = HttpSettings.from(config());
    return Contract.load(vertx).compose(contract -> {
      server = vertx.createHttpServer(new HttpServerOptions()
          .setHost(settings.host())
          .setPort(settings.port())
          .setCompressionSupported(settings.compression())
          .setAcceptBacklog(settings.acceptBacklog()));
      Router router = router(contract);
      return chat.ready().compose(v -> server.requestHandler(router).listen());
    });
  }

  private Router router(Contract contract) {
    Problems problems = new Problems(contract.openApi(), settings.retryAfterSeconds());
    RouterBuilder builder = RouterBuilder.create(vertx, contract.openApi(), new RequestReader());
    builder.rootHandler(new RequestLog(config().getJsonObject("log").getBoolean("access"), contract.openApi()));
    builder.rootHandler(BodyHandler.create(false).setBodyLimit(settings.maxBodySize()));
    BusClient bus = new BusClient(vertx.eventBus(), settings.busTimeoutMs());
    Resources resources = new Resources(bus);
    CacheSettings cache = CacheSettings.from(config());
    ItemReads itemReads = new ItemReads(vertx, NearCache.of(vertx, cache), bus, cache.lookupTimeoutMs(),
        Metrics.registry(config()));
    new UserRoutes(resources).mount(builder);
    new ItemRoutes(resources, itemReads).mount(builder);
    new JobRoutes(bus, resources).mount(builder);
    new CacheRoutes(bus).mount(builder);
    new DemoRoutes(vertx).mount(builder);
    new HealthRoutes(vertx).mount(builder);
    chat = new ChatRoutes(vertx, bus, ChatSettings.from(config()), settings.busTimeoutMs());
    chat.mount(builder);

    Router router = builder.createRouter();
    router.route("/openapi.yaml").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml").end(contract.text()));
    router.routeWithRegex("^/docs$").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> ctx.redirect("/docs/"));
    // Loopline's own initializer first (it points the UI at /openapi.yaml); the webjar serves the rest.
    router.route("/docs/*").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(StaticHandler.create("web/docs"));
    router.route("/docs/*").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(StaticHandler.create("META-INF/resources/webjars/swagger-ui/" + buildInfo("swaggerUi")));
    chat.mountPage(router);
    String metricsRegistry = config().getString(Metrics.CONFIG_KEY);
    if (metricsRegistry != null) {
      router.route("/metrics").method(HttpMethod.GET).handler(PrometheusScrapingHandler.create(metricsRegistry));
    }
    router.route().failureHandler(problems::handleFailure);
    router.errorHandler(404, problems::notFound);
    router.errorHandler(405, problems::methodNotAllowed);
    router.errorHandler(500, problems::handleFailure);
    return router;
  }

  /** Closes the chat sockets, then stops accepting connections and lets in-flight requests finish, up to the configured timeout. */
  @Override
  public Future<?> stop() {
    Future<Void> sockets = chat == null ? Future.succeededFuture() : chat.close();
    return sockets.eventually(() -> server == null
        ? Future.succeededFuture()
        : server.shutdown(settings.shutdownTimeoutSeconds(), TimeUnit.SECONDS));
  }

  private static String buildInfo(String key) {
    try (InputStream in = HttpVerticle.class.getClassLoader().getResourceAsStream("loopline-build.properties")) {
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty(key);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
