package io.loopline.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The machine's real PostgreSQL and Redis, as the tests use them. Each test class gets a database of its
 * own ({@link #createDatabase()}), dropped when it is done; Redis keys live under a namespace of their own.
 * {@code LOOPLINE_TEST_PG} and {@code LOOPLINE_TEST_REDIS} point elsewhere when needed.
 */
public final class TestServers {

  /** The server's maintenance database, where test databases are created and dropped. */
  public static final String POSTGRES = env("LOOPLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres");
  public static final String REDIS = env("LOOPLINE_TEST_REDIS", "redis://127.0.0.1:6379");

  private TestServers() {}

  /** Creates an empty database and returns its {@code postgresql://} URL. */
  public static String createDatabase() {
    String name = "loopline_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    sql("CREATE DATABASE " + name);
    return POSTGRES.substring(0, POSTGRES.lastIndexOf('/') + 1) + name;
  }

  /** Drops a database made by {@link #createDatabase()}, closing whatever still holds it open. */
  public static void dropDatabase(String url) {
    String name = url.substring(url.lastIndexOf('/') + 1);
    if (!name.startsWith("loopline_test_")) {
      throw new IllegalArgumentException("not a test database: " + url);
    }
    sql("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  /** A JDBC connection to a database given as {@code postgresql://user@host:port/db}, for assertions on what is stored. */
  public static Connection jdbc(String url) throws SQLException {
    String rest = url.substring("postgresql://".length());
    String user = rest.substring(0, rest.indexOf('@'));
    return DriverManager.getConnection("jdbc:postgresql://" + rest.substring(rest.indexOf('@') + 1), user, "");
  }

  private static void sql(String statement) {
    try (Connection connection = jdbc(POSTGRES); Statement st = connection.createStatement()) {
      st.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(statement + " failed on " + POSTGRES + ": " + e.getMessage(), e);
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
