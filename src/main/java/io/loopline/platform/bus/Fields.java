package io.loopline.platform.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks of event-bus messages. HTTP requests are validated by the OpenAPI contract before they get here;
 * services on the bus are checked here, with the same limits, so nothing invalid is ever stored.
 */
public final class Fields {

  public static final int NAME_MAX = 200;
  public static final int DESCRIPTION_MAX = 2000;
  static final int EMAIL_MAX = 254;
  static final int TAGS_MAX = 20;
  public static final int TAG_MAX = 40;
  static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");
  public static final Pattern TAG = Pattern.compile("^[a-z0-9][a-z0-9-]*$");

  /** Up to ten digits before the point (numeric(12,2)) and at most two after. */
  static final Pattern PRICE = Pattern.compile("^(0|[1-9][0-9]{0,9})(\\.[0-9]{1,2})?$");

  private Fields() {}

  public static JsonObject object(JsonObject message, String field) {
    Object value = message.getValue(field);
    if (!(value instanceof JsonObject object)) {
      throw StoreFailure.invalid(field + ": must be an object");
    }
    return object;
  }

  public static long id(JsonObject message) {
    return id(message, "id");
  }

  /** A positive integer id in {@code field}. */
  public static long id(JsonObject message, String field) {
    Long id = wholeNumber(message.getValue(field), 1, Long.MAX_VALUE);
    if (id == null) {
      throw StoreFailure.invalid(field + ": must be a positive integer");
    }
    return id;
  }

  /**
   * {@code value} as a whole number from {@code min} to {@code max}, or null when it is anything else: not a
   * number, a fraction ({@code 1.5}), out of range. A JSON number may arrive as any {@link Number}
   * ({@code 2.0} as a Double), so it counts as whole when its value survives the trip to a long.
   */
  public static Long wholeNumber(Object value, long min, long max) {
    if (value instanceof Number n
        && n.doubleValue() == n.longValue()
        && n.longValue() >= min
        && n.longValue() <= max) {
      return n.longValue();
    }
    return null;
  }

  /** The version a conditional write expects, or null for an unconditional one. */
  public static Integer ifVersion(JsonObject message) {
    Object value = message.getValue("ifVersion");
    if (value == null) {
      return null;
    }
    Long version = wholeNumber(value, 1, Integer.MAX_VALUE);
    if (version == null) {
      throw StoreFailure.invalid("ifVersion: must be a positive integer");
    }
    return version.intValue();
  }

  public static String text(JsonObject object, String field, int max, boolean required) {
    Object value = object.getValue(field);
    if (value == null) {
      if (required) {
        throw StoreFailure.invalid(field + ": is required");
      }
      return null;
    }
    if (!(value instanceof String text) || text.isBlank() || text.length() > max) {
      throw StoreFailure.invalid(
          field + ": must be a non-blank string of at most " + max + " characters");
    }
    return text;
  }

  public static String email(JsonObject object, boolean required) {
    String email = text(object, "email", EMAIL_MAX, required);
    if (email != null && !EMAIL.matcher(email).matches()) {
      throw StoreFailure.invalid("email: is not an email address");
    }
    return email;
  }

  /** A price given as a decimal string ("12.50"), never a float. */
  public static BigDecimal price(Object value, String field, boolean required) {
    if (value == null) {
      if (required) {
        throw StoreFailure.invalid(field + ": is required");
      }
      return null;
    }
    if (!(value instanceof String text) || !PRICE.matcher(text).matches()) {
      throw StoreFailure.invalid(
          field + ": must be a decimal string with at most 2 places, 0 to 9999999999.99");
    }
    return new BigDecimal(text).setScale(2);
  }

  public static String[] tags(JsonObject object, boolean required) {
    Object value = object.getValue("tags");
    if (value == null) {
      return required ? new String[0] : null;
    }
    if (!(value instanceof JsonArray array) || array.size() > TAGS_MAX) {
      throw StoreFailure.invalid("tags: must be a list of at most " + TAGS_MAX + " tags");
    }
    Set<String> tags = new LinkedHashSet<>();
    for (Object tag : array) {
      if (!(tag instanceof String text)
          || text.length() > TAG_MAX
          || !TAG.matcher(text).matches()) {
        throw StoreFailure.invalid(
            "tags: each tag is 1 to " + TAG_MAX + " characters of a-z, 0-9 and '-'");
      }
      tags.add(text);
    }
    return tags.toArray(String[]::new);
  }

  public static int limit(JsonObject message) {
    Object value = message.getValue("limit");
    if (value == null) {
      return 50;
    }
    Long limit = wholeNumber(value, 1, 200);
    if (limit == null) {
      throw StoreFailure.invalid("limit: must be an integer from 1 to 200");
    }
    return limit.intValue();
  }

  /** A job's attempt limit in {@code field}: an integer from 1 to 100. */
  public static int attempts(Object value, String field) {
    Long attempts = wholeNumber(value, 1, 100);
    if (attempts == null) {
      throw StoreFailure.invalid(field + ": must be an integer from 1 to 100");
    }
    return attempts.intValue();
  }

  /** An RFC 3339 time with an offset ({@code 2026-12-01T10:00:00Z}) in {@code field}, or null when absent. */
  public static OffsetDateTime instant(JsonObject message, String field) {
    Object value = message.getValue(field);
    if (value == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse((String) value, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    } catch (ClassCastException | java.time.format.DateTimeParseException e) {
      throw StoreFailure.invalid(
          field + ": must be an RFC 3339 time with an offset, e.g. 2026-12-01T10:00:00Z");
    }
  }

  /** RFC 3339 in UTC, seconds always present ({@code OffsetDateTime.toString()} drops zero seconds). */
  public static String time(OffsetDateTime time) {
    return time == null ? null : DateTimeFormatter.ISO_INSTANT.format(time.toInstant());
  }

  /** The {@code changes} of a merge update: an object of known fields, at least one of them. */
  public static JsonObject changes(JsonObject message, Set<String> known) {
    JsonObject changes = object(message, "changes");
    only(changes, "changes.", known);
    if (changes.isEmpty()) {
      throw StoreFailure.invalid("changes: name at least one field to change");
    }
    return changes;
  }

  /** Refuses fields the operation does not know, so a typo is an error rather than a silent no-op. */
  public static void only(JsonObject object, String where, Set<String> known) {
    for (String field : object.fieldNames()) {
      if (!known.contains(field)) {
        throw StoreFailure.invalid(where + field + ": is not a known field");
      }
    }
  }
}
