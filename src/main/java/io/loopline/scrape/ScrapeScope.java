package io.loopline.scrape;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Which links of a page a job follows: those on the page's host ({@code "scope": "host"}, the default) or its
 * domain ({@code "domain"}: the host without a leading {@code www.} and every name under it; there is no
 * public-suffix list, so a page on {@code example.co.uk} itself would take in all of {@code co.uk}: name the
 * host), that match one of the {@code include} globs if any are given and none of the {@code exclude} globs.
 * A glob is matched against the whole normalised URL; {@code *} is any run of characters (slashes included),
 * everything else is literal. Matching places each literal piece at its leftmost place after the one before:
 * time bounded by the URL's length times the pattern's, both bounded (2,048 and 500 characters).
 */
final class ScrapeScope {

  static final int MAX_GLOBS = 50;
  static final int MAX_GLOB = 500;

  private final boolean domain;
  private final List<String> include;
  private final List<String> exclude;

  private ScrapeScope(boolean domain, List<String> include, List<String> exclude) {
    this.domain = domain;
    this.include = include;
    this.exclude = exclude;
  }

  /** The scope of a job's options; an {@code IllegalArgumentException} names the bad option. */
  static ScrapeScope of(JsonObject options) {
    Object scope = options.getValue("scope");
    if (scope != null && !"host".equals(scope) && !"domain".equals(scope)) {
      throw new IllegalArgumentException("options.scope: must be host or domain");
    }
    return new ScrapeScope(
        "domain".equals(scope), globs(options, "include"), globs(options, "exclude"));
  }

  private static List<String> globs(JsonObject options, String field) {
    Object value = options.getValue(field);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array) || array.size() > MAX_GLOBS) {
      throw new IllegalArgumentException(
          "options." + field + ": must be a list of at most " + MAX_GLOBS + " globs");
    }
    List<String> globs = new ArrayList<>();
    for (Object glob : array) {
      if (!(glob instanceof String text) || text.isEmpty() || text.length() > MAX_GLOB) {
        throw new IllegalArgumentException(
            "options." + field + ": each glob is a string of 1 to " + MAX_GLOB + " characters");
      }
      globs.add(text);
    }
    return List.copyOf(globs);
  }

  /** The links of {@code page} the job follows, in order. */
  List<String> follow(URI page, List<String> links) {
    String host = page.getHost();
    String base = host.startsWith("www.") ? host.substring(4) : host;
    List<String> out = new ArrayList<>();
    for (String link : links) {
      String to = URI.create(link).getHost();
      boolean inScope = domain ? to.equals(base) || to.endsWith("." + base) : to.equals(host);
      if (inScope
          && (include.isEmpty() || include.stream().anyMatch(g -> matches(g, link)))
          && exclude.stream().noneMatch(g -> matches(g, link))) {
        out.add(link);
      }
    }
    return out;
  }

  /** Whether {@code glob} ({@code *} any run of characters, the rest literal) matches the whole of {@code text}. */
  static boolean matches(String glob, String text) {
    String[] pieces = glob.split("\\*", -1);
    if (pieces.length == 1) {
      return glob.equals(text);
    }
    String first = pieces[0];
    String last = pieces[pieces.length - 1];
    if (!text.startsWith(first) || text.length() < first.length() + last.length()) {
      return false;
    }
    int at = first.length();
    int end = text.length() - last.length();
    for (int i = 1; i < pieces.length - 1; i++) {
      int found = text.indexOf(pieces[i], at);
      if (found < 0 || found + pieces[i].length() > end) {
        return false;
      }
      at = found + pieces[i].length();
    }
    return text.endsWith(last) && at <= end;
  }
}
