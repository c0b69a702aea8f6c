package io.loopline.jobs;

import io.loopline.contract.Failures;
import io.loopline.contract.JobType;
import io.loopline.platform.bus.Fields;
import io.loopline.platform.bus.StoreFailure;
import io.loopline.platform.db.Cursor;
import io.loopline.platform.db.Database;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;

/** The durable job queue: submit, read, page, retry, cancel, and the runners' claim, renew, complete, fail, release. */
public final class JobStore {

  private static final List<String> STATES =
      List.of("pending", "running", "done", "dead", "cancelled");

  /** Dead jobs one bulk retry or discard acts on at most. */
  static final int BULK_MAX = 10_000;

  private static final int KEY_MAX = 200;
  private static final int ERROR_MAX = 2000;

  private final Database db;

  public JobStore(Database db) {
    this.db = db;
  }

  public Future<JsonObject> submit(JsonObject message) {
    Fields.only(message, "", Set.of("type", "payload", "idempotencyKey", "runAt", "maxAttempts"));
    JobType type = type(message.getString("type"));
    JsonObject payload = Fields.object(message, "payload");
    type.refusal(payload)
        .ifPresent(
            refusal -> {
              throw StoreFailure.invalid(refusal);
            });
    String key = Fields.text(message, "idempotencyKey", KEY_MAX, false);
    OffsetDateTime runAt = Fields.instant(message, "runAt");
    int attempts = maxAttempts(message, type);
    return db.run(
            JobSql.INSERT, Tuple.from(new Object[] {type.id(), payload, attempts, key, runAt}))
        .compose(
            rows ->
                rows.size() == 1
                    ? Future.succeededFuture(toJson(rows.iterator().next()).put("existing", false))
                    : db.run(JobSql.BY_KEY, Tuple.of(key))
                        .map(existing -> toJson(existing.iterator().next()).put("existing", true)));
  }

  public Future<JsonObject> get(JsonObject message) {
    long id = Fields.id(message);
    return db.run(JobSql.GET, Tuple.of(id)).map(rows -> single(rows, id));
  }

  public Future<JsonObject> list(JsonObject message) {
    Fields.only(message, "", Set.of("state", "type", "schedule", "order", "limit", "cursor"));
    String state = message.getString("state");
    if (state != null && !STATES.contains(state)) {
      throw StoreFailure.invalid("state: must be one of " + STATES);
    }
    String type = message.getString("type");
    Long schedule = message.getValue("schedule") == null ? null : Fields.id(message, "schedule");
    boolean newestFirst = "desc".equals(message.getString("order"));
    String sort = newestFirst ? "-id" : "id";
    int limit = Fields.limit(message);
    Cursor after = Cursor.decode(message.getString("cursor"), sort);
    return db.run(
            newestFirst ? JobSql.LIST_DESC : JobSql.LIST,
            Tuple.of(state, type, after == null ? null : after.id(), limit + 1, schedule))
        .map(rows -> Cursor.page(rows, limit, "jobs", sort, JobStore::toJson, last -> null));
  }

  /** Jobs per state, in all and per type; every state and registered type appears, zero or not. */
  public Future<JsonObject> counts(JsonObject message) {
    return db.run(JobSql.COUNT_BY_TYPE_AND_STATE, Tuple.tuple())
        .map(
            rows -> {
              JsonObject states = zeroes();
              JsonObject types = new JsonObject();
              JobType.ids().forEach(type -> types.put(type, zeroes()));
              rows.forEach(
                  row -> {
                    String type = row.getString(0);
                    String state = row.getString(1);
                    long n = row.getLong(2);
                    states.put(state, states.getLong(state) + n);
                    if (!types.containsKey(type)) {
                      types.put(type, zeroes());
                    }
                    types.getJsonObject(type).put(state, n);
                  });
              return new JsonObject().put("states", states).put("types", types);
            });
  }

  public Future<JsonObject> retryDead(JsonObject message) {
    return bulkDead(message, JobSql.RETRY_DEAD, "retried");
  }

  public Future<JsonObject> discardDead(JsonObject message) {
    return bulkDead(message, JobSql.DISCARD_DEAD, "discarded");
  }

  /** Acts on at most {@link #BULK_MAX} dead jobs at once, so one call never holds the table for long. */
  private Future<JsonObject> bulkDead(JsonObject message, String sql, String field) {
    Fields.only(message, "", Set.of("ids", "type"));
    Long[] ids = null;
    if (message.getValue("ids") != null) {
      if (!(message.getValue("ids") instanceof JsonArray list)
          || list.isEmpty()
          || list.size() > BULK_MAX) {
        throw StoreFailure.invalid("ids: must be a list of 1 to " + BULK_MAX + " job ids");
      }
      ids =
          list.stream()
              .map(id -> Fields.id(new JsonObject().put("ids", id), "ids"))
              .toArray(Long[]::new);
    }
    String type = message.getString("type");
    boolean everything = ids == null;
    return db.run(sql, Tuple.of(ids, type, BULK_MAX))
        .map(
            rows ->
                new JsonObject()
                    .put(field, rows.size())
                    .put("more", everything && rows.size() == BULK_MAX));
  }

  private static JsonObject zeroes() {
    JsonObject counts = new JsonObject();
    STATES.forEach(state -> counts.put(state, 0L));
    return counts;
  }

  private static int maxAttempts(JsonObject message, JobType type) {
    Object value = message.getValue("maxAttempts");
    return value == null ? type.maxAttempts() : Fields.attempts(value, "maxAttempts");
  }

  public Future<JsonObject> retry(JsonObject message) {
    long id = Fields.id(message);
    return db.run(JobSql.RETRY, Tuple.of(id))
        .compose(rows -> transitioned(rows, id, "only a dead job can be retried"));
  }

  public Future<JsonObject> cancel(JsonObject message) {
    long id = Fields.id(message);
    return db.run(JobSql.CANCEL, Tuple.of(id))
        .compose(rows -> transitioned(rows, id, "only a pending job can be cancelled"));
  }

  public Future<JsonObject> claim(JsonObject message) {
    String owner = Fields.text(message, "owner", KEY_MAX, true);
    JsonArray types = message.getJsonArray("types", new JsonArray());
    int limit = message.getInteger("limit", 1);
    long leaseMs = message.getLong("leaseMs", 30_000L);
    return db.run(JobSql.BURY_EXPIRED, Tuple.tuple())
        .compose(
            v ->
                db.run(
                    JobSql.CLAIM,
                    Tuple.of(
                        owner,
                        types.stream().map(String::valueOf).toArray(String[]::new),
                        leaseMs,
                        limit)))
        .map(
            rows -> {
              JsonArray jobs = new JsonArray();
              rows.forEach(row -> jobs.add(toJson(row)));
              return new JsonObject().put("jobs", jobs);
            });
  }

  public Future<JsonObject> renew(JsonObject message) {
    String owner = Fields.text(message, "owner", KEY_MAX, true);
    Long[] ids =
        message.getJsonArray("ids", new JsonArray()).stream()
            .map(id -> ((Number) id).longValue())
            .toArray(Long[]::new);
    return db.run(JobSql.RENEW, Tuple.of(owner, ids, message.getLong("leaseMs", 30_000L)))
        .map(
            rows -> {
              JsonArray renewed = new JsonArray();
              rows.forEach(row -> renewed.add(row.getLong(0)));
              return new JsonObject().put("renewed", renewed);
            });
  }

  public Future<JsonObject> complete(JsonObject message) {
    long id = Fields.id(message);
    String owner = Fields.text(message, "owner", KEY_MAX, true);
    return db.run(JobSql.COMPLETE, Tuple.of(id, owner, message.getJsonObject("result")))
        .compose(rows -> leased(rows, id));
  }

  public Future<JsonObject> fail(JsonObject message) {
    long id = Fields.id(message);
    String owner = Fields.text(message, "owner", KEY_MAX, true);
    String error = String.valueOf(message.getValue("error", "failed"));
    String bounded = error.length() > ERROR_MAX ? error.substring(0, ERROR_MAX) : error;
    return db.run(
            JobSql.FAIL,
            Tuple.of(
                id,
                owner,
                bounded,
                message.getLong("retryInMs", 0L),
                message.getBoolean("final", false)))
        .compose(rows -> leased(rows, id));
  }

  public Future<JsonObject> release(JsonObject message) {
    String owner = Fields.text(message, "owner", KEY_MAX, true);
    return db.run(JobSql.RELEASE, Tuple.of(owner))
        .map(
            rows -> {
              JsonArray released = new JsonArray();
              rows.forEach(row -> released.add(row.getLong(0)));
              return new JsonObject().put("released", released);
            });
  }

  /** How many jobs are in each state, for the metrics. */
  public Future<java.util.Map<String, Long>> countByState() {
    return db.run(JobSql.COUNT_BY_STATE, Tuple.tuple())
        .map(
            rows -> {
              java.util.Map<String, Long> counts = new java.util.HashMap<>();
              STATES.forEach(state -> counts.put(state, 0L));
              rows.forEach(row -> counts.put(row.getString(0), row.getLong(1)));
              return counts;
            });
  }

  private static JobType type(String id) {
    return JobType.find(id == null ? "" : id)
        .orElseThrow(() -> StoreFailure.invalid("type: must be one of " + JobType.ids()));
  }

  private Future<JsonObject> transitioned(RowSet<Row> rows, long id, String rule) {
    if (rows.size() == 1) {
      return Future.succeededFuture(toJson(rows.iterator().next()));
    }
    return db.run(JobSql.STATE, Tuple.of(id))
        .compose(
            state ->
                Future.failedFuture(
                    state.size() == 0
                        ? StoreFailure.notFound("no job " + id)
                        : new StoreFailure(
                            Failures.CONFLICT,
                            "job "
                                + id
                                + " is "
                                + state.iterator().next().getString(0)
                                + "; "
                                + rule)));
  }

  private static Future<JsonObject> leased(RowSet<Row> rows, long id) {
    return rows.size() == 1
        ? Future.succeededFuture(toJson(rows.iterator().next()))
        : Future.failedFuture(
            new StoreFailure(
                Failures.CONFLICT, "job " + id + " is no longer leased to this runner"));
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
        .put("finishedAt", Fields.time(row.getOffsetDateTime("finished_at")))
        .put("scheduleId", row.getLong("schedule_id"))
        .put("scheduledFor", Fields.time(row.getOffsetDateTime("scheduled_for")));
  }
}
