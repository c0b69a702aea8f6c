package io.loopline.platform.db;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.loopline.platform.config.DbSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistence verticle's access to PostgreSQL: one pooled, pipelined client, bounded in connections,
 * pipeline depth and waiters. Every statement has a timeout (PostgreSQL's {@code statement_timeout}, and a
 * client-side one for a connection that went silent); slow statements are logged with their plan.
 */
public final class Database {

  private static final Logger slowLog =
      LoggerFactory.getLogger("io.loopline.persistence.SlowQuery");

  /** Tries of a statement or transaction that PostgreSQL aborted to break a deadlock. */
  private static final int DEADLOCK_TRIES = 3;

  private final SqlClient client;

  /** A small pool for the few writes that need a transaction (the pipelined client cannot give connections). */
  private final Pool transactions;

  private final Vertx vertx;
  private final DbSettings settings;
  private final PgConnectOptions connect;
  private final long timeoutMs;
  private final long slowMs;

  /** Statements explained recently, so a slow statement is explained once a minute, not on every run. */
  private final Cache<String, Boolean> explained =
      Caffeine.newBuilder().maximumSize(1000).expireAfterWrite(Duration.ofMinutes(1)).build();

  public Database(Vertx vertx, DbSettings settings) {
    // Prepared statements are kept per connection (Vert.x's default is to prepare each time, a
    // round trip and
    // a parse more per statement: a fifth of an uncached read's CPU went to the extra write alone).
    PgConnectOptions connect =
        PgConnectOptions.fromUri(settings.url())
            .setPipeliningLimit(settings.pipeliningLimit())
            .setCachePreparedStatements(true);
    Map<String, String> properties = new HashMap<>(connect.getProperties());
    properties.put("statement_timeout", String.valueOf(settings.queryTimeoutMs()));
    properties.putIfAbsent("application_name", "loopline");
    connect.setProperties(properties);
    PoolOptions pool =
        new PoolOptions()
            .setMaxSize(settings.poolSize())
            .setMaxWaitQueueSize(settings.maxWaitQueueSize())
            .setConnectionTimeout(settings.connectTimeoutMs())
            .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
            .setName("loopline-pg");
    this.client =
        PgBuilder.client()
            .with(pool)
            .with(new NetClientOptions().setConnectTimeout(settings.connectTimeoutMs()))
            .connectingTo(connect)
            .using(vertx)
            .build();
    this.transactions =
        PgBuilder.pool()
            .with(new PoolOptions(pool).setMaxSize(2).setName("loopline-pg-tx"))
            .with(new NetClientOptions().setConnectTimeout(settings.connectTimeoutMs()))
            .connectingTo(connect)
            .using(vertx)
            .build();
    this.vertx = vertx;
    this.settings = settings;
    this.connect = connect;
    this.timeoutMs = settings.queryTimeoutMs();
    this.slowMs = settings.slowQueryMs();
  }

  /**
   * A pool of its own for connections a store holds for long (a stream's writer, an export's cursor), with the
   * same server, timeouts and statement cache as the shared client; its connections open when first asked for.
   */
  public Pool pool(String name, int size) {
    return PgBuilder.pool()
        .with(
            new PoolOptions()
                .setMaxSize(size)
                .setMaxWaitQueueSize(settings.maxWaitQueueSize())
                .setConnectionTimeout(settings.connectTimeoutMs())
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
                .setName(name))
        .with(new NetClientOptions().setConnectTimeout(settings.connectTimeoutMs()))
        .connectingTo(connect)
        .using(vertx)
        .build();
  }

  /** The settings this client was built with: the ingest COPY lanes connect with the same server, user and timeouts. */
  public DbSettings settings() {
    return settings;
  }

  /** PostgreSQL cancels a statement after this long ({@code statement_timeout}). */
  public long timeoutMs() {
    return timeoutMs;
  }

  /** Runs one statement with bound parameters; again if PostgreSQL aborted it to break a deadlock. */
  public Future<RowSet<Row>> run(String sql, Tuple params) {
    return retryDeadlock(() -> runOnce(sql, params), 1);
  }

  private Future<RowSet<Row>> runOnce(String sql, Tuple params) {
    long start = System.nanoTime();
    // PostgreSQL cancels at timeoutMs; the extra second covers a connection that stopped answering.
    return client
        .preparedQuery(sql)
        .execute(params)
        .timeout(timeoutMs + 1000, TimeUnit.MILLISECONDS)
        .onSuccess(
            rows -> {
              long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
              if (slowMs > 0 && elapsedMs >= slowMs) {
                explain(sql, params, elapsedMs);
              }
            });
  }

  /** {@code EXPLAIN} (never {@code ANALYZE}: it would run a write again), asynchronously, then one log line. */
  private void explain(String sql, Tuple params, long elapsedMs) {
    if (explained.asMap().putIfAbsent(sql, Boolean.TRUE) != null) {
      slowLog.warn("slow statement ({} ms): {}", elapsedMs, oneLine(sql));
      return;
    }
    client
        .preparedQuery("EXPLAIN " + sql)
        .execute(params)
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .onSuccess(
            plan ->
                slowLog.warn(
                    "slow statement ({} ms): {}\n{}",
                    elapsedMs,
                    oneLine(sql),
                    StreamSupport.stream(plan.spliterator(), false)
                        .map(r -> "  " + r.getString(0))
                        .collect(Collectors.joining("\n"))))
        .onFailure(
            e ->
                slowLog.warn(
                    "slow statement ({} ms): {} (no plan: {})",
                    elapsedMs,
                    oneLine(sql),
                    e.getMessage()));
  }

  private static String oneLine(String sql) {
    return sql.replaceAll("\\s+", " ").trim();
  }

  /**
   * Runs {@code work} in a transaction: committed when its future succeeds, rolled back when it fails; run
   * again from the start if PostgreSQL aborted it to break a deadlock.
   */
  public <T> Future<T> transaction(Function<SqlConnection, Future<T>> work) {
    return retryDeadlock(
        () ->
            transactions
                .withTransaction(work::apply)
                .timeout(timeoutMs + 1000, TimeUnit.MILLISECONDS),
        1);
  }

  /**
   * Two transactions that lock the same rows in opposite orders (a scrape job cancelled while its first pages
   * are claimed: the claim locks pages then the job, the cancel the job then its pages) deadlock, and
   * PostgreSQL aborts one of them with SQLSTATE 40P01, having rolled it back. Running it again is what
   * PostgreSQL's documentation asks of applications; a few tries, then the failure stands.
   */
  private static <T> Future<T> retryDeadlock(
      java.util.function.Supplier<Future<T>> attempt, int tries) {
    return attempt
        .get()
        .recover(
            e ->
                e instanceof PgException pg
                        && "40P01".equals(pg.getSqlState())
                        && tries < DEADLOCK_TRIES
                    ? retryDeadlock(attempt, tries + 1)
                    : Future.failedFuture(e));
  }

  public Future<Void> close() {
    return Future.join(client.close(), transactions.close()).mapEmpty();
  }
}
