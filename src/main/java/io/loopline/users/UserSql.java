package io.loopline.users;

/** Every statement the user store runs. Parameters are always bound. */
final class UserSql {

  private static final String COLUMNS = "id, email, name, version, created_at, updated_at";

  static final String INSERT =
      "INSERT INTO users (email, name) VALUES ($1, $2) RETURNING " + COLUMNS;
  static final String GET = "SELECT " + COLUMNS + " FROM users WHERE id = $1";
  static final String LIST =
      "SELECT "
          + COLUMNS
          + " FROM users WHERE ($1::bigint IS NULL OR id > $1) ORDER BY id LIMIT $2";

  /** Fields left null keep their value; {@code $2} null means unconditional. */
  static final String UPDATE =
      """
      UPDATE users SET email = COALESCE($3, email), name = COALESCE($4, name),
                       version = version + 1, updated_at = now()
      WHERE id = $1 AND ($2::int IS NULL OR version = $2)
      RETURNING\s"""
          + COLUMNS;

  static final String DELETE =
      "DELETE FROM users WHERE id = $1 AND ($2::int IS NULL OR version = $2) RETURNING id";

  /** Tells a missing row (404) from a version mismatch (412) after a conditional write changed nothing. */
  static final String EXISTS = "SELECT version FROM users WHERE id = $1";

  private UserSql() {}
}
