package io.loopline.support;

import io.loopline.Loopline;
import io.loopline.platform.cluster.Clustering;
import io.loopline.platform.config.LooplineConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A Loopline node booted in this JVM the way {@code main} boots it, on the tests' PostgreSQL and Redis
 * ({@link TestServers}: a fresh database and Redis namespace each), listening on a port the OS chose, with
 * a client pointed at it. Close it to stop the node and remove what it stored. Clustered nodes
 * ({@code cluster.enabled}) get a unique cluster name, a Hazelcast port from the OS and no member list
 * unless the test gives them; {@link #join} points a clustered node at its first node's member.
 */
public final class TestNode implements AutoCloseable {

  /** The admin API key every test node is configured with ({@code admin.key}). */
  public static final String ADMIN_KEY = "ll_test-admin-key-not-a-secret-0123456789";

  private final Loopline node;
  private final int port;
  private final String databaseUrl;
  private final String redisNamespace;
  private final boolean ownsStorage;
  private final Vertx clientVertx;
  private final WebClient client;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  private TestNode(Loopline node, String databaseUrl, String redisNamespace, boolean ownsStorage) {
    this.node = node;
    this.port = node.httpPort();
    this.databaseUrl = databaseUrl;
    this.redisNamespace = redisNamespace;
    this.ownsStorage = ownsStorage;
    this.clientVertx = Vertx.vertx();
    this.client =
        WebClient.create(
            clientVertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  /** A node with every role on real servers; {@code overrides} are merged over the test defaults. */
  public static TestNode start(JsonObject overrides) {
    return start(overrides, null);
  }

  /** As {@link #start(JsonObject)}, tracing with the given SDK (an in-memory exporter, say). */
  public static TestNode start(JsonObject overrides, OpenTelemetry tracing) {
    String db = TestServers.createDatabase();
    String namespace = TestServers.newNamespace();
    JsonObject config =
        new JsonObject()
            .put("db", new JsonObject().put("url", db))
            .put(
                "redis",
                new JsonObject().put("url", TestServers.REDIS).put("namespace", namespace));
    try {
      return boot(clustered(config.mergeIn(overrides, true), null), db, namespace, true, tracing);
    } catch (RuntimeException e) {
      try {
        TestServers.dropDatabase(db);
        TestServers.deleteNamespace(namespace);
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  public static TestNode start() {
    return start(new JsonObject());
  }

  /**
   * A second node, in its own Vert.x, on the same database and Redis namespace as {@code first}, as another
   * process of the same deployment would be (clustered with it when both have {@code cluster.enabled}).
   * Closing it leaves them to {@code first}.
   */
  public static TestNode join(TestNode first, JsonObject overrides) {
    JsonObject config =
        new JsonObject()
            .put("db", new JsonObject().put("url", first.databaseUrl()))
            .put(
                "redis",
                new JsonObject()
                    .put("url", TestServers.REDIS)
                    .put("namespace", first.redisNamespace()));
    return boot(
        clustered(config.mergeIn(overrides, true), first),
        first.databaseUrl(),
        first.redisNamespace(),
        false,
        null);
  }

  /** A node on the embedded default: no database or Redis configured, data under {@code dataDir}. */
  public static TestNode startEmbedded(Path dataDir) {
    return boot(new JsonObject().put("dataDir", dataDir.toString()), null, null, true, null);
  }

  /**
   * For a clustered node: a Hazelcast port from the OS and, unless the test set them, the members to join
   * ({@code first}'s member, or none for a first node: it looks nowhere else).
   */
  private static JsonObject clustered(JsonObject config, TestNode first) {
    JsonObject cluster = config.getJsonObject("cluster");
    if (cluster == null || !Boolean.TRUE.equals(cluster.getBoolean("enabled"))) {
      return config;
    }
    if (!cluster.containsKey("name")) {
      cluster.put(
          "name", first == null ? TestRun.uniqueName() : first.node().config().cluster().name());
    }
    if (!cluster.containsKey("hazelcastPort")) {
      cluster.put("hazelcastPort", 0);
    }
    if (!cluster.containsKey("members")) {
      cluster.put(
          "members",
          first == null ? new JsonArray() : new JsonArray().add(first.hazelcastMember()));
    }
    return config;
  }

  private static TestNode boot(
      JsonObject overrides,
      String db,
      String namespace,
      boolean ownsStorage,
      OpenTelemetry tracing) {
    JsonObject config =
        new JsonObject()
            .put("dataDir", tempDir().toString())
            .put(
                "http",
                new JsonObject()
                    .put("host", "127.0.0.1")
                    .put("port", 0)
                    .put("instances", 2)
                    .put("shutdownTimeoutSeconds", 10))
            .put("admin", new JsonObject().put("key", ADMIN_KEY))
            .put(
                "rateLimit",
                new JsonObject()
                    .put("anonymous", budgets(1_000_000))
                    .put("keyed", budgets(1_000_000)))
            .mergeIn(overrides, true);
    Loopline node = await(Loopline.start(LooplineConfig.defaults().with(config), tracing));
    return new TestNode(node, db, namespace, ownsStorage);
  }

  /**
   * Test nodes limit rates, with budgets large enough that only the tests of limits reach them; those
   * set their own.
   */
  private static JsonObject budgets(int limit) {
    JsonObject budget = new JsonObject().put("limit", limit).put("windowSeconds", 60);
    return new JsonObject()
        .put("read", budget)
        .put("write", budget.copy())
        .put("scrape", budget.copy())
        .put("admin", budget.copy());
  }

  public WebClient client() {
    return client;
  }

  public int port() {
    return port;
  }

  /** The node's own Vert.x, for registering peers on its event bus. */
  public Vertx vertx() {
    return node.vertx();
  }

  public Loopline node() {
    return node;
  }

  /** The {@code host:port} of this clustered node's Hazelcast member, for others to join. */
  public String hazelcastMember() {
    return Clustering.member(
        (HazelcastClusterManager) ((VertxInternal) node.vertx()).clusterManager());
  }

  /** The {@code postgresql://} URL of this node's database. */
  public String databaseUrl() {
    return databaseUrl != null ? databaseUrl : node.config().db().url();
  }

  public String redisNamespace() {
    return redisNamespace;
  }

  /** Blocks the test thread (never an event loop) until the future completes, at most 30 s. */
  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re
          ? re
          : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted (the test's timeout?)", e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Stops the client and the node, then drops the database and Redis namespace this node made; each step
   * runs even when one before it failed, and the first failure is thrown with the others attached.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return; // closed already: a test that stops a node itself also closes it in its finally
    }
    Cleanup.run(
        client::close,
        () -> await(clientVertx.close()),
        () -> await(node.stop()),
        () -> {
          if (ownsStorage) {
            TestServers.dropDatabase(databaseUrl);
          }
        },
        () -> {
          if (ownsStorage) {
            TestServers.deleteNamespace(redisNamespace);
          }
        });
  }

  /** Closes each node that is not null, in order, whatever the earlier ones threw (for {@code @AfterAll}). */
  public static void closeAll(AutoCloseable... resources) {
    Cleanup.closeAll(resources);
  }

  /** A port that was free a moment ago; see {@link Ports#free()}, and prefer a server that binds port 0. */
  public static int freePort() {
    return Ports.free();
  }

  /** A new empty directory, removed when the test JVM exits ({@link TestRun#tempDir()}). */
  public static Path tempDir() {
    return TestRun.tempDir();
  }
}
