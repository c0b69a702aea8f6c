package io.loopline.persistence;

import io.loopline.contract.Failures;
import io.loopline.contract.JobType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Set;

/** The durable job queue: submit, read, page, retry, cancel, and the runners' claim, renew, complete, fail, release. */
final class JobStore {

  private static final Set<String> STATES = Set.of("pending", "running", "done", "dead", "cancelled");
  private static final int KEY_MAX = 200;
  private static final int ERROR_MAX = 2000;

  private final Database db;

  JobStore(Database db) {
    this.db = db;
  }

  Future<JsonObject> submit(JsonObject message) {
    Fields.only(message, "", Set.of("type", "payload", "idempotencyKey"));
    JobType type = type(message.getString("type"));
    JsonObject payload = Fields.object(message, "payload");
    String key = Fields.text(message, "idempotencyKey", KEY_MAX, false);
    return db.run(JobSql.INSERT, Tuple.of(type.id(), payload, type.maxAttempts(), key)).compose(rows -> rows.size() == 1
        ? Future.succeededFuture(toJson(rows.iterator().next()).put("existing", false))
        : db.run(JobSql.BY_KEY, Tuple.of(key)).map(existing -> toJson(existing.iterator().next()).put("existing", true)));
  }

  Future<JsonObject> get(JsonObject message) {
    long id = Fields.id(message);
    return db.run(JobSql.GET, Tuple.of(id)).map(rows -> single(rows, id));
  }

  Future<JsonObject> list(JsonObject message) {
    Fields.only(message, "", Set.of("state", "type", "limit", "cursor"));
    String state = message.getString("state");
    if (state != null && !STATES.contains(state)) {
      throw StoreFailure.invalid("state: must be one of " + STATES);
    }
    String type = message.getString("type");
    int limit = Fields.limit(message);
    Cursor after = Cursor.decode(message.getString("cursor"), "id");
    return db.run(JobSql.LIST, Tuple.of(state, type, after == null ? null : after.id(), limit + 1))
        .map(rows -> Cursor.page(rows, limit, "jobs", "id", JobStore::toJson, last -> null));
  }

  Future<JsonObject> retry(JsonObject message) {
    long id = Fields.id(message);
    return db.run(JobSql.RETRY, Tuple.of(id)).compose(rows -> transitioned(rows, id, "only a dead job can be retried"));
  }

  Future<JsonObject> cancel(JsonObject message) {
    long id = Fields.id(message);
    return db.run(JobSql.CANCEL, Tuple.of(id)).compose(rows -> transitioned(rows, id, "only a pending job can be cancelled"));
  }

  Future<JsonObject> claim(JsonObject message) {
    String owner = Fields.text(message, "owner", KEY_MAX, true);
    JsonArray types = message.getJsonArray("types", new JsonArray());
    int limit = message.getInteger("limit", 1);
    long leaseMs = message.getLong("leaseMs", 30_000L);
    return db.run(JobSql.BURY_EXPIRED, Tuple.tuple())
        .compose(v -> db.run(JobSql.CLAIM, Tuple.of(owner, types.stream().map(String::valueOf).toArray(String[]::new), leaseMs, limit)))
        .map(rows -> {
          JsonArray jobs = new JsonArray();
          rows.forEach(row -> jobs.add(toJson(row)));
          return new JsonObject().put("jobs", jobs);
        });
  }

  Future<JsonObject> renew(JsonObject message) {
    String owner = Fields.text(message, "owner", KEY_MAX, true);
    Long[] ids = message.getJsonArray("ids", new JsonArray()).stream().map(id -> ((Number) id).longValue()).toArray(Long[]::new);
    return db.run(JobSql.RENEW, Tuple.of(owner, ids, message.getLong("leaseMs", 30_000L))).map(rows -> {
      JsonArray renewed = new JsonArray();
      rows.forEach(row -> renewed.add(row.getLong(0)));
      return new JsonObject().put("renewed", renewed);
    });
  }

  Future<JsonObject> complete(JsonObject message) {
    long id = Fields.id(message);
    String owner = Fields.text(message, "owner", KEY_MAX, true);
    return db.run(JobSql.COMPLETE, Tuple.of(id, owner, message.getJsonObject("result")))
        .compose(rows -> leased(rows, id));
  }

  Future<JsonObject> fail(JsonObject message) {
    long id = Fields.id(message);
    String owner = Fields.text(message, "owner", KEY_MAX, true);
    String error = String.valueOf(message.getValue("error", "failed"));
    String bounded = error.length() > ERROR_MAX ? error.substring(0, ERROR_MAX) : error;
    return db.run(JobSql.FAIL, Tuple.of(id, owner, bounded, message.getLong("retryInMs", 0L)))
        .compose(rows -> leased(rows, id));
  }

  Future<JsonObject> release(JsonObject message) {
    String owner = Fields.text(message, "owner", KEY_MAX, true);
    return db.run(JobSql.RELEASE, Tuple.of(owner)).map(rows -> {
      JsonArray released = new JsonArray();
      rows.forEach(row -> released.add(row.getLong(0)));
      return new JsonObject().put("released", released);
    });
  }

  /** How many jobs are in each state, for the metrics. */
  Future<java.util.Map<String, Long>> countByState() {
    return db.run(JobSql.COUNT_BY_STATE, Tuple.tuple()).map(rows -> {
      java.util.Map<String, Long> counts = new java.util.HashMap<>();
      STATES.forEach(state -> counts.put(state, 0L));
      rows.forEach(row -> counts.put(row.getString(0), row.getLong(1)));
      return counts;
    });
  }

  private static JobType type(String id) {
    return JobType.find(id == null ? "" : id).orElseThrow(() -> StoreFailure.invalid(
        "type: must be one of " + List.of(JobType.values()).stream().map(JobType::id).toList()));
  }

  private Future<JsonObject> transitioned(RowSet<Row> rows, long id, String rule) {
    if (rows.size() == 1) {
      return Future.succeededFuture(toJson(rows.iterator().next()));
    }
    return db.run(JobSql.STATE, Tuple.of(id)).compose(state -> Future.failedFuture(state.size() == 0
        ? StoreFailure.notFound("no job " + id)
        : new StoreFailure(Failures.CONFLICT, "job " + id + " is " + state.iterator().next().getString(0) + "; " + rule)));
  }

  private static Future<JsonObject> leased(RowSet<Row> rows, long id) {
    return rows.size() == 1
        ? Future.succeededFuture(toJson(rows.iterator().next()))
        : Future.failedFuture(new StoreFailure(Failures.CONFLICT, "job " + id + " is no longer leased to this runner"));
  }

  private static JsonObject single(RowSet<Row> rows, long id) {
    if (rows.size() == 0) {
      throw StoreFailure.notFound("no job " + id);
    }
    return toJson(rows.iterator().next());
  }

  static JsonObject toJson(Row row) {
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("type", row.getString("type"))
        .put("state", row.getString("state"))
        .put("attempts", row.getInteger("attempts"))
        .put("maxAttempts", row.getInteger("max_attempts"))
        .put("payload", row.getJsonObject("payload"))
        .put("runAt", Fields.time(row.getOffsetDateTime("run_at")))
        .put("leaseOwner", row.getString("lease_owner"))
        .put("leaseExpiresAt", Fields.time(row.getOffsetDateTime("lease_expires_at")))
        .put("lastError", row.getString("last_error"))
        .put("idempotencyKey", row.getString("idempotency_key"))
        .put("result", row.getJsonObject("result"))
        .put("createdAt", Fields.time(row.getOffsetDateTime("created_at")))
        .put("startedAt", Fields.time(row.getOffsetDateTime("started_at")))
        .put("finishedAt", Fields.time(row.getOffsetDateTime("finished_at")));
  }
}
