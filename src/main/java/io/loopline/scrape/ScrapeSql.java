package io.loopline.scrape;

/** Every statement of scrape jobs and their pages. Parameters are always bound. */
final class ScrapeSql {

  static final String JOB_COLUMNS =
      "id, state, options, max_pages, total, done, failed, created_at, started_at, "
          + "finished_at, now() AS now";
  static final String PAGE_COLUMNS =
      "id, job_id, url, depth, state, attempts, result, finished_at, seq";

  static final String INSERT_JOB =
      "INSERT INTO scrape_jobs (options, max_pages, total, failed, last_seq, state, finished_at) "
          + "VALUES ($1, $2::int, $3::int, $4::int, $4::int, CASE WHEN $4::int >= $3::int THEN 'done' ELSE 'pending' END, "
          + "CASE WHEN $4::int >= $3::int THEN now() END) "
          + "RETURNING "
          + JOB_COLUMNS;
  static final String INSERT_SEEDS =
      "INSERT INTO scrape_pages (job_id, url) "
          + "SELECT $1, u FROM unnest($2::text[]) WITH ORDINALITY AS t(u, o) ORDER BY o ON CONFLICT (job_id, url) DO NOTHING";

  /** URLs that could not be normalised are stored at once as failed pages, with the reason: the job's first seqs. */
  static final String INSERT_INVALID =
      "INSERT INTO scrape_pages (job_id, url, state, result, finished_at, seq) "
          + "SELECT $1, u, 'failed', r::json, now(), n FROM unnest($2::text[], $3::jsonb[]) WITH ORDINALITY AS t(u, r, n) "
          + "ON CONFLICT (job_id, url) DO NOTHING";

  static final String GET_JOB = "SELECT " + JOB_COLUMNS + " FROM scrape_jobs WHERE id = $1";

  /** Newest first: $1 state or null, $2 continue below this id or null, $3 limit. */
  static final String LIST_JOBS =
      "SELECT "
          + JOB_COLUMNS
          + " FROM scrape_jobs WHERE ($1::text IS NULL OR state = $1) "
          + "AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3";

  static final String PAGES =
      "SELECT "
          + PAGE_COLUMNS
          + " FROM scrape_pages WHERE job_id = $1 "
          + "AND ($2::text IS NULL OR state = $2) AND ($3::bigint IS NULL OR id > $3) ORDER BY id LIMIT $4";

  /**
   * A chunk of a job's export, in id order after $3: NDJSON lines built by PostgreSQL from the stored JSON text
   * (the results are not parsed on the way), and the fields of a CSV row. $2 state or null, $4 limit.
   */
  static final String EXPORT =
      "WITH chunk AS (SELECT id FROM scrape_pages WHERE job_id = $1 "
          + "AND ($2::text IS NULL OR state = $2) AND id > $3 ORDER BY id LIMIT $4) "
          + "SELECT p.id, json_build_object('id', p.id, 'url', p.url, 'depth', p.depth, 'state', p.state, 'seq', p.seq, "
          + "'finishedAt', p.finished_at, 'result', p.result)::text AS line, p.url, p.depth, p.state, p.seq, p.finished_at, "
          + "p.result->>'status' AS status, p.result->>'finalUrl' AS final_url, p.result->>'title' AS title, "
          + "p.result->>'description' AS description, p.result->>'canonical' AS canonical, "
          + "p.result->>'linkCount' AS link_count, p.result->'error'->>'code' AS error, (p.result->'fields')::text AS fields "
          + "FROM chunk JOIN scrape_pages p ON p.id = chunk.id ORDER BY p.id";

  /** Pending pages, and pages whose lease ran out, of live jobs, oldest first; rows another runner takes are skipped. */
  static final String CLAIM =
      """
      WITH claimed AS (
        UPDATE scrape_pages SET state = 'running', attempts = attempts + 1, lease_owner = $1,
                                lease_expires_at = now() + make_interval(secs => $3 / 1000.0)
        WHERE id IN (
          SELECT p.id FROM scrape_pages p JOIN scrape_jobs j ON j.id = p.job_id
          WHERE j.state IN ('pending', 'running')
            AND (p.state = 'pending' OR (p.state = 'running' AND p.lease_expires_at < now()))
          ORDER BY p.id LIMIT $2
          FOR UPDATE OF p SKIP LOCKED)
        RETURNING id, job_id, url, depth, attempts),
      started AS (
        UPDATE scrape_jobs SET state = 'running', started_at = now(), updated_at = now()
        WHERE id IN (SELECT job_id FROM claimed) AND state = 'pending')
      SELECT c.id, c.job_id, c.url, c.depth, c.attempts, j.options
      FROM claimed c JOIN scrape_jobs j ON j.id = c.job_id ORDER BY c.id""";

  static final String RENEW =
      "UPDATE scrape_pages SET lease_expires_at = now() + make_interval(secs => $3 / 1000.0) "
          + "WHERE id = ANY($2) AND lease_owner = $1 AND state = 'running' RETURNING id";

  /** A stopping runner's pages go back at once; the attempt it could not finish is not counted. */
  static final String RELEASE =
      "UPDATE scrape_pages SET state = 'pending', attempts = attempts - 1, lease_owner = NULL, "
          + "lease_expires_at = NULL WHERE lease_owner = $1 AND state = 'running'";

  /** Whether a page exists: a completion that changed nothing is 404 without it, 409 (lease lost) with it. */
  static final String PAGE_EXISTS = "SELECT 1 FROM scrape_pages WHERE id = $1";

  /** First statement of a completion: the job row is locked, so one job's completions count (and take seqs) one at a time. */
  static final String LOCK_JOB_OF_PAGE =
      "SELECT j.id, j.state, j.max_pages, j.total, j.last_seq FROM scrape_jobs j "
          + "JOIN scrape_pages p ON p.job_id = j.id WHERE p.id = $1 FOR UPDATE OF j";

  static final String FINISH_PAGE =
      "UPDATE scrape_pages SET state = $3, result = $4, finished_at = now(), seq = $5, "
          + "lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND lease_owner = $2 AND state = 'running' "
          + "RETURNING "
          + PAGE_COLUMNS;

  /** Links to follow, new to the job, up to its page limit (a fresh snapshot under the job's lock). */
  static final String INSERT_LINKS =
      "INSERT INTO scrape_pages (job_id, url, depth) "
          + "SELECT $1, t.u, $3::int FROM unnest($2::text[]) WITH ORDINALITY AS t(u, o) "
          + "WHERE NOT EXISTS (SELECT 1 FROM scrape_pages p WHERE p.job_id = $1 AND p.url = t.u) "
          + "ORDER BY t.o LIMIT $4 ON CONFLICT (job_id, url) DO NOTHING RETURNING id";

  static final String COUNT_PAGE =
      """
      UPDATE scrape_jobs SET done = done + $2::int, failed = failed + $3::int, total = total + $4::int, last_seq = $5,
        state = CASE WHEN done + $2::int + failed + $3::int >= total + $4::int THEN 'done' ELSE state END,
        finished_at = CASE WHEN done + $2::int + failed + $3::int >= total + $4::int THEN now() END, updated_at = now()
      WHERE id = $1 RETURNING\s"""
          + JOB_COLUMNS;

  /**
   * Completions of one job's pages with no links to add, in one statement: the job row is locked first
   * (the pages' seqs follow its {@code last_seq}) and counted once for the batch (one job per batch, so two
   * batches never wait on each other's job rows). The results come as JSON text ($5, beside the ids $3 and
   * states $4) and are stored as they are; they are not read back: the caller has them.
   */
  static final String FINISH_LEAVES =
      """
      WITH job_lock AS (
        SELECT id, last_seq FROM scrape_jobs WHERE id = $1 FOR UPDATE),
      input AS (
        SELECT i.id, i.state, i.result::json AS result, row_number() OVER (ORDER BY i.id) AS n
        FROM unnest($3::bigint[], $4::text[], $5::text[]) AS i(id, state, result)),
      page AS (
        UPDATE scrape_pages p SET state = i.state, result = i.result, finished_at = now(), lease_owner = NULL,
                                  lease_expires_at = NULL, seq = l.last_seq + i.n
        FROM input i, job_lock l WHERE p.id = i.id AND p.job_id = $1 AND p.lease_owner = $2 AND p.state = 'running'
        RETURNING p.id AS page_id, p.job_id AS page_job_id, p.url AS page_url, p.depth AS page_depth,
                  p.state AS page_state, p.attempts AS page_attempts, NULL::json AS page_result,
                  p.finished_at AS page_finished_at, p.seq AS page_seq),
      counted AS (
        SELECT count(*) FILTER (WHERE page_state = 'done') AS done_n,
               count(*) FILTER (WHERE page_state = 'failed') AS failed_n, max(page_seq) AS last_seq FROM page),
      job AS (
        UPDATE scrape_jobs j SET done = j.done + c.done_n, failed = j.failed + c.failed_n, last_seq = c.last_seq,
          state = CASE WHEN j.done + c.done_n + j.failed + c.failed_n >= j.total THEN 'done' ELSE j.state END,
          finished_at = CASE WHEN j.done + c.done_n + j.failed + c.failed_n >= j.total THEN now() END,
          updated_at = now()
        FROM counted c WHERE j.id = $1 AND c.done_n + c.failed_n > 0
        RETURNING j.id, j.state, j.options, j.max_pages, j.total, j.done, j.failed, j.created_at, j.started_at,
                  j.finished_at, now() AS now)
      SELECT job.*, page.* FROM page CROSS JOIN job ORDER BY page.page_id""";

  /**
   * A completion with no links to add, in one pipelined statement: the job row is locked first (the page's
   * seq follows its {@code last_seq}) and, under READ COMMITTED, the lock and the counter update see the
   * latest row, so no transaction is needed.
   */
  static final String FINISH_LEAF =
      """
      WITH job_lock AS (
        SELECT j.id, j.last_seq FROM scrape_jobs j JOIN scrape_pages p ON p.job_id = j.id
        WHERE p.id = $1 AND p.lease_owner = $2 AND p.state = 'running' FOR UPDATE OF j),
      page AS (
        UPDATE scrape_pages p SET state = $3, result = $4, finished_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                                  seq = l.last_seq + 1
        FROM job_lock l
        WHERE p.id = $1 AND p.lease_owner = $2 AND p.state = 'running'
        RETURNING p.id AS page_id, p.job_id AS page_job_id, p.url AS page_url, p.depth AS page_depth,
                  p.state AS page_state, p.attempts AS page_attempts, p.result AS page_result,
                  p.finished_at AS page_finished_at, p.seq AS page_seq)
      UPDATE scrape_jobs SET last_seq = page.page_seq, done = done + CASE WHEN page.page_state = 'done' THEN 1 ELSE 0 END,
        failed = failed + CASE WHEN page.page_state = 'failed' THEN 1 ELSE 0 END,
        state = CASE WHEN done + failed + 1 >= total THEN 'done' ELSE scrape_jobs.state END,
        finished_at = CASE WHEN done + failed + 1 >= total THEN now() END, updated_at = now()
      FROM page WHERE scrape_jobs.id = page.page_job_id
      RETURNING scrape_jobs.id, scrape_jobs.state, options, max_pages, total, done, failed, created_at, started_at,
                scrape_jobs.finished_at, now() AS now, page.*""";

  static final String CANCEL_JOB =
      "UPDATE scrape_jobs SET state = 'cancelled', finished_at = now(), updated_at = now() "
          + "WHERE id = $1 AND state IN ('pending', 'running') RETURNING "
          + JOB_COLUMNS;

  /** A job and the last seq it gave, for its event stream. */
  static final String EVENTS_JOB =
      "SELECT " + JOB_COLUMNS + ", last_seq FROM scrape_jobs WHERE id = $1";

  /** The job's pages stored after seq $2, in seq order. */
  static final String EVENT_PAGES =
      "SELECT "
          + PAGE_COLUMNS
          + " FROM scrape_pages WHERE job_id = $1 AND seq > $2 "
          + "ORDER BY seq LIMIT $3";

  static final String CANCEL_PAGES =
      "UPDATE scrape_pages SET state = 'cancelled', lease_owner = NULL, "
          + "lease_expires_at = NULL, finished_at = now() WHERE job_id = $1 AND state IN ('pending', 'running')";

  private ScrapeSql() {}
}
