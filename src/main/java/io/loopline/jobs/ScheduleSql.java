package io.loopline.jobs;

/** Every statement of recurring jobs. Parameters are always bound. */
final class ScheduleSql {

  static final String COLUMNS =
      "id, name, cron, time_zone, missed, job_type, payload, max_attempts, state, "
          + "next_run_at, last_run_at, last_job_id, created_at, updated_at";

  /** $1 name, $2 cron, $3 zone, $4 missed, $5 type, $6 payload, $7 attempts (null: the type's), $8 first occurrence. */
  static final String INSERT =
      "INSERT INTO schedules (name, cron, time_zone, missed, job_type, payload, max_attempts, "
          + "next_run_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING "
          + COLUMNS;

  static final String GET = "SELECT " + COLUMNS + " FROM schedules WHERE id = $1";
  static final String LIST =
      "SELECT "
          + COLUMNS
          + " FROM schedules WHERE ($1::bigint IS NULL OR id > $1) ORDER BY id LIMIT $2";
  static final String PAUSE =
      "UPDATE schedules SET state = 'paused', updated_at = now() WHERE id = $1 RETURNING "
          + COLUMNS;

  /** $2: the first occurrence after now; a schedule already active keeps its own. */
  static final String RESUME =
      "UPDATE schedules SET state = 'active', updated_at = now(), "
          + "next_run_at = CASE WHEN state = 'paused' THEN $2 ELSE next_run_at END WHERE id = $1 RETURNING "
          + COLUMNS;

  static final String DELETE = "DELETE FROM schedules WHERE id = $1 RETURNING id";

  /** Whether any schedule is due: a plain read, so a tick with nothing to do opens no transaction. */
  static final String ANY_DUE =
      "SELECT EXISTS (SELECT 1 FROM schedules WHERE state = 'active' AND next_run_at <= now())";

  /**
   * The claim: due active schedules, locked until the transaction that enqueues their occurrences and moves
   * {@code next_run_at} on commits; an enqueuer on another node skips them. Also the database's clock, which
   * every node shares. $1 limit.
   */
  static final String DUE =
      "SELECT "
          + COLUMNS
          + ", now() AS db_now FROM schedules "
          + "WHERE state = 'active' AND next_run_at <= now() ORDER BY next_run_at LIMIT $1 FOR UPDATE SKIP LOCKED";

  /**
   * One job per occurrence ($5); an occurrence that already has its job makes none (the second guard, after
   * the row lock). $1 type, $2 payload, $3 attempts, $4 schedule.
   */
  static final String ENQUEUE =
      "INSERT INTO jobs (type, payload, max_attempts, schedule_id, scheduled_for, run_at) "
          + "SELECT $1, $2, $3, $4, occurrence, now() FROM unnest($5::timestamptz[]) AS occurrence "
          + "ON CONFLICT (schedule_id, scheduled_for) DO NOTHING RETURNING id";

  /** $2 next occurrence (null: it fires no more, so it is paused), $3 the latest occurrence enqueued, $4 its job. */
  static final String ADVANCE =
      "UPDATE schedules SET next_run_at = COALESCE($2, next_run_at), "
          + "state = CASE WHEN $2::timestamptz IS NULL THEN 'paused' ELSE state END, "
          + "last_run_at = COALESCE($3, last_run_at), last_job_id = COALESCE($4, last_job_id), updated_at = now() WHERE id = $1";

  private ScheduleSql() {}
}
