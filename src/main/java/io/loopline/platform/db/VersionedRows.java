package io.loopline.platform.db;

import io.loopline.contract.Failures;
import io.loopline.platform.bus.StoreFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.function.Function;

/**
 * Conditional writes of versioned rows (users, items): the statement changed one row, or none, and then
 * the row is either missing (404) or at another version than the writer expected (412).
 */
public final class VersionedRows {

  private final Database db;
  private final String versionSql;
  private final String noun;

  /** {@code versionSql} reads the version of the row with id {@code $1}; {@code noun} names it in failures. */
  public VersionedRows(Database db, String versionSql, String noun) {
    this.db = db;
    this.versionSql = versionSql;
    this.noun = noun;
  }

  /** The changed row as JSON, or why nothing changed. */
  public Future<JsonObject> written(RowSet<Row> rows, long id, Function<Row, JsonObject> toJson) {
    return rows.size() == 1
        ? Future.succeededFuture(toJson.apply(rows.iterator().next()))
        : whyUnchanged(id);
  }

  /** {@code {"id"}} of the deleted row, or why nothing was deleted. */
  public Future<JsonObject> deleted(RowSet<Row> rows, long id) {
    return rows.size() == 1
        ? Future.succeededFuture(new JsonObject().put("id", id))
        : whyUnchanged(id);
  }

  private Future<JsonObject> whyUnchanged(long id) {
    return db.run(versionSql, Tuple.of(id))
        .compose(
            rows ->
                Future.failedFuture(
                    rows.size() == 0
                        ? StoreFailure.notFound("no " + noun + " " + id)
                        : new StoreFailure(
                            Failures.PRECONDITION_FAILED,
                            noun
                                + " "
                                + id
                                + " is at version "
                                + rows.iterator().next().getInteger(0))));
  }
}
