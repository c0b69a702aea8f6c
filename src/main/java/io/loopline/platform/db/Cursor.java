package io.loopline.platform.db;

import io.loopline.platform.bus.StoreFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Function;

/**
 * Keyset-pagination position: the sort, the sort key and the id of the last row a page showed, opaque to
 * clients (base64url of a small JSON object). A page continues strictly after it, so concurrent inserts
 * never make a row appear twice.
 */
public record Cursor(String sort, Object key, long id) {

  /**
   * One page of a listing queried for {@code limit + 1} rows: the first {@code limit} as JSON under
   * {@code field}, and {@code next}, the cursor after the last of them, when the extra row shows there is more.
   */
  public static JsonObject page(
      RowSet<Row> rows,
      int limit,
      String field,
      String sort,
      Function<Row, JsonObject> toJson,
      Function<JsonObject, Object> sortKey) {
    JsonArray page = new JsonArray();
    String next = null;
    for (Row row : rows) {
      if (page.size() == limit) {
        JsonObject last = page.getJsonObject(limit - 1);
        next = new Cursor(sort, sortKey.apply(last), last.getLong("id")).encode();
        break;
      }
      page.add(toJson.apply(row));
    }
    return new JsonObject().put(field, page).put("next", next);
  }

  public String encode() {
    JsonObject json = new JsonObject().put("s", sort).put("k", key).put("i", id);
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** Reads a cursor made for {@code sort}; anything else is a 400. */
  public static Cursor decode(String text, String sort) {
    if (text == null) {
      return null;
    }
    try {
      JsonObject json =
          new JsonObject(new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8));
      Cursor cursor = new Cursor(json.getString("s"), json.getValue("k"), json.getLong("i"));
      if (!sort.equals(cursor.sort())) {
        throw StoreFailure.invalid(
            "cursor: was made for sort '" + cursor.sort() + "', not '" + sort + "'");
      }
      return cursor;
    } catch (StoreFailure e) {
      throw e;
    } catch (RuntimeException e) {
      throw StoreFailure.invalid("cursor: is malformed; use the 'next' value of a previous page");
    }
  }
}
