package io.loopline.platform.db;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** Flyway migrations from {@code db/migration}; blocking JDBC work, so callers run it on a worker. */
public final class Migrations {

  private Migrations() {}

  /** Brings the database at {@code url} ({@code postgresql://...}) to the latest schema version. */
  public static MigrateResult migrate(String url) {
    PgConnectOptions options = PgConnectOptions.fromUri(url);
    // URL parameters (sslmode and the like) mean the same to the JDBC driver.
    String query = url.contains("?") ? url.substring(url.indexOf('?')) : "";
    String jdbc =
        "jdbc:postgresql://"
            + options.getHost()
            + ":"
            + options.getPort()
            + "/"
            + options.getDatabase()
            + query;
    // No retries here: the launcher tries again itself, serving meanwhile (see Loopline).
    return Flyway.configure()
        .dataSource(jdbc, options.getUser(), options.getPassword())
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }

  /**
   * Whether a failed migration (or a first query) may pass later by itself: the server could not be reached, refused
   * connections for now, or is starting up or out of connections (SQLSTATE classes 08, 53 and 57P03).
   * Anything else (bad credentials, a database that does not exist, a migration that fails or does not
   * match what was applied) needs a person.
   */
  public static boolean mayPassLater(Throwable failure) {
    for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (e instanceof ConnectException
          || e instanceof SocketTimeoutException
          || e instanceof NoRouteToHostException
          || e instanceof UnknownHostException) {
        return true;
      }
      String state =
          e instanceof SQLException sql
              ? sql.getSQLState()
              : e instanceof PgException pg ? pg.getSqlState() : null;
      if (state != null) {
        return state.startsWith("08") || state.startsWith("53") || state.equals("57P03");
      }
    }
    return false;
  }
}
