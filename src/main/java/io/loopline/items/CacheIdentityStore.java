package io.loopline.items;

import io.loopline.platform.db.Database;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity the item cache binds its entries to: this server's system identifier (from
 * {@code pg_control_system()}, when the role may call it), the database's name and oid, the oid of the
 * {@code cache_identity} table (a restore that recreates the tables gives a new one), and the table's token
 * and generation. Two databases never share an identity; a restored one gets a new one at the latest when an
 * operator bumps the generation.
 */
public final class CacheIdentityStore {

  private static final String PARTS =
      """
      SELECT current_database() AS database,
             (SELECT oid FROM pg_database WHERE datname = current_database())::bigint AS database_oid,
             'cache_identity'::regclass::oid::bigint AS table_oid,
             token::text AS token, generation
      FROM cache_identity""";
  private static final String SYSTEM =
      "SELECT system_identifier::text AS system FROM pg_control_system()";
  private static final String BUMP =
      "UPDATE cache_identity SET generation = generation + 1 RETURNING generation";

  private final Database db;

  /** Null until asked; "" when this role may not read it (the other parts still tell databases apart). */
  private String system;

  public CacheIdentityStore(Database db) {
    this.db = db;
  }

  /** {@code {"identity": 16 hex digits, "generation", "database"}}. */
  public Future<JsonObject> get(JsonObject ignored) {
    return system()
        .compose(
            sys -> db.run(PARTS, Tuple.tuple()).map(rows -> identity(sys, rows.iterator().next())));
  }

  /** After a restore: a new generation, so no entry cached before it is read again. Answers the new identity. */
  public Future<JsonObject> bump(JsonObject ignored) {
    return db.run(BUMP, Tuple.tuple()).compose(rows -> get(ignored));
  }

  private Future<String> system() {
    if (system != null) {
      return Future.succeededFuture(system);
    }
    return db.run(SYSTEM, Tuple.tuple())
        .map(rows -> rows.iterator().next().getString("system"))
        // Only a refusal counts as "may not read it": any other failure must not change the
        // identity.
        .recover(
            e ->
                e instanceof PgException pg && "42501".equals(pg.getSqlState())
                    ? Future.succeededFuture("")
                    : Future.failedFuture(e))
        .onSuccess(s -> system = s);
  }

  private static JsonObject identity(String system, Row row) {
    String parts =
        String.join(
            "/",
            system,
            row.getString("database"),
            row.getLong("database_oid").toString(),
            row.getLong("table_oid").toString(),
            row.getString("token"),
            row.getLong("generation").toString());
    return new JsonObject()
        .put("identity", sha256(parts).substring(0, 16))
        .put("generation", row.getLong("generation"))
        .put("database", row.getString("database"));
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
