package io.loopline.persistence;

import io.vertx.pgclient.PgConnectOptions;
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
    String jdbc = "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase() + query;
    return Flyway.configure()
        .dataSource(jdbc, options.getUser(), options.getPassword())
        .locations("classpath:db/migration")
        .connectRetries(3)
        .load()
        .migrate();
  }
}
