package io.loopline.streams;

/** SQL of streams and their records (migration {@code V6__streams.sql}). */
final class StreamSql {

  /**
   * Stores one batch: $1 stream, $2 devices, $3 times, $4 values, $5 attrs (JSON texts or nulls), $6 and $7 the
   * batch's earliest and latest time. The stream's row is created or updated first, under
   * its row lock until the statement commits: its record count hands out the batch's seqs ({@code base + 1 ..
   * base + n}), so a stream's seqs have no gaps and become visible in order. Returns the newest seq.
   */
  static final String APPEND =
      """
      WITH head AS (
        INSERT INTO streams AS s (name, records, first_time, last_time)
        VALUES ($1, cardinality($2::text[]), $6, $7)
        ON CONFLICT (name) DO UPDATE SET records = s.records + EXCLUDED.records,
          first_time = least(s.first_time, EXCLUDED.first_time), last_time = greatest(s.last_time, EXCLUDED.last_time),
          updated_at = now()
        RETURNING s.records - cardinality($2::text[]) AS base
      ), stored AS (
        INSERT INTO stream_records (stream, seq, device, recorded_at, value, attrs)
        SELECT $1, head.base + r.n, r.device, r.t, r.value, r.attrs::jsonb
        FROM head, unnest($2::text[], $3::timestamptz[], $4::float8[], $5::text[]) WITH ORDINALITY AS r(device, t, value, attrs, n)
      )
      SELECT base + cardinality($2::text[]) AS seq FROM head""";

  /** An atomic upload's records wait here, in order ({@code ord}), until it commits; gone with its transaction. */
  static final String STAGING_CREATE =
      """
      CREATE TEMPORARY TABLE ingest_staging (
        ord bigint GENERATED ALWAYS AS IDENTITY, device text NOT NULL, recorded_at timestamptz NOT NULL,
        value double precision NOT NULL, attrs jsonb
      ) ON COMMIT DROP""";

  /** One batch of an atomic upload: $1 devices, $2 times, $3 values, $4 attrs. */
  static final String STAGING_APPEND =
      """
      INSERT INTO ingest_staging (device, recorded_at, value, attrs)
      SELECT r.device, r.t, r.value, r.attrs::jsonb
      FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::text[]) AS r(device, t, value, attrs)""";

  static final String STAGING_SIZE =
      "SELECT count(*) AS n, min(recorded_at) AS first, max(recorded_at) AS last FROM ingest_staging";

  /** Moves an atomic upload's records into stream $1: $2 records from $3 to $4; as {@link #APPEND}, the newest seq. */
  static final String STAGING_COMMIT =
      """
      WITH head AS (
        INSERT INTO streams AS s (name, records, first_time, last_time) VALUES ($1, $2, $3, $4)
        ON CONFLICT (name) DO UPDATE SET records = s.records + EXCLUDED.records,
          first_time = least(s.first_time, EXCLUDED.first_time), last_time = greatest(s.last_time, EXCLUDED.last_time),
          updated_at = now()
        RETURNING s.records - $2 AS base
      ), stored AS (
        INSERT INTO stream_records (stream, seq, device, recorded_at, value, attrs)
        SELECT $1, head.base + staged.ord, staged.device, staged.recorded_at, staged.value, staged.attrs
        FROM head, ingest_staging staged
      )
      SELECT base + $2 AS seq FROM head""";

  /** Streams by name after $1 (or from the first when null), $2 rows. */
  static final String LIST =
      """
      SELECT name, records, first_time, last_time FROM streams
      WHERE ($1::text IS NULL OR name > $1) ORDER BY name LIMIT $2""";

  static final String GET =
      "SELECT name, records, first_time, last_time FROM streams WHERE name = $1";

  /** The newest seq of stream $1 (no row: the stream has none yet). */
  static final String HEAD = "SELECT records FROM streams WHERE name = $1";

  /** Buckets of $5 seconds from the epoch: $1 stream, $2 device, times in [$3, $4). */
  static final String SERIES_DEVICE =
      """
      SELECT date_bin($5::float8 * interval '1 second', recorded_at, 'epoch'::timestamptz) AS bucket,
        count(*) AS n, min(value) AS min, max(value) AS max, avg(value) AS avg
      FROM stream_records WHERE stream = $1 AND device = $2 AND recorded_at >= $3 AND recorded_at < $4
      GROUP BY bucket ORDER BY bucket""";

  /** As {@link #SERIES_DEVICE}, over every device: $1 stream, times in [$2, $3), $4 seconds. */
  static final String SERIES_STREAM =
      """
      SELECT date_bin($4::float8 * interval '1 second', recorded_at, 'epoch'::timestamptz) AS bucket,
        count(*) AS n, min(value) AS min, max(value) AS max, avg(value) AS avg
      FROM stream_records WHERE stream = $1 AND recorded_at >= $2 AND recorded_at < $3
      GROUP BY bucket ORDER BY bucket""";

  private static final String COLUMNS =
      "SELECT seq, device, recorded_at, value, attrs::text AS attrs FROM stream_records ";

  /**
   * One device's records in time order (the btree on stream, device, recorded_at): $1 stream, $2 device, times
   * in [$3, $4), after the position ($5 time, $6 seq), at most $7.
   */
  static final String RECORDS_DEVICE =
      COLUMNS
          + """
      WHERE stream = $1 AND device = $2 AND recorded_at >= $3 AND recorded_at < $4 AND (recorded_at, seq) > ($5, $6)
      ORDER BY recorded_at, seq LIMIT $7""";

  /** A stream's records in seq order (its primary key): $1 stream, times in [$2, $3), seq above $4, at most $5. */
  static final String RECORDS_STREAM =
      COLUMNS
          + """
      WHERE stream = $1 AND recorded_at >= $2 AND recorded_at < $3 AND seq > $4
      ORDER BY seq LIMIT $5""";

  /** The export cursors: as the two above, without the position and the limit. */
  static final String EXPORT_DEVICE =
      COLUMNS
          + """
      WHERE stream = $1 AND device = $2 AND recorded_at >= $3 AND recorded_at < $4 ORDER BY recorded_at, seq""";

  static final String EXPORT_STREAM =
      COLUMNS
          + """
      WHERE stream = $1 AND recorded_at >= $2 AND recorded_at < $3 ORDER BY seq""";

  /**
   * Records of stream $1 after seq $2, in seq order, at most $3, with the stream's newest seq ({@code head}) read
   * in the same snapshot: every record up to {@code head} is visible in it (seqs become visible in order), so a
   * reader that got fewer than $3 has seen everything up to {@code head}. How /live reads on. One row with a
   * null seq when there is nothing after $2; none when the stream does not exist.
   */
  static final String AFTER =
      """
      SELECT h.records AS head, r.seq, r.device, r.recorded_at, r.value, r.attrs FROM streams h
      LEFT JOIN LATERAL (SELECT seq, device, recorded_at, value, attrs::text AS attrs FROM stream_records
        WHERE stream = h.name AND seq > $2 ORDER BY seq LIMIT $3) r ON true
      WHERE h.name = $1 ORDER BY r.seq""";

  /** As {@link #AFTER}, one device ($4) only. */
  static final String AFTER_DEVICE =
      """
      SELECT h.records AS head, r.seq, r.device, r.recorded_at, r.value, r.attrs FROM streams h
      LEFT JOIN LATERAL (SELECT seq, device, recorded_at, value, attrs::text AS attrs FROM stream_records
        WHERE stream = h.name AND seq > $2 AND device = $4 ORDER BY seq LIMIT $3) r ON true
      WHERE h.name = $1 ORDER BY r.seq""";

  private StreamSql() {}
}
