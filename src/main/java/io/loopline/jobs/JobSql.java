package io.loopline.jobs;

/** Every statement of the job queue. Parameters are always bound. */
final class JobSql {

  private static final String COLUMNS =
      "id, type, payload, state, attempts, max_attempts, run_at, lease_owner, "
          + "lease_expires_at, last_error, idempotency_key, result, created_at, started_at, finished_at, schedule_id, scheduled_for";

  /** A repeated idempotency key inserts nothing; {@link #BY_KEY} then finds the first job. */
  static final String INSERT =
      "INSERT INTO jobs (type, payload, max_attempts, idempotency_key, run_at) "
          + "VALUES ($1, $2, $3, $4, COALESCE($5, now())) ON CONFLICT (idempotency_key) DO NOTHING RETURNING "
          + COLUMNS;

  static final String BY_KEY = "SELECT " + COLUMNS + " FROM jobs WHERE idempotency_key = $1";
  static final String GET = "SELECT " + COLUMNS + " FROM jobs WHERE id = $1";
  private static final String FILTER =
      " FROM jobs WHERE ($1::text IS NULL OR state = $1) "
          + "AND ($2::text IS NULL OR type = $2) AND ($5::bigint IS NULL OR schedule_id = $5) ";

  /** $1 state, $2 type, $3 after this id, $4 limit, $5 schedule; each filter may be null. */
  static final String LIST =
      "SELECT " + COLUMNS + FILTER + "AND ($3::bigint IS NULL OR id > $3) ORDER BY id LIMIT $4";

  /** As {@link #LIST}, newest first: $3 is the id to continue below. */
  static final String LIST_DESC =
      "SELECT "
          + COLUMNS
          + FILTER
          + "AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT $4";

  /** A job whose runner died on its last attempt has no attempt left: it is dead, not claimed again. */
  static final String BURY_EXPIRED =
      """
      UPDATE jobs SET state = 'dead', last_error = 'lease expired during the last attempt (the runner stopped)',
                      lease_owner = NULL, lease_expires_at = NULL, finished_at = now(), updated_at = now()
      WHERE state = 'running' AND lease_expires_at < now() AND attempts >= max_attempts""";

  /** Due pending jobs and jobs whose lease ran out, oldest first; rows another runner is taking are skipped. */
  static final String CLAIM =
      """
      UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1,
                      lease_expires_at = now() + make_interval(secs => $3 / 1000.0),
                      started_at = COALESCE(started_at, now()), updated_at = now()
      WHERE id IN (
        SELECT id FROM jobs
        WHERE type = ANY($2)
          AND ((state = 'pending' AND run_at <= now()) OR (state = 'running' AND lease_expires_at < now()))
        ORDER BY id LIMIT $4
        FOR UPDATE SKIP LOCKED)
      RETURNING\s"""
          + COLUMNS;

  static final String RENEW =
      "UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $3 / 1000.0) "
          + "WHERE id = ANY($2) AND lease_owner = $1 AND state = 'running' RETURNING id";
  static final String COMPLETE =
      "UPDATE jobs SET state = 'done', result = $3, lease_owner = NULL, lease_expires_at = NULL, "
          + "finished_at = now(), updated_at = now() WHERE id = $1 AND lease_owner = $2 AND state = 'running' RETURNING "
          + COLUMNS;

  /** $5: the failure is final (retrying cannot help): dead at once, whatever attempts are left. */
  static final String FAIL =
      """
      UPDATE jobs SET state = CASE WHEN attempts >= max_attempts OR $5 THEN 'dead' ELSE 'pending' END,
                      run_at = now() + make_interval(secs => $4 / 1000.0), last_error = $3,
                      lease_owner = NULL, lease_expires_at = NULL,
                      finished_at = CASE WHEN attempts >= max_attempts OR $5 THEN now() END, updated_at = now()
      WHERE id = $1 AND lease_owner = $2 AND state = 'running'
      RETURNING\s"""
          + COLUMNS;

  /** A stopping runner's jobs go back at once; the attempt it could not finish is not counted. */
  static final String RELEASE =
      "UPDATE jobs SET state = 'pending', attempts = attempts - 1, run_at = now(), "
          + "lease_owner = NULL, lease_expires_at = NULL, updated_at = now() "
          + "WHERE lease_owner = $1 AND state = 'running' RETURNING id";

  static final String RETRY =
      "UPDATE jobs SET state = 'pending', attempts = 0, run_at = now(), finished_at = NULL, "
          + "updated_at = now() WHERE id = $1 AND state = 'dead' RETURNING "
          + COLUMNS;
  static final String CANCEL =
      "UPDATE jobs SET state = 'cancelled', finished_at = now(), updated_at = now() "
          + "WHERE id = $1 AND state = 'pending' RETURNING "
          + COLUMNS;
  static final String STATE = "SELECT state FROM jobs WHERE id = $1";
  static final String COUNT_BY_STATE = "SELECT state, count(*) FROM jobs GROUP BY state";
  static final String COUNT_BY_TYPE_AND_STATE =
      "SELECT type, state, count(*) FROM jobs GROUP BY type, state";

  /** Dead jobs to act on in bulk: the ids given ($1, or all when null), of type $2 if given, at most $3. */
  private static final String DEAD =
      "SELECT id FROM jobs WHERE state = 'dead' AND ($1::bigint[] IS NULL OR id = ANY($1)) "
          + "AND ($2::text IS NULL OR type = $2) ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED";

  static final String RETRY_DEAD =
      "UPDATE jobs SET state = 'pending', attempts = 0, run_at = now(), finished_at = NULL, "
          + "updated_at = now() WHERE id IN ("
          + DEAD
          + ") RETURNING id";
  static final String DISCARD_DEAD = "DELETE FROM jobs WHERE id IN (" + DEAD + ") RETURNING id";

  private JobSql() {}
}
