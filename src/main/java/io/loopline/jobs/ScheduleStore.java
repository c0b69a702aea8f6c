package io.loopline.jobs;

import io.loopline.contract.Failures;
import io.loopline.contract.JobType;
import io.loopline.platform.bus.Fields;
import io.loopline.platform.bus.StoreFailure;
import io.loopline.platform.db.Cursor;
import io.loopline.platform.db.Database;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recurring jobs: make, read, page, pause, resume and delete schedules, and {@link #enqueueDue}, which every
 * node with the persistence role runs every {@code jobs.schedulePollMs}. Each occurrence becomes exactly
 * one job: the due schedule's row is locked ({@code FOR UPDATE SKIP LOCKED}) by one node's transaction, which
 * inserts the occurrence's job (unique per schedule and occurrence) and moves {@code next_run_at} on before it
 * commits. A node that dies mid-way rolls back and the next tick, on any node, does it again.
 */
public final class ScheduleStore {

  /** Due schedules one tick takes at most; the rest wait for the next tick. */
  static final int TICK_MAX = 100;

  /** Occurrences on time that one schedule enqueues in one tick at most (a per-second cron after a pause of the ticks). */
  static final int OCCURRENCES_MAX = 100;

  private static final int NAME_MAX = 100;
  private static final Set<String> MISSED = Set.of("once", "skip");

  private final Vertx vertx;
  private final Database db;
  private final long graceMs;

  public ScheduleStore(Vertx vertx, Database db, long graceMs) {
    this.vertx = vertx;
    this.db = db;
    this.graceMs = graceMs;
  }

  public Future<JsonObject> create(JsonObject message) {
    Fields.only(message, "", Set.of("name", "cron", "timeZone", "missed", "job"));
    String name = Fields.text(message, "name", NAME_MAX, true).trim();
    String missed = message.getString("missed", "once");
    if (!MISSED.contains(missed)) {
      throw StoreFailure.invalid(
          "missed: must be 'once' (one job for the occurrences missed while no node ran) or 'skip'");
    }
    JsonObject job = Fields.object(message, "job");
    Fields.only(job, "job.", Set.of("type", "payload", "maxAttempts"));
    JobType type =
        JobType.find(job.getString("type", ""))
            .orElseThrow(() -> StoreFailure.invalid("job.type: must be one of " + JobType.ids()));
    JsonObject payload = Fields.object(job, "payload");
    type.refusal(payload)
        .ifPresent(
            refusal -> {
              throw StoreFailure.invalid("job." + refusal);
            });
    Integer attempts =
        job.getValue("maxAttempts") == null
            ? null
            : Fields.attempts(job.getValue("maxAttempts"), "job.maxAttempts");
    String cron = message.getString("cron");
    String zone = message.getString("timeZone", "UTC");
    return vertx
        .executeBlocking(() -> CronRule.parse(cron, zone).after(Instant.now()).orElseThrow(), false)
        .compose(
            first ->
                db.run(
                    ScheduleSql.INSERT,
                    Tuple.from(
                        new Object[] {
                          name,
                          cron.trim(),
                          zone,
                          missed,
                          type.id(),
                          payload,
                          attempts,
                          OffsetDateTime.ofInstant(first, ZoneOffset.UTC)
                        })))
        .recover(
            e ->
                Future.failedFuture(
                    e instanceof PgException pg && "23505".equals(pg.getSqlState())
                        ? new StoreFailure(
                            Failures.CONFLICT, "name: a schedule named '" + name + "' exists")
                        : e))
        .map(rows -> toJson(rows.iterator().next()));
  }

  public Future<JsonObject> get(JsonObject message) {
    long id = Fields.id(message);
    return db.run(ScheduleSql.GET, Tuple.of(id)).map(rows -> single(rows, id));
  }

  public Future<JsonObject> list(JsonObject message) {
    Fields.only(message, "", Set.of("limit", "cursor"));
    int limit = Fields.limit(message);
    Cursor after = Cursor.decode(message.getString("cursor"), "id");
    return db.run(ScheduleSql.LIST, Tuple.of(after == null ? null : after.id(), limit + 1))
        .map(
            rows ->
                Cursor.page(rows, limit, "schedules", "id", ScheduleStore::toJson, last -> null));
  }

  public Future<JsonObject> pause(JsonObject message) {
    long id = Fields.id(message);
    return db.run(ScheduleSql.PAUSE, Tuple.of(id)).map(rows -> single(rows, id));
  }

  /** Resumes from the first occurrence after now: what fell while it was paused is not made up. */
  public Future<JsonObject> resume(JsonObject message) {
    return get(message)
        .compose(
            schedule ->
                vertx.executeBlocking(
                    () ->
                        CronRule.parse(schedule.getString("cron"), schedule.getString("timeZone"))
                            .after(Instant.now())
                            .orElseThrow(),
                    false))
        .compose(
            next ->
                db.run(
                    ScheduleSql.RESUME,
                    Tuple.of(Fields.id(message), OffsetDateTime.ofInstant(next, ZoneOffset.UTC))))
        .map(rows -> single(rows, Fields.id(message)));
  }

  public Future<JsonObject> delete(JsonObject message) {
    long id = Fields.id(message);
    return db.run(ScheduleSql.DELETE, Tuple.of(id))
        .map(
            rows -> {
              if (rows.size() == 0) {
                throw StoreFailure.notFound("no schedule " + id);
              }
              return new JsonObject().put("id", id);
            });
  }

  /** Enqueues the occurrences of every due schedule (up to {@link #TICK_MAX}); the future says how many jobs were made. */
  public Future<Integer> enqueueDue() {
    return db.run(ScheduleSql.ANY_DUE, Tuple.tuple())
        .compose(
            any ->
                any.iterator().next().getBoolean(0)
                    ? claimAndEnqueue()
                    : Future.succeededFuture(0));
  }

  private Future<Integer> claimAndEnqueue() {
    return db.transaction(
        conn ->
            conn.preparedQuery(ScheduleSql.DUE)
                .execute(Tuple.of(TICK_MAX))
                .compose(
                    due -> {
                      if (due.size() == 0) {
                        return Future.succeededFuture(0);
                      }
                      List<Row> rows = new ArrayList<>();
                      due.forEach(rows::add);
                      return vertx
                          .executeBlocking(() -> plans(rows), false)
                          .compose(plans -> enqueue(conn, rows, plans, 0, 0));
                    }));
  }

  private List<CronRule.Plan> plans(List<Row> rows) {
    List<CronRule.Plan> plans = new ArrayList<>();
    for (Row row : rows) {
      Instant now = row.getOffsetDateTime("db_now").toInstant();
      CronRule rule = CronRule.parse(row.getString("cron"), row.getString("time_zone"));
      plans.add(
          rule.plan(
              row.getOffsetDateTime("next_run_at").toInstant(),
              now,
              graceMs,
              "once".equals(row.getString("missed")),
              OCCURRENCES_MAX));
    }
    return plans;
  }

  /** One schedule after the other, on the transaction's connection. */
  private Future<Integer> enqueue(
      SqlConnection conn, List<Row> rows, List<CronRule.Plan> plans, int index, int made) {
    if (index == rows.size()) {
      return Future.succeededFuture(made);
    }
    Row row = rows.get(index);
    CronRule.Plan plan = plans.get(index);
    long id = row.getLong("id");
    OffsetDateTime[] occurrences =
        plan.enqueue().stream()
            .map(t -> OffsetDateTime.ofInstant(t, ZoneOffset.UTC))
            .toArray(OffsetDateTime[]::new);
    Integer attempts = row.getInteger("max_attempts");
    String type = row.getString("job_type");
    int maxAttempts =
        attempts != null ? attempts : JobType.find(type).map(JobType::maxAttempts).orElse(1);
    Future<RowSet<Row>> inserted =
        occurrences.length == 0
            ? Future.succeededFuture(null)
            : conn.preparedQuery(ScheduleSql.ENQUEUE)
                .execute(
                    Tuple.of(type, row.getJsonObject("payload"), maxAttempts, id, occurrences));
    return inserted.compose(
        jobs -> {
          Long lastJob = null;
          if (jobs != null) {
            for (Row job : jobs) {
              lastJob = job.getLong(0);
            }
          }
          OffsetDateTime next =
              plan.next() == null ? null : OffsetDateTime.ofInstant(plan.next(), ZoneOffset.UTC);
          OffsetDateTime last =
              occurrences.length == 0 ? null : occurrences[occurrences.length - 1];
          int count = jobs == null ? 0 : jobs.size();
          return conn.preparedQuery(ScheduleSql.ADVANCE)
              .execute(Tuple.of(id, next, last, lastJob))
              .compose(v -> enqueue(conn, rows, plans, index + 1, made + count));
        });
  }

  private static JsonObject single(RowSet<Row> rows, long id) {
    if (rows.size() == 0) {
      throw StoreFailure.notFound("no schedule " + id);
    }
    return toJson(rows.iterator().next());
  }

  static JsonObject toJson(Row row) {
    JsonObject job =
        new JsonObject()
            .put("type", row.getString("job_type"))
            .put("payload", row.getJsonObject("payload"));
    if (row.getInteger("max_attempts") != null) {
      job.put("maxAttempts", row.getInteger("max_attempts"));
    }
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("name", row.getString("name"))
        .put("cron", row.getString("cron"))
        .put("timeZone", row.getString("time_zone"))
        .put("missed", row.getString("missed"))
        .put("job", job)
        .put("state", row.getString("state"))
        .put("nextRunAt", Fields.time(row.getOffsetDateTime("next_run_at")))
        .put("lastRunAt", Fields.time(row.getOffsetDateTime("last_run_at")))
        .put("lastJobId", row.getLong("last_job_id"))
        .put("createdAt", Fields.time(row.getOffsetDateTime("created_at")))
        .put("updatedAt", Fields.time(row.getOffsetDateTime("updated_at")));
  }
}
