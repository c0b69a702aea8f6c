package io.loopline.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Which PostgreSQL and Redis the tests use, decided once per JVM without starting anything:
 * <ol>
 *   <li>{@code LOOPLINE_TEST_SERVERS=embedded}: embedded servers, whatever answers on this machine;</li>
 *   <li>{@code LOOPLINE_TEST_PG} / {@code LOOPLINE_TEST_REDIS}: the servers they name;</li>
 *   <li>else the machine's, when something answers on 127.0.0.1:5432 / 127.0.0.1:6379;</li>
 *   <li>else embedded ones (zonky's PostgreSQL, a Redis server from {@code embedded-redis}), started once for
 *       this test JVM by {@link TestServers}.</li>
 * </ol>
 */
public record ServerChoice(String postgres, String redis, String postgresWhy, String redisWhy) {

  /** PostgreSQL's maintenance database on the machine, where test databases are made. */
  static final String MACHINE_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres";

  static final String MACHINE_REDIS = "redis://127.0.0.1:6379";

  /** The choice of this JVM. */
  public static final ServerChoice CURRENT = decide();

  /** True when PostgreSQL must be started by the tests. */
  public boolean embeddedPostgres() {
    return postgres == null;
  }

  public boolean embeddedRedis() {
    return redis == null;
  }

  /** What the first lines of the test output say. */
  public String describe() {
    return "Test servers: PostgreSQL "
        + (embeddedPostgres() ? "embedded" : postgres)
        + " ("
        + postgresWhy
        + "); "
        + "Redis "
        + (embeddedRedis() ? "embedded" : redis)
        + " ("
        + redisWhy
        + ")";
  }

  private static ServerChoice decide() {
    String forced = System.getenv("LOOPLINE_TEST_SERVERS");
    if ("embedded".equalsIgnoreCase(forced)) {
      String why = "LOOPLINE_TEST_SERVERS=embedded";
      return new ServerChoice(null, null, why, why);
    }
    String pg = env("LOOPLINE_TEST_PG");
    String redis = env("LOOPLINE_TEST_REDIS");
    boolean pgAnswers = pg == null && answers(5432);
    boolean redisAnswers = redis == null && answers(6379);
    return new ServerChoice(
        pg != null ? pg : pgAnswers ? MACHINE_POSTGRES : null,
        redis != null ? redis : redisAnswers ? MACHINE_REDIS : null,
        pg != null
            ? "LOOPLINE_TEST_PG"
            : pgAnswers ? "the machine's: it answers" : "nothing answers on 127.0.0.1:5432",
        redis != null
            ? "LOOPLINE_TEST_REDIS"
            : redisAnswers ? "the machine's: it answers" : "nothing answers on 127.0.0.1:6379");
  }

  private static boolean answers(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String env(String name) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? null : value;
  }
}
