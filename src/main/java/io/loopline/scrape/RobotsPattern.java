package io.loopline.scrape;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One robots.txt path pattern (RFC 9309 section 2.2.3): {@code *} matches any run of characters, a final
 * {@code $} anchors the end, anything else is compared octet by octet from the start of the path. Matching
 * takes time linear in the path and the pattern, whatever they hold: the pattern is cut at its {@code *}s
 * into literal pieces, the first must start the path, each next one is found at its leftmost place after
 * the one before (with Knuth-Morris-Pratt, so no backtracking), and an anchored last piece must end the
 * path. Leftmost placement is enough because a {@code *} can absorb anything a later placement would skip.
 */
final class RobotsPattern {

  private final String text;
  private final boolean anchored;
  private final byte[][] pieces;

  /** KMP failure function of each piece after the first. */
  private final int[][] failures;

  /** {@code pattern}: already in {@link #canonical} form, so ASCII only. */
  RobotsPattern(String pattern) {
    this.text = pattern;
    this.anchored = pattern.endsWith("$");
    String body = anchored ? pattern.substring(0, pattern.length() - 1) : pattern;
    List<String> split = new ArrayList<>();
    int from = 0;
    for (int star = body.indexOf('*'); star >= 0; star = body.indexOf('*', from)) {
      split.add(body.substring(from, star));
      from = star + 1;
    }
    split.add(body.substring(from));
    this.pieces =
        split.stream().map(p -> p.getBytes(StandardCharsets.ISO_8859_1)).toArray(byte[][]::new);
    this.failures = new int[pieces.length][];
    for (int i = 1; i < pieces.length; i++) {
      failures[i] = failure(pieces[i]);
    }
  }

  /** The pattern as written (canonical): its length is its priority. */
  String text() {
    return text;
  }

  /** Whether the pattern matches {@code path} (path and query, in {@link #canonical} form). */
  boolean matches(String path) {
    return matches(path.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** {@code path}: a {@link #canonical} path as bytes (it is ASCII), converted once for all the rules. */
  boolean matches(byte[] path) {
    byte[] first = pieces[0];
    if (pieces.length == 1) {
      return (anchored ? path.length == first.length : path.length >= first.length)
          && startsWith(path, first, 0);
    }
    if (path.length < first.length || !startsWith(path, first, 0)) {
      return false;
    }
    int at = first.length;
    int last = pieces.length - 1;
    for (int i = 1; i < last; i++) {
      int found = find(path, at, pieces[i], failures[i]);
      if (found < 0) {
        return false;
      }
      at = found + pieces[i].length;
    }
    byte[] tail = pieces[last];
    if (anchored) {
      return path.length - tail.length >= at && startsWith(path, tail, path.length - tail.length);
    }
    return find(path, at, tail, failures[last]) >= 0;
  }

  private static boolean startsWith(byte[] s, byte[] piece, int at) {
    for (int i = 0; i < piece.length; i++) {
      if (s[at + i] != piece[i]) {
        return false;
      }
    }
    return true;
  }

  /** Leftmost index of {@code piece} in {@code s} at or after {@code from}, or -1: Knuth-Morris-Pratt. */
  private static int find(byte[] s, int from, byte[] piece, int[] failure) {
    if (piece.length == 0) {
      return from <= s.length ? from : -1;
    }
    int matched = 0;
    for (int i = from; i < s.length; i++) {
      byte c = s[i];
      while (matched > 0 && c != piece[matched]) {
        matched = failure[matched - 1];
      }
      if (c == piece[matched]) {
        matched++;
        if (matched == piece.length) {
          return i - matched + 1;
        }
      }
    }
    return -1;
  }

  private static int[] failure(byte[] piece) {
    int[] f = new int[piece.length];
    int k = 0;
    for (int i = 1; i < piece.length; i++) {
      while (k > 0 && piece[i] != piece[k]) {
        k = f[k - 1];
      }
      if (piece[i] == piece[k]) {
        k++;
      }
      f[i] = k;
    }
    return f;
  }

  /**
   * The form in which patterns and paths are compared (RFC 9309 section 2.2.2): characters outside US-ASCII
   * percent-encoded as UTF-8, percent-escapes in upper case, and escapes of unreserved characters
   * ({@code A-Z a-z 0-9 - . _ ~}) decoded. {@code *} and {@code $} are left alone. A lone surrogate is
   * encoded as U+FFFD.
   */
  static String canonical(String s) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean escape =
          c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0;
      if (c < 0x80 && !escape) {
        if (out != null) {
          out.append(c);
        }
        continue;
      }
      if (out == null) {
        out = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (escape) {
        char decoded = (char) (hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
        if (unreserved(decoded)) {
          out.append(decoded);
        } else {
          out.append('%')
              .append(Character.toUpperCase(s.charAt(i + 1)))
              .append(Character.toUpperCase(s.charAt(i + 2)));
        }
        i += 2;
        continue;
      }
      int end =
          Character.isHighSurrogate(c)
                  && i + 1 < s.length()
                  && Character.isLowSurrogate(s.charAt(i + 1))
              ? i + 2
              : i + 1;
      String character = end == i + 1 && Character.isSurrogate(c) ? "\uFFFD" : s.substring(i, end);
      for (byte b : character.getBytes(StandardCharsets.UTF_8)) {
        out.append('%')
            .append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
            .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
      i = end - 1;
    }
    return out == null ? s : out.toString();
  }

  private static int hex(char c) {
    return c < 0x80 ? Character.digit(c, 16) : -1;
  }

  private static boolean unreserved(char c) {
    return c >= 'A' && c <= 'Z'
        || c >= 'a' && c <= 'z'
        || c >= '0' && c <= '9'
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }

  @Override
  public String toString() {
    return text;
  }
}
