package io.loopline.keys;

import io.loopline.contract.ApiKeyFormat;
import io.loopline.platform.bus.Fields;
import io.loopline.platform.bus.StoreFailure;
import io.loopline.platform.db.Cursor;
import io.loopline.platform.db.Database;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** API keys: made with a secret shown once, looked up by the hash of that secret, listed, revoked. */
public final class ApiKeyStore {

  private static final Logger log = LoggerFactory.getLogger(ApiKeyStore.class);
  static final List<String> SCOPES = List.of("read", "write", "admin");
  private static final int NAME_MAX = 100;

  /** A configured admin key must be at least this long, so that it cannot be guessed. */
  static final int CONFIGURED_MIN = 24;

  private final Database db;

  public ApiKeyStore(Database db) {
    this.db = db;
  }

  public Future<JsonObject> create(JsonObject message) {
    Fields.only(message, "", Set.of("name", "scopes"));
    String name = Fields.text(message, "name", NAME_MAX, true);
    String[] scopes = scopes(message);
    String key = ApiKeyFormat.generate();
    return insert(name, scopes, key).map(created -> created.put("key", key));
  }

  public Future<JsonObject> lookup(JsonObject message) {
    Fields.only(message, "", Set.of("hash"));
    String hex = Fields.text(message, "hash", 64, true);
    byte[] hash;
    try {
      hash = HexFormat.of().parseHex(hex);
    } catch (IllegalArgumentException e) {
      throw StoreFailure.invalid("hash: must be the hex SHA-256 of the key");
    }
    return db.run(ApiKeySql.BY_HASH, Tuple.of(Buffer.buffer(hash)))
        .map(
            rows -> {
              if (rows.size() == 0) {
                throw StoreFailure.notFound("no such key");
              }
              Row row = rows.iterator().next();
              return new JsonObject()
                  .put("id", row.getLong("id"))
                  .put("name", row.getString("name"))
                  .put("scopes", new JsonArray(List.of(row.getArrayOfStrings("scopes"))))
                  .put("revoked", row.getOffsetDateTime("revoked_at") != null);
            });
  }

  public Future<JsonObject> list(JsonObject message) {
    Fields.only(message, "", Set.of("limit", "cursor"));
    int limit = Fields.limit(message);
    Cursor after = Cursor.decode(message.getString("cursor"), "id");
    return db.run(ApiKeySql.LIST, Tuple.of(after == null ? null : after.id(), limit + 1))
        .map(rows -> Cursor.page(rows, limit, "keys", "id", ApiKeyStore::toJson, last -> null));
  }

  /** Revoking twice is not an error: the second answer is the key as the first revocation left it. */
  public Future<JsonObject> revoke(JsonObject message) {
    Fields.only(message, "", Set.of("id"));
    long id = Fields.id(message);
    return db.run(ApiKeySql.REVOKE, Tuple.of(id))
        .compose(
            rows ->
                rows.size() == 1
                    ? Future.succeededFuture(toJson(rows.iterator().next()))
                    : db.run(ApiKeySql.GET, Tuple.of(id))
                        .map(
                            existing -> {
                              if (existing.size() == 0) {
                                throw StoreFailure.notFound("no API key " + id);
                              }
                              return toJson(existing.iterator().next());
                            }));
  }

  /**
   * Makes sure an administrator can get in: the configured admin key is stored (unless it was revoked), or,
   * with none configured and no admin key stored, a new one is made and printed once.
   */
  public Future<Void> bootstrap(String configuredKey) {
    if (configuredKey != null && !configuredKey.isEmpty()) {
      if (configuredKey.length() < CONFIGURED_MIN
          || configuredKey.length() > ApiKeyFormat.MAX_LENGTH) {
        return Future.failedFuture(
            new IllegalArgumentException(
                "admin.key (LOOPLINE_ADMIN_KEY) must be "
                    + CONFIGURED_MIN
                    + " to "
                    + ApiKeyFormat.MAX_LENGTH
                    + " characters"));
      }
      return insert("admin (configured)", new String[] {"admin"}, configuredKey).mapEmpty();
    }
    return db.run(ApiKeySql.ACTIVE_ADMIN_EXISTS, Tuple.tuple())
        .compose(
            rows -> {
              if (rows.iterator().next().getBoolean("present")) {
                return Future.succeededFuture();
              }
              String key = ApiKeyFormat.generate();
              return insert("admin (generated at first start)", new String[] {"admin"}, key)
                  .onSuccess(
                      created -> {
                        // Printed, not logged at a level someone might turn off; it is never shown
                        // again.
                        System.out.println(
                            "\n  Loopline made the first admin API key (it is shown only this once):\n\n    "
                                + key
                                + "\n\n  Use it as 'Authorization: Bearer <key>' on /admin/api-keys to make other keys.\n");
                        log.warn(
                            "Generated the first admin API key (id {}), printed on standard output",
                            created.getLong("id"));
                      })
                  .mapEmpty();
            });
  }

  private Future<JsonObject> insert(String name, String[] scopes, String key) {
    Tuple params =
        Tuple.of(name, scopes, Buffer.buffer(ApiKeyFormat.hash(key)), ApiKeyFormat.shown(key));
    return db.run(ApiKeySql.INSERT, params)
        .map(rows -> rows.size() == 1 ? toJson(rows.iterator().next()) : new JsonObject());
  }

  private static String[] scopes(JsonObject message) {
    Object value = message.getValue("scopes");
    if (!(value instanceof JsonArray list) || list.isEmpty()) {
      throw StoreFailure.invalid("scopes: must be a non-empty list of " + SCOPES);
    }
    Set<String> scopes = new LinkedHashSet<>();
    for (Object scope : list) {
      if (!(scope instanceof String text) || !SCOPES.contains(text)) {
        throw StoreFailure.invalid("scopes: each scope is one of " + SCOPES);
      }
      scopes.add(text);
    }
    return scopes.toArray(String[]::new);
  }

  static JsonObject toJson(Row row) {
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("name", row.getString("name"))
        .put("scopes", new JsonArray(List.of(row.getArrayOfStrings("scopes"))))
        .put("prefix", row.getString("prefix"))
        .put("createdAt", Fields.time(row.getOffsetDateTime("created_at")))
        .put("revokedAt", Fields.time(row.getOffsetDateTime("revoked_at")));
  }
}
