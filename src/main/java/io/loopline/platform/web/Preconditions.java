package io.loopline.platform.web;

/**
 * Entity tags for versioned resources: the ETag of version 7 is {@code "7"}. {@code If-Match} turns into the
 * version a write expects; {@code If-None-Match} decides a 304.
 */
final class Preconditions {

  private Preconditions() {}

  static String etag(int version) {
    return "\"" + version + "\"";
  }

  /** True when {@code If-None-Match} holds {@code *} or the current ETag (weak comparison, as RFC 9110 asks). */
  static boolean noneMatchHits(String header, int version) {
    if (header == null) {
      return false;
    }
    String current = etag(version);
    for (String tag : header.split(",")) {
      String t = tag.trim();
      if (t.equals("*") || t.equals(current) || t.equals("W/" + current)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The version {@code If-Match} requires, or null when there is no condition ({@code *} or no header).
   * A weak or foreign tag can never match (RFC 9110 compares strongly), so the write fails with 412.
   */
  static Integer ifMatchVersion(String header) {
    if (header == null || header.trim().equals("*")) {
      return null;
    }
    String tag = header.trim();
    if (tag.contains(",")) {
      throw Problem.of(400, "If-Match with several ETags is not supported; send one ETag or *")
          .exception();
    }
    if (tag.matches("\"[1-9][0-9]{0,8}\"")) {
      return Integer.parseInt(tag.substring(1, tag.length() - 1));
    }
    throw Problem.of(412, "If-Match " + tag + " does not match the current version").exception();
  }
}
