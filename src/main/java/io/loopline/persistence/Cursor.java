package io.loopline.persistence;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Keyset-pagination position: the sort, the sort key and the id of the last row a page showed, opaque to
 * clients (base64url of a small JSON object). A page continues strictly after it, so concurrent inserts
 * never make a row appear twice.
 */
record Cursor(String sort, Object key, long id) {

  String encode() {
    JsonObject json = new JsonObject().put("s", sort).put("k", key).put("i", id);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** Reads a cursor made for {@code sort}; anything else is a 400. */
  static Cursor decode(String text, String sort) {
    if (text == null) {
      return null;
    }
    try {
      JsonObject json = new JsonObject(new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8));
      Cursor cursor = new Cursor(json.getString("s"), json.getValue("k"), json.getLong("i"));
      if (!sort.equals(cursor.sort())) {
        throw StoreFailure.invalid("cursor: was made for sort '" + cursor.sort() + "', not '" + sort + "'");
      }
      return cursor;
    } catch (StoreFailure e) {
      throw e;
    } catch (RuntimeException e) {
      throw StoreFailure.invalid("cursor: is malformed; use the 'next' value of a previous page");
    }
  }
}
