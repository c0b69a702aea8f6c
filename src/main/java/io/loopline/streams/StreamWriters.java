package io.loopline.streams;

import io.loopline.platform.db.Database;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.concurrent.TimeUnit;

/**
 * The connections batches of records are written on. A stream always goes to the same one (by its name's hash),
 * and a connection runs its statements one after another in the order they were sent (pipelined, no waiting in
 * between), so one stream's batches are stored in the order they arrived: an upload that stops part-way has
 * stored a prefix of its batches. A connection that broke is opened again on the next batch.
 */
final class StreamWriters {

  private final Pool pool;
  private final long timeoutMs;
  private final Future<SqlConnection>[] lanes;

  @SuppressWarnings("unchecked")
  StreamWriters(Database db, int connections) {
    this.pool = db.pool("loopline-pg-ingest", connections);
    this.timeoutMs = db.timeoutMs();
    this.lanes = new Future[connections];
  }

  /** Runs one statement on {@code stream}'s connection, after the statements sent there before it. */
  Future<RowSet<Row>> run(String stream, String sql, Tuple params) {
    int lane = Math.floorMod(stream.hashCode(), lanes.length);
    // PostgreSQL cancels at timeoutMs (statement_timeout); the extra second covers a connection
    // gone silent.
    return connection(lane)
        .compose(connection -> connection.preparedQuery(sql).execute(params))
        .timeout(timeoutMs + 1000, TimeUnit.MILLISECONDS);
  }

  private Future<SqlConnection> connection(int lane) {
    Future<SqlConnection> current = lanes[lane];
    if (current != null) {
      return current;
    }
    Future<SqlConnection> opening = pool.getConnection();
    lanes[lane] = opening;
    opening.onComplete(
        connected -> {
          if (connected.failed()) {
            forget(lane, opening);
          } else {
            connected.result().closeHandler(v -> forget(lane, opening));
          }
        });
    return opening;
  }

  private void forget(int lane, Future<SqlConnection> connection) {
    if (lanes[lane] == connection) {
      lanes[lane] = null;
    }
  }

  Future<Void> close() {
    return pool.close();
  }
}
