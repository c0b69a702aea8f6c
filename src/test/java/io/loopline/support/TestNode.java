package io.loopline.support;

import io.loopline.Loopline;
import io.loopline.config.LooplineConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A Loopline node booted in this JVM the way {@code main} boots it, on the machine's real PostgreSQL and
 * Redis (a fresh database and Redis namespace each), with a client pointed at it. Close it to stop the
 * node and remove what it stored.
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

  private TestNode(Loopline node, int port, String databaseUrl, String redisNamespace, boolean ownsStorage) {
    this.node = node;
    this.port = port;
    this.databaseUrl = databaseUrl;
    this.redisNamespace = redisNamespace;
    this.ownsStorage = ownsStorage;
    this.clientVertx = Vertx.vertx();
    this.client = WebClient.create(clientVertx, new WebClientOptions()
        .setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  /** A node with every role on real servers; {@code overrides} are merged over the test defaults. */
  public static TestNode start(JsonObject overrides) {
    return start(overrides, null);
  }

  /** As {@link #start(JsonObject)}, tracing with the given SDK (an in-memory exporter, say). */
  public static TestNode start(JsonObject overrides, OpenTelemetry tracing) {
    String db = TestServers.createDatabase();
    String namespace = "loopline-test-" + UUID.randomUUID() + ":";
    JsonObject config = new JsonObject()
        .put("db", new JsonObject().put("url", db))
        .put("redis", new JsonObject().put("url", TestServers.REDIS).put("namespace", namespace));
    try {
      return boot(config.mergeIn(overrides, true), db, namespace, true, tracing);
    } catch (RuntimeException e) {
      TestServers.dropDatabase(db);
      throw e;
    }
  }

  public static TestNode start() {
    return start(new JsonObject());
  }

  /**
   * A second node, in its own Vert.x (not clustered), on the same database and Redis namespace as
   * {@code first}, as another process of the same deployment would be. Closing it leaves them to {@code first}.
   */
  public static TestNode join(TestNode first, JsonObject overrides) {
    JsonObject config = new JsonObject()
        .put("db", new JsonObject().put("url", first.databaseUrl()))
        .put("redis", new JsonObject().put("url", TestServers.REDIS).put("namespace", first.redisNamespace()));
    return boot(config.mergeIn(overrides, true), first.databaseUrl(), first.redisNamespace(), false, null);
  }

  /** A node on the embedded default: no database or Redis configured, data under {@code dataDir}. */
  public static TestNode startEmbedded(Path dataDir) {
    return boot(new JsonObject().put("dataDir", dataDir.toString()), null, null, true, null);
  }

  private static TestNode boot(JsonObject overrides, String db, String namespace, boolean ownsStorage,
      OpenTelemetry tracing) {
    int port = freePort();
    JsonObject config = new JsonObject()
        .put("dataDir", tempDir().toString())
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port).put("instances", 2)
            .put("shutdownTimeoutSeconds", 10))
        .put("admin", new JsonObject().put("key", ADMIN_KEY))
        .put("rateLimit", new JsonObject()
            .put("anonymous", budgets(1_000_000))
            .put("keyed", budgets(1_000_000)))
        .mergeIn(overrides, true);
    Loopline node = await(Loopline.start(LooplineConfig.defaults().with(config), tracing));
    return new TestNode(node, port, db, namespace, ownsStorage);
  }

  /**
   * Test nodes limit rates, with budgets large enough that only the tests of limits reach them; those
   * set their own.
   */
  private static JsonObject budgets(int limit) {
    JsonObject budget = new JsonObject().put("limit", limit).put("windowSeconds", 60);
    return new JsonObject().put("read", budget).put("write", budget.copy()).put("scrape", budget.copy())
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
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    client.close();
    await(clientVertx.close());
    await(node.stop());
    if (!ownsStorage) {
      return;
    }
    if (databaseUrl != null) {
      TestServers.dropDatabase(databaseUrl);
    }
    if (redisNamespace != null) {
      deleteRedisNamespace(redisNamespace);
    }
  }

  private static void deleteRedisNamespace(String namespace) {
    Vertx vertx = Vertx.vertx();
    try {
      RedisAPI redis = RedisAPI.api(Redis.createClient(vertx, TestServers.REDIS));
      String cursor = "0";
      do {
        Response page = await(redis.scan(List.of(cursor, "MATCH", namespace + "*", "COUNT", "1000")));
        cursor = page.get(0).toString();
        List<String> keys = new ArrayList<>();
        page.get(1).forEach(k -> keys.add(k.toString()));
        if (!keys.isEmpty()) {
          await(redis.del(keys));
        }
      } while (!"0".equals(cursor));
      redis.close();
    } finally {
      await(vertx.close());
    }
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Path tempDir() {
    try {
      return Files.createTempDirectory("loopline-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
