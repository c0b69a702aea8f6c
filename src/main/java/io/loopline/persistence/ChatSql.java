package io.loopline.persistence;

final class ChatSql {

  /** A batch, as parallel arrays; a message already stored (a retried batch) is skipped. */
  static final String APPEND = """
      INSERT INTO chat_messages (room, seq, id, sender, text, sent_at)
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
      ON CONFLICT (room, seq) DO NOTHING""";

  /** Newest first, older than $2 (or all when null); one more row than asked tells whether a page is before. */
  static final String PAGE = """
      SELECT seq, id, sender, text, sent_at FROM chat_messages
      WHERE room = $1 AND ($2::bigint IS NULL OR seq < $2)
      ORDER BY seq DESC LIMIT $3""";

  private ChatSql() {}
}
