package io.loopline.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * What PostgreSQL can store as text: no U+0000 (it refuses {@code text} and {@code jsonb} values holding
 * one) and no unpaired surrogate (it has no UTF-8 form: the client would store {@code ?} in its place).
 * One check for every way in (HTTP, the chat socket, the event bus), run on the event loop: it reads each
 * character once, so it is linear in the input, and builds a pointer only for the value it refuses.
 */
public final class StorableText {

  /** Why a value was refused, after its field name. */
  public static final String REASON =
      "must not contain U+0000 or an unpaired surrogate (PostgreSQL cannot store them)";

  private StorableText() {}

  /** Whether PostgreSQL can store {@code text} exactly as it is. */
  public static boolean storable(String text) {
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      if (c == '\0') {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else {
          return false;
        }
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The JSON pointer (RFC 6901, relative to {@code value}: {@code ""} for the value itself, {@code /text},
   * {@code /tags/2}) of the first string, member name or value, that PostgreSQL cannot store; null when
   * every one can. {@code value} is a JSON value as Vert.x holds it (objects, arrays, maps, lists, scalars).
   */
  public static String firstRefused(Object value) {
    if (value instanceof String text) {
      return storable(text) ? null : "";
    }
    if (value instanceof JsonObject object) {
      return firstRefused(object.getMap());
    }
    if (value instanceof JsonArray array) {
      return firstRefused(array.getList());
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> member : map.entrySet()) {
        String name = String.valueOf(member.getKey());
        if (!storable(name)) {
          return "/" + escape(name);
        }
        String inside = firstRefused(member.getValue());
        if (inside != null) {
          return "/" + escape(name) + inside;
        }
      }
    } else if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        String inside = firstRefused(list.get(i));
        if (inside != null) {
          return "/" + i + inside;
        }
      }
    }
    return null;
  }

  /**
   * The refusal of a bus message's field, in the contract's form for a 400 ({@code "field: reason"}, the
   * field as a dotted path), or null when every text in {@code message} can be stored.
   */
  public static String refusal(JsonObject message) {
    String pointer = firstRefused(message);
    return pointer == null
        ? null
        : printable(pointer.substring(1).replace('/', '.')) + ": " + REASON;
  }

  /** A pointer as it can be shown in an answer or a log line: a NUL in a member name written as its JSON escape. */
  public static String printable(String pointer) {
    return pointer.replace("\0", "\\u0000");
  }

  /** A member name as a pointer segment: {@code ~} and {@code /} escaped. */
  private static String escape(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }
}
