package io.loopline;

import io.loopline.chat.ChatVerticle;
import io.loopline.contract.RecordBatchCodec;
import io.loopline.contract.Role;
import io.loopline.jobs.JobRunnerVerticle;
import io.loopline.jobs.WorkerVerticle;
import io.loopline.platform.cluster.BridgeVerticle;
import io.loopline.platform.cluster.Clustering;
import io.loopline.platform.config.Cidr;
import io.loopline.platform.config.ClusterSettings;
import io.loopline.platform.config.ConfigException;
import io.loopline.platform.config.DbSettings;
import io.loopline.platform.config.LooplineConfig;
import io.loopline.platform.db.EmbeddedDatabase;
import io.loopline.platform.db.Migrations;
import io.loopline.platform.observe.LogSetup;
import io.loopline.platform.observe.Metrics;
import io.loopline.platform.observe.NodeStatus;
import io.loopline.platform.observe.NodeVerticle;
import io.loopline.platform.observe.RequestIds;
import io.loopline.platform.observe.Tracing;
import io.loopline.roles.CacheVerticle;
import io.loopline.roles.HttpVerticle;
import io.loopline.roles.PersistenceVerticle;
import io.loopline.scrape.ParseVerticle;
import io.loopline.scrape.ScraperVerticle;
import io.loopline.streams.MqttVerticle;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The launcher: configuration, then Vert.x, then the database and its migrations, then the verticles of
 * this node's roles. {@link #start(LooplineConfig)} is also how tests boot a node.
 */
public final class Loopline {

  private static final Logger log = LoggerFactory.getLogger(Loopline.class);

  private final Vertx vertx;
  private final LooplineConfig config;
  private final EmbeddedDatabase embedded;
  private final String metricsRegistry;

  /** The tracing SDK this node built and so must flush and close; null when given one or none. */
  private final OpenTelemetry ownTracing;

  private final List<String> deployments = new ArrayList<>();

  /** The HTTP verticles deployed, for the port they listen on. */
  private final List<HttpVerticle> httpVerticles = new CopyOnWriteArrayList<>();

  /** Completes once every role runs: at start, or once a database that did not answer at start does. */
  private final Promise<Void> ready = Promise.promise();

  private final List<MqttVerticle> mqttVerticles = new CopyOnWriteArrayList<>();

  private Loopline(
      Vertx vertx,
      LooplineConfig config,
      EmbeddedDatabase embedded,
      String metricsRegistry,
      OpenTelemetry ownTracing) {
    this.vertx = vertx;
    this.config = config;
    this.embedded = embedded;
    this.metricsRegistry = metricsRegistry;
    this.ownTracing = ownTracing;
  }

  public static void main(String[] args) {
    System.setProperty(
        "vertx.logger-delegate-factory-class-name",
        "io.vertx.core.logging.SLF4JLogDelegateFactory");
    LooplineConfig config;
    try {
      config = LooplineConfig.load(List.of(args), System.getenv(), Path.of(""));
      checkSettings(config);
      LogSetup.apply(config.log());
    } catch (ConfigException e) {
      System.err.println("loopline: " + e.getMessage());
      System.exit(2);
      return;
    }
    Loopline node;
    try {
      node = launch(config, null).toCompletionStage().toCompletableFuture().join();
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof UnusableDatabase) {
        System.exit(2); // said by the start's own log line
      }
      log.error("Loopline did not start", cause);
      System.exit(1);
      return;
    }
    stopOnSignal(node, "TERM");
    stopOnSignal(node, "INT");
    node.ready()
        .onFailure(
            e -> {
              log.error("Loopline stops: {}", e.getMessage());
              node.stop().onComplete(stopped -> System.exit(2));
            });
  }

  /**
   * The database cannot be used, and waiting will not change that: bad credentials, a database that does
   * not exist, a migration that fails. The start stops with exit code 2.
   */
  public static final class UnusableDatabase extends RuntimeException {
    UnusableDatabase(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Boots a node with this configuration; the future completes when every verticle is ready. */
  public static Future<Loopline> start(LooplineConfig config) {
    return start(config, null);
  }

  /**
   * Boots a node that traces with {@code tracing} (tests pass an in-memory SDK); null builds the SDK from
   * the {@code tracing} section, which may leave tracing off. Completes when every verticle is ready.
   */
  public static Future<Loopline> start(LooplineConfig config, OpenTelemetry tracing) {
    return launch(config, tracing)
        .compose(
            node ->
                node.ready()
                    .map(node)
                    .recover(e -> node.stop().transform(stopped -> Future.failedFuture(e))));
  }

  /**
   * Boots a node; completes once it serves. That is when every verticle is ready, unless its database did
   * not answer: then it serves without it (readiness says so) and {@link #ready()} completes once the
   * database answers, or fails if it cannot be used.
   */
  public static Future<Loopline> launch(LooplineConfig config, OpenTelemetry tracing) {
    try {
      checkSettings(config);
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    Set<Role> roles = config.roles();
    DbSettings db = config.db();
    log.info(
        "Loopline starting: roles {}, cluster {}", roles, config.clusterEnabled() ? "on" : "off");
    if (roles.contains(Role.PERSISTENCE)) {
      log.info(
          db.embedded()
              ? "Database: embedded PostgreSQL in "
                  + config.dataDir().resolve("postgres")
                  + " (no db.url configured)"
              : "Database: PostgreSQL at " + describe(db.url()));
    }
    if (roles.contains(Role.CACHE)) {
      log.info(
          config.redis().inProcess()
              ? "Cache: in-process (Caffeine; no redis.url configured)"
              : "Cache: Redis at " + describe(config.redis().url()));
    }
    RequestIds.register();
    VertxOptions options = new VertxOptions();
    if (config.eventLoops() > 0) {
      options.setEventLoopPoolSize(config.eventLoops());
    }
    VertxBuilder builder = Vertx.builder();
    Metrics metrics = config.metrics().enabled() ? new Metrics() : null;
    if (metrics != null) {
      options.setMetricsOptions(metrics.options());
      builder.withMetrics(metrics.factory());
    }
    OpenTelemetry otel = tracing != null ? tracing : Tracing.fromSettings(config.tracing());
    if (otel != null) {
      builder.withTracer(new OpenTelemetryTracingFactory(otel));
    }
    Future<Vertx> built;
    HazelcastClusterManager manager = null;
    if (config.clusterEnabled()) {
      ClusterSettings cluster = config.cluster();
      Clustering.eventBus(options, cluster);
      try {
        manager = Clustering.clusterManager(cluster);
      } catch (ConfigException e) {
        return Future.failedFuture(e);
      }
      log.info(
          "Cluster: joining '{}' by {} (Hazelcast on {}:{}), event bus {}",
          cluster.name(),
          joinDescription(cluster),
          cluster.host(),
          cluster.hazelcastPort() == 0 ? "any free port" : cluster.hazelcastPort() + "+",
          cluster.tls().enabled() ? "over mutual TLS" : "in clear text");
      if (!cluster.tls().enabled() && !Clustering.loopbackOnly(cluster)) {
        log.warn(
            "Cluster: the event bus is reachable beyond loopback without TLS: any process that joins the"
                + " Hazelcast cluster can send and receive bus messages. Set cluster.tls (see docs/security.md).");
      }
      built = builder.with(options).withClusterManager(manager).buildClustered();
    } else {
      built = Future.succeededFuture(builder.with(options).build());
    }
    HazelcastClusterManager joined = manager;
    Promise<Loopline> started = Promise.promise();
    built
        .onFailure(
            e -> {
              log.error(
                  "Loopline did not start: the cluster could not be joined: {}", e.toString());
              started.fail(e);
            })
        .onSuccess(
            vertx -> {
              if (joined != null) {
                log.info("Cluster: joined as member {}", Clustering.member(joined));
                NodeStatus.of(vertx).clustered(joined.getNodeId(), joined::getNodes);
              }
              if (metrics != null) {
                metrics.registerNodeMeters();
              }
              RecordBatchCodec.register(vertx);
              boot(vertx, config, roles, db, metrics, tracing, otel, started);
            });
    return started.future();
  }

  private static String joinDescription(ClusterSettings cluster) {
    return switch (cluster.join()) {
      case TCP -> "TCP-IP to " + cluster.members();
      case MULTICAST -> "multicast";
      case KUBERNETES ->
          "Kubernetes discovery "
              + (cluster.kubernetes().serviceDns().isEmpty()
                  ? "through the API (service '"
                      + cluster.kubernetes().serviceName()
                      + "', namespace '"
                      + cluster.kubernetes().namespace()
                      + "')"
                  : "through DNS (" + cluster.kubernetes().serviceDns() + ")");
    };
  }

  /** The first wait before trying a database that did not answer at start again; it doubles up to db.startRetryMaxMs. */
  private static final long FIRST_DATABASE_RETRY_MS = 500;

  private static void boot(
      Vertx vertx,
      LooplineConfig config,
      Set<Role> roles,
      DbSettings db,
      Metrics metrics,
      OpenTelemetry tracing,
      OpenTelemetry otel,
      Promise<Loopline> started) {

    boolean ownsDatabase = roles.contains(Role.PERSISTENCE);
    Future<EmbeddedDatabase> database =
        ownsDatabase && db.embedded()
            ? vertx.executeBlocking(
                () -> EmbeddedDatabase.start(config.dataDir(), db.embeddedPort()))
            : Future.succeededFuture();
    // Completed from whichever thread finishes, not bound to a context that a failed start closes.
    database.onFailure(e -> vertx.close());
    database
        .compose(
            embedded -> {
              LooplineConfig effective =
                  embedded == null
                      ? config
                      : config.with(
                          new JsonObject().put("db", new JsonObject().put("url", embedded.url())));
              Loopline node =
                  new Loopline(
                      vertx,
                      effective,
                      embedded,
                      metrics == null ? null : metrics.name(),
                      tracing == null ? otel : null);
              Future<Void> serving =
                  ownsDatabase
                      ? node.migrate()
                          .transform(
                              migrated ->
                                  node.serve(roles, migrated.failed() ? migrated.cause() : null))
                      : node.deployRoles(roles).onSuccess(v -> node.markReady());
              return serving.onFailure(e -> node.stop()).map(node);
            })
        .onSuccess(started::complete)
        .onFailure(
            e -> {
              log.error(
                  "Loopline did not start: {}",
                  e instanceof UnusableDatabase ? e.getMessage() : e.toString());
              started.fail(e);
            });
  }

  /**
   * Every setting a node reads, checked before anything starts (before the cluster is joined): each typed
   * section is built, so that its own checks run, and the Hazelcast configuration when clustered. A bad
   * value is a {@link ConfigException} naming the setting; the launcher prints it on one line and exits 2.
   */
  public static void checkSettings(LooplineConfig config) {
    config.roles();
    config.http();
    config.db();
    config.redis();
    config.cache();
    config.chat();
    config.ingest();
    config.jobs();
    config.schedules();
    config.worker();
    config.mqtt();
    config.scrape();
    config.log();
    config.metrics();
    config.tracing();
    config.bridge();
    // The proxies are parsed where requests arrive; a bad one is refused here, at start.
    config.access().trustedProxies().forEach(Cidr::parse);
    config.admin();
    if (config.clusterEnabled()) {
      Clustering.config(config.cluster());
    }
  }

  private Future<Void> migrate() {
    return vertx
        .executeBlocking(() -> Migrations.migrate(config.db().url()))
        .onSuccess(
            result ->
                log.info(
                    result.migrationsExecuted == 0
                        ? "Database schema up to date at version " + result.initialSchemaVersion
                        : "Database schema migrated to version "
                            + result.targetSchemaVersion
                            + " ("
                            + result.migrationsExecuted
                            + " migrations)"))
        .mapEmpty();
  }

  /**
   * After the first migration attempt: every role when it passed; when the database did not answer, every
   * role but persistence, and the database tried again in the background; a database that cannot be used
   * stops the start.
   */
  private Future<Void> serve(Set<Role> roles, Throwable migrationFailure) {
    if (migrationFailure == null) {
      return deployRoles(roles).onSuccess(v -> markReady());
    }
    if (!Migrations.mayPassLater(migrationFailure)) {
      return Future.failedFuture(unusable(migrationFailure));
    }
    Set<Role> withoutDatabase = EnumSet.copyOf(roles);
    withoutDatabase.remove(Role.PERSISTENCE);
    waitingForDatabase(migrationFailure, FIRST_DATABASE_RETRY_MS);
    return deployRoles(withoutDatabase)
        .onSuccess(
            v -> {
              log.info(
                  "Loopline serving: HTTP on port {}; waiting for the database",
                  withoutDatabase.contains(Role.HTTP) ? httpPort() : "none");
              vertx.setTimer(FIRST_DATABASE_RETRY_MS, t -> retryDatabase(FIRST_DATABASE_RETRY_MS));
            });
  }

  private void retryDatabase(long waited) {
    migrate()
        .compose(
            v ->
                deploy(Role.PERSISTENCE)
                    .onSuccess(
                        deployed -> deployments.add(0, deployments.remove(deployments.size() - 1))))
        .onSuccess(
            v -> {
              log.info("Database at {} answered", describe(config.db().url()));
              NodeStatus.of(vertx).databaseReady();
              markReady();
            })
        .onFailure(
            e -> {
              if (!Migrations.mayPassLater(e)) {
                ready.tryFail(unusable(e));
                return;
              }
              long next = Math.min(waited * 2, config.db().startRetryMaxMs());
              waitingForDatabase(e, next);
              vertx.setTimer(next, t -> retryDatabase(next));
            });
  }

  private void waitingForDatabase(Throwable failure, long nextTryMs) {
    String why =
        "the database at "
            + describe(config.db().url())
            + " does not answer ("
            + rootMessage(failure)
            + "); next try in "
            + nextTryMs
            + " ms";
    log.warn("Serving without the database: {}", why);
    NodeStatus.of(vertx).waitingForDatabase(why);
  }

  private UnusableDatabase unusable(Throwable failure) {
    return new UnusableDatabase(
        "the database at "
            + describe(config.db().url())
            + " cannot be used: "
            + rootMessage(failure)
            + " (check db.url, its credentials and the migrations)",
        failure);
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return String.valueOf(root.getMessage())
        .lines()
        .findFirst()
        .orElse(root.getClass().getSimpleName());
  }

  private void markReady() {
    log.info("Loopline ready: HTTP on port {}", httpVerticles.isEmpty() ? "none" : httpPort());
    ready.tryComplete();
  }

  /** Completes once every role of this node runs; fails if its database turned out to be unusable. */
  public Future<Void> ready() {
    return ready.future();
  }

  /** The node's own card first, then backends, HTTP last, so that the first request finds every consumer registered. */
  private Future<Void> deployRoles(Set<Role> roles) {
    boolean mqttOn = config.mqtt().enabled();
    // The card names every role of the node, persistence too while it waits for its database (then
    // not ready).
    JsonArray running =
        new JsonArray(
            config.roles().stream().filter(r -> r != Role.MQTT || mqttOn).map(Role::id).toList());
    JsonObject nodeConfig = config.sections("metrics").put("roles", running);
    Future<Void> chain = deploy(NodeVerticle::new, new DeploymentOptions().setConfig(nodeConfig));
    for (Role role :
        List.of(
            Role.PERSISTENCE,
            Role.CACHE,
            Role.SCRAPER,
            Role.WORKER,
            Role.CHAT,
            Role.MQTT,
            Role.HTTP)) {
      boolean mqttOff = role == Role.MQTT && !mqttOn;
      if (roles.contains(role) && !mqttOff) {
        chain = chain.compose(v -> deploy(role));
      }
    }
    if (config.bridge().enabled()) {
      chain =
          chain.compose(
              v ->
                  deploy(
                      BridgeVerticle::new,
                      new DeploymentOptions().setConfig(config.sections("bridge"))));
    }
    return chain.onSuccess(
        v -> {
          if (!httpVerticles.isEmpty()) {
            // The port the OS gave (http.port 0), for the node's card in the cluster.
            vertx
                .sharedData()
                .getLocalMap(NodeVerticle.LOCAL_MAP)
                .put(NodeVerticle.HTTP_PORT, httpPort());
          }
        });
  }

  private Future<Void> deploy(Role role) {
    return switch (role) {
      case PERSISTENCE ->
          deploy(
              PersistenceVerticle::new,
              new DeploymentOptions().setConfig(config.sections(PersistenceVerticle.SECTIONS)));
      case CACHE ->
          deploy(
              CacheVerticle::new,
              new DeploymentOptions().setConfig(config.sections("redis", "cache")));
      // Parsers first: the scraper's runner may fetch and parse as soon as it starts.
      case SCRAPER ->
          deploy(
                  ParseVerticle::new,
                  new DeploymentOptions()
                      .setConfig(new JsonObject())
                      .setThreadingModel(ThreadingModel.WORKER)
                      .setWorkerPoolName("loopline-parse")
                      .setWorkerPoolSize(config.scrape().parserThreads())
                      .setInstances(config.scrape().parserThreads()))
              .compose(
                  v ->
                      deploy(
                          ScraperVerticle::new,
                          new DeploymentOptions().setConfig(config.sections("scrape"))));
      // The runner stops before the worker it hands blocking jobs to (undeployment runs in
      // reverse).
      case WORKER ->
          deploy(
                  WorkerVerticle::new,
                  new DeploymentOptions()
                      .setConfig(jobsConfig())
                      .setThreadingModel(ThreadingModel.WORKER)
                      .setWorkerPoolName("loopline-worker")
                      .setWorkerPoolSize(config.worker().poolSize()))
              .compose(
                  v ->
                      deploy(
                          JobRunnerVerticle::new, new DeploymentOptions().setConfig(jobsConfig())));
      case CHAT ->
          deploy(ChatVerticle::new, new DeploymentOptions().setConfig(config.sections("chat")));
      case MQTT ->
          deploy(
              () -> {
                MqttVerticle verticle = new MqttVerticle();
                mqttVerticles.add(verticle);
                return verticle;
              },
              new DeploymentOptions().setConfig(config.sections(MqttVerticle.SECTIONS)));
      case HTTP ->
          deploy(
              () -> {
                HttpVerticle verticle = new HttpVerticle();
                httpVerticles.add(verticle);
                return verticle;
              },
              new DeploymentOptions()
                  .setConfig(config.sections(HttpVerticle.SECTIONS))
                  .setInstances(config.http().instancesOrCores()));
    };
  }

  private JsonObject jobsConfig() {
    return config.sections("jobs").put("dataDir", config.dataDir().toString());
  }

  private Future<Void> deploy(Supplier<? extends Deployable> verticle, DeploymentOptions options) {
    if (metricsRegistry != null) {
      options.getConfig().put(Metrics.CONFIG_KEY, metricsRegistry);
    }
    return vertx.deployVerticle(verticle, options).onSuccess(deployments::add).mapEmpty();
  }

  /**
   * Stops the node: HTTP first (it stops accepting and drains in-flight requests up to its timeout), then
   * the backends in reverse order, then Vert.x, then the embedded database.
   */
  public Future<Void> stop() {
    Future<Void> chain = Future.succeededFuture();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      chain = chain.compose(v -> vertx.undeploy(id));
    }
    return chain
        .eventually(
            () ->
                embedded == null
                    ? Future.succeededFuture()
                    : vertx.executeBlocking(
                        () -> {
                          embedded.close();
                          return null;
                        }))
        .eventually(
            () ->
                ownTracing instanceof OpenTelemetrySdk sdk
                    ? vertx.executeBlocking(
                        () -> {
                          sdk.close(); // flushes the spans still queued
                          return null;
                        })
                    : Future.succeededFuture())
        .eventually(vertx::close);
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The port HTTP listens on (the one the OS chose when {@code http.port} is 0); -1 without the HTTP role. */
  public int httpPort() {
    return httpVerticles.isEmpty() ? -1 : httpVerticles.get(0).actualPort();
  }

  /** The port MQTT listens on (the one the OS chose when {@code mqtt.port} is 0); -1 when this node runs no MQTT server. */
  public int mqttPort() {
    return mqttVerticles.isEmpty() ? -1 : mqttVerticles.get(0).actualPort();
  }

  /** The configuration in effect, with the embedded database's URL filled in. */
  public LooplineConfig config() {
    return config;
  }

  /**
   * On SIGTERM or SIGINT: readiness fails at once, the node goes on serving for {@code http.drainDelayMs} so
   * that load balancers stop sending to it, then it stops (HTTP drains its in-flight requests first).
   */
  private static void stopOnSignal(Loopline node, String signal) {
    long delayMs = node.config.http().drainDelayMs();
    long limitMs = stopLimitMs(node.config);
    Signal.handle(
        new Signal(signal),
        received -> {
          log.info(
              "SIG{} received: readiness fails now; stopping in {} ms",
              received.getName(),
              delayMs);
          NodeStatus.of(node.vertx).stopping();
          int code = 0;
          try {
            Future.<Void>future(
                    waited -> node.vertx.setTimer(Math.max(1, delayMs), t -> waited.complete()))
                .compose(
                    v -> {
                      log.info("Draining and stopping");
                      return node.stop();
                    })
                .toCompletionStage()
                .toCompletableFuture()
                .get(limitMs, TimeUnit.MILLISECONDS);
            log.info("Loopline stopped");
          } catch (Exception | Error e) {
            log.error("Loopline did not stop cleanly", e);
            code = 1;
          }
          System.exit(code);
        });
  }

  /**
   * The longest a node takes from SIGTERM to its exit: the drain delay, HTTP's shutdown timeout, and 30 s for
   * the rest (jobs finishing, within {@code jobs.shutdownTimeoutMs}, pools, leaving the cluster); past it the
   * node exits 1. An orchestrator's grace period must be longer (the deployment kit's test checks it).
   */
  public static long stopLimitMs(LooplineConfig config) {
    return config.http().drainDelayMs()
        + TimeUnit.SECONDS.toMillis(config.http().shutdownTimeoutSeconds() + STOP_MARGIN_SECONDS);
  }

  private static final long STOP_MARGIN_SECONDS = 30;

  /** host:port/database of a URL, without credentials, for logs. */
  private static String describe(String url) {
    if (url.startsWith("redis")) {
      return url.replaceFirst("//[^@/]*@", "//");
    }
    PgConnectOptions options = PgConnectOptions.fromUri(url);
    return options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
  }
}
