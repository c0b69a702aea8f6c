package io.loopline.scrape;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * What a scrape result may hold as text: a site controls titles, descriptions, body text, links and
 * headers, and PostgreSQL refuses some strings (U+0000 in {@code text} and {@code jsonb}, and a lone
 * surrogate, which JSON encodes as an escape {@code jsonb} cannot read). Every string of a result is
 * cleaned: U+0000 removed, a lone surrogate replaced by U+FFFD; and cut, without splitting a surrogate
 * pair, to a bound in characters (code points) per field: {@link #TITLE}, {@link #DESCRIPTION}, and the
 * others named here; any string not named, at any depth, to {@link #OTHER}. The cleaning counterpart of
 * {@link io.loopline.contract.StorableText}, which refuses such text where clients send it: a site's text
 * is not refused, it is what was fetched.
 */
final class ScrapedText {

  static final int TITLE = 1000;
  static final int DESCRIPTION = 2000;

  /** The page text in a result ({@code scrape.excerptChars} may ask for less). */
  static final int EXCERPT = 10_000;

  /** A URL: a URL the scraper fetches or returns as a link is ASCII and at most this long already. */
  static final int URL = ScrapeUrls.MAX_LENGTH;

  static final int CONTENT_TYPE = 200;

  /** An error's message (it may quote a header or URL the site sent). */
  static final int MESSAGE = 1000;

  /** Any other string, in any field, at any depth. */
  static final int OTHER = 10_000;

  private static final Map<String, Integer> BOUNDS =
      Map.of(
          "title",
          TITLE,
          "description",
          DESCRIPTION,
          "excerpt",
          EXCERPT,
          "url",
          URL,
          "finalUrl",
          URL,
          "contentType",
          CONTENT_TYPE,
          "message",
          MESSAGE,
          "links",
          URL);

  private ScrapedText() {}

  /** Cleans every string of {@code result} in place, with the bound of its field; returns it. */
  static JsonObject result(JsonObject result) {
    for (Map.Entry<String, Object> field : result.getMap().entrySet()) {
      field.setValue(clean(field.getValue(), BOUNDS.getOrDefault(field.getKey(), OTHER)));
    }
    return result;
  }

  /** A cleaned copy of a value below the result (its lists and objects may be immutable). */
  @SuppressWarnings("unchecked")
  private static Object clean(Object value, int bound) {
    if (value instanceof String text) {
      return clean(text, bound);
    }
    if (value instanceof JsonObject || value instanceof Map<?, ?>) {
      JsonObject object =
          value instanceof JsonObject o ? o : new JsonObject((Map<String, Object>) value);
      JsonObject copy = new JsonObject();
      object.forEach(
          field ->
              copy.put(
                  field.getKey(),
                  clean(field.getValue(), BOUNDS.getOrDefault(field.getKey(), OTHER))));
      return copy;
    }
    if (value instanceof JsonArray || value instanceof List<?>) {
      JsonArray array = value instanceof JsonArray a ? a : new JsonArray((List<Object>) value);
      JsonArray copy = new JsonArray();
      array.forEach(item -> copy.add(clean(item, bound)));
      return copy;
    }
    return value;
  }

  /**
   * {@code text} without U+0000, with U+FFFD for each lone surrogate, and at most {@code max} code points
   * long (a pair is never split). The same string when nothing had to change.
   */
  static String clean(String text, int max) {
    if (text == null) {
      return null;
    }
    StringBuilder out = null;
    int codePoints = 0;
    int i = 0;
    while (i < text.length() && codePoints < max) {
      char c = text.charAt(i);
      int width = 1;
      String replacement = null;
      if (c == 0) {
        replacement = "";
      } else if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        width = 2;
      } else if (Character.isSurrogate(c)) {
        replacement = "\uFFFD";
      }
      if (replacement != null && out == null) {
        out = new StringBuilder(text.length()).append(text, 0, i);
      }
      if (out != null) {
        if (replacement != null) {
          out.append(replacement);
        } else {
          out.append(text, i, i + width);
        }
      }
      codePoints += replacement != null && replacement.isEmpty() ? 0 : 1;
      i += width;
    }
    if (out != null) {
      return out.toString();
    }
    return i == text.length() ? text : text.substring(0, i);
  }
}
