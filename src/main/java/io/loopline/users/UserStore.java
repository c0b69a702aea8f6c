package io.loopline.users;

import io.loopline.contract.Failures;
import io.loopline.platform.bus.Fields;
import io.loopline.platform.bus.StoreFailure;
import io.loopline.platform.db.Cursor;
import io.loopline.platform.db.Database;
import io.loopline.platform.db.VersionedRows;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.Set;

/** Users: create, read, page, change, delete. Answers are the JSON shapes of the event-bus contract. */
public final class UserStore {

  private static final Set<String> CREATE_FIELDS = Set.of("email", "name");

  private final Database db;
  private final VersionedRows versioned;

  public UserStore(Database db) {
    this.db = db;
    this.versioned = new VersionedRows(db, UserSql.EXISTS, "user");
  }

  public Future<JsonObject> create(JsonObject message) {
    Fields.only(message, "", CREATE_FIELDS);
    String email = Fields.email(message, true);
    String name = Fields.text(message, "name", Fields.NAME_MAX, true);
    return db.run(UserSql.INSERT, Tuple.of(email, name))
        .map(rows -> toJson(rows.iterator().next()))
        .recover(e -> Future.failedFuture(emailTaken(e)));
  }

  public Future<JsonObject> get(JsonObject message) {
    long id = Fields.id(message);
    return db.run(UserSql.GET, Tuple.of(id)).map(rows -> single(rows, id));
  }

  public Future<JsonObject> list(JsonObject message) {
    int limit = Fields.limit(message);
    Cursor after = Cursor.decode(message.getString("cursor"), "id");
    return db.run(UserSql.LIST, Tuple.of(after == null ? null : after.id(), limit + 1))
        .map(rows -> Cursor.page(rows, limit, "users", "id", UserStore::toJson, last -> null));
  }

  public Future<JsonObject> update(JsonObject message) {
    long id = Fields.id(message);
    Integer ifVersion = Fields.ifVersion(message);
    JsonObject changes = Fields.changes(message, CREATE_FIELDS);
    String email = Fields.email(changes, false);
    String name = Fields.text(changes, "name", Fields.NAME_MAX, false);
    return db.run(UserSql.UPDATE, Tuple.of(id, ifVersion, email, name))
        .recover(e -> Future.failedFuture(emailTaken(e)))
        .compose(rows -> versioned.written(rows, id, UserStore::toJson));
  }

  public Future<JsonObject> delete(JsonObject message) {
    long id = Fields.id(message);
    Integer ifVersion = Fields.ifVersion(message);
    return db.run(UserSql.DELETE, Tuple.of(id, ifVersion))
        .compose(rows -> versioned.deleted(rows, id));
  }

  private static Throwable emailTaken(Throwable e) {
    StoreFailure failure = StoreFailure.classify(e);
    return failure.code() == Failures.CONFLICT
        ? new StoreFailure(Failures.CONFLICT, "email is already registered")
        : failure;
  }

  private static JsonObject single(RowSet<Row> rows, long id) {
    if (rows.size() == 0) {
      throw StoreFailure.notFound("no user " + id);
    }
    return toJson(rows.iterator().next());
  }

  static JsonObject toJson(Row row) {
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("email", row.getString("email"))
        .put("name", row.getString("name"))
        .put("version", row.getInteger("version"))
        .put("createdAt", Fields.time(row.getOffsetDateTime("created_at")))
        .put("updatedAt", Fields.time(row.getOffsetDateTime("updated_at")));
  }
}
