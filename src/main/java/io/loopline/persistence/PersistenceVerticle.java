package io.loopline.persistence;

import io.loopline.config.DbSettings;
import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.contract.Role;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Owns the only PostgreSQL pool and answers the persistence addresses of the event-bus contract.
 * Receives the {@code db} section, with {@code db.url} already pointing at the embedded server when
 * none was configured.
 */
public final class PersistenceVerticle extends VerticleBase {

  private Pool pool;
  private DbSettings settings;

  @Override
  public Future<?> start() {
    settings = DbSettings.from(config());
    pool = createPool(vertx, settings);
    return vertx.eventBus().<JsonObject>consumer(Addresses.health(Role.PERSISTENCE), this::health).completion();
  }

  /** A pool bounded in size and wait queue; statements longer than the query timeout are cancelled by PostgreSQL. */
  static Pool createPool(io.vertx.core.Vertx vertx, DbSettings settings) {
    PgConnectOptions connect = PgConnectOptions.fromUri(settings.url())
        .setProperties(Map.of("statement_timeout", String.valueOf(settings.queryTimeoutMs()),
            "application_name", "loopline"));
    PoolOptions poolOptions = new PoolOptions()
        .setMaxSize(settings.poolSize())
        .setMaxWaitQueueSize(settings.maxWaitQueueSize())
        .setConnectionTimeout(settings.connectTimeoutMs())
        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
        .setName("loopline-pg");
    return PgBuilder.pool()
        .with(poolOptions)
        .with(new NetClientOptions().setConnectTimeout(settings.connectTimeoutMs()))
        .connectingTo(connect)
        .using(vertx)
        .build();
  }

  private void health(Message<JsonObject> message) {
    pool.query("SELECT 1").execute()
        .timeout(settings.queryTimeoutMs(), TimeUnit.MILLISECONDS)
        .onSuccess(rows -> message.reply(new JsonObject().put("role", Role.PERSISTENCE.id()).put("database", "UP")))
        .onFailure(e -> message.fail(Failures.UNAVAILABLE, "database does not answer: " + e.getMessage()));
  }

  @Override
  public Future<?> stop() {
    return pool == null ? Future.succeededFuture() : pool.close();
  }
}
