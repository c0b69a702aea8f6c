package io.loopline.keys;

/** Every statement on API keys. Parameters are always bound. */
final class ApiKeySql {

  private static final String COLUMNS = "id, name, scopes, prefix, created_at, revoked_at";

  static final String INSERT =
      "INSERT INTO api_keys (name, scopes, key_hash, prefix) VALUES ($1, $2, $3, $4) "
          + "ON CONFLICT (key_hash) DO NOTHING RETURNING "
          + COLUMNS;
  static final String BY_HASH = "SELECT " + COLUMNS + " FROM api_keys WHERE key_hash = $1";
  static final String GET = "SELECT " + COLUMNS + " FROM api_keys WHERE id = $1";
  static final String LIST =
      "SELECT "
          + COLUMNS
          + " FROM api_keys WHERE ($1::bigint IS NULL OR id > $1) ORDER BY id LIMIT $2";
  static final String REVOKE =
      "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING "
          + COLUMNS;
  static final String ACTIVE_ADMIN_EXISTS =
      "SELECT EXISTS (SELECT 1 FROM api_keys WHERE 'admin' = ANY(scopes) AND revoked_at IS NULL) AS present";

  private ApiKeySql() {}
}
