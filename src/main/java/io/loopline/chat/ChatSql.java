package io.loopline.chat;

final class ChatSql {

  /**
   * A batch, as parallel arrays, written only while epoch $7 holds the sequencer's lease: the lease row is
   * read FOR SHARE, so a takeover (which updates it) waits for a write in flight, and a write that comes
   * after it finds no row and stores nothing. A message already stored (a retried batch) is skipped.
   */
  static final String APPEND =
      """
      WITH lease AS (SELECT epoch FROM chat_sequencer WHERE epoch = $7 FOR SHARE),
      stored AS (
        INSERT INTO chat_messages (room, seq, id, sender, text, sent_at)
        SELECT m.* FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS m
        CROSS JOIN lease
        ON CONFLICT (room, seq) DO NOTHING RETURNING 1)
      SELECT (SELECT count(*) FROM lease) AS leading, (SELECT count(*) FROM stored) AS stored""";

  /**
   * Newest first, older than $2 and newer than $4 (either may be null); one more row than asked tells
   * whether a page is before.
   */
  static final String PAGE =
      """
      SELECT seq, id, sender, text, sent_at FROM chat_messages
      WHERE room = $1 AND ($2::bigint IS NULL OR seq < $2) AND ($4::bigint IS NULL OR seq > $4)
      ORDER BY seq DESC LIMIT $3""";

  /**
   * Takes the lease for holder $1 for $2 ms if nobody holds it or its holder let it expire, raising the epoch.
   * Returns nothing when another holder's lease still runs.
   */
  static final String LEASE_TAKE =
      """
      INSERT INTO chat_sequencer AS s (id, epoch, holder, last_seq, expires_at)
      VALUES (true, 1, $1, 0, now() + make_interval(secs => $2 / 1000.0))
      ON CONFLICT (id) DO UPDATE SET epoch = s.epoch + 1, holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
      WHERE s.expires_at < now()
      RETURNING epoch, last_seq""";

  /** Who holds the lease, and for how long still (ms). */
  static final String LEASE_HOLDER =
      """
      SELECT holder, epoch, greatest(0, extract(epoch FROM expires_at - now()) * 1000)::bigint AS remaining_ms
      FROM chat_sequencer""";

  /** The highest seq stored: run after LEASE_TAKE in its transaction, so every write of an older epoch is either in it or refused. */
  static final String LAST_STORED = "SELECT coalesce(max(seq), 0) AS seq FROM chat_messages";

  /** Extends the lease of epoch $1 held by $2 by $3 ms and records the last seq given ($4); nothing when the epoch is over. */
  static final String LEASE_RENEW =
      """
      UPDATE chat_sequencer SET expires_at = now() + make_interval(secs => $3 / 1000.0), last_seq = greatest(last_seq, $4)
      WHERE epoch = $1 AND holder = $2 RETURNING epoch""";

  /** Gives the lease of epoch $1 up at once (a clean stop), recording the last seq given ($2). */
  static final String LEASE_RELEASE =
      """
      UPDATE chat_sequencer SET expires_at = now() - interval '1 millisecond', last_seq = greatest(last_seq, $2)
      WHERE epoch = $1 RETURNING epoch""";

  private ChatSql() {}
}
