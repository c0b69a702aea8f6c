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
    String jdbc = "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
    return Flyway.configure()
        .dataSource(jdbc, options.getUser(), options.getPassword())
        .locations("classpath:db/migration")
        .connectRetries(3)
        .load()
        .migrate();
  }
}
