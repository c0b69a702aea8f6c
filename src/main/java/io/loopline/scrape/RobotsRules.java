package io.loopline.scrape;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rules of one robots.txt for one crawler (RFC 9309, as Google's parser reads it). Groups start with
 * one or more {@code User-agent} lines; every group naming our product token (case-insensitive) is obeyed,
 * combined, else every {@code *} group; a group naming us with no rules allows everything. The longest
 * matching {@code Allow} or {@code Disallow} pattern wins, {@code Allow} on a tie, and no match allows.
 * {@code Crawl-delay} (seconds, fractions allowed) of the obeyed groups is kept, the largest if several.
 *
 * <p>Hostile files are bounded: {@link #MAX_RULES} rules are kept per kind of group (ours, {@code *}), a
 * pattern longer than {@link #MAX_PATTERN} characters is dropped (no URL we fetch is that long, so it could
 * match nothing), and matching is linear ({@link RobotsPattern}). The caller bounds the file's size.
 */
final class RobotsRules {

  /** Rules kept for our groups, and for the {@code *} groups; later ones are ignored. */
  static final int MAX_RULES = 1000;

  /** Longest pattern kept: the longest URL the scraper fetches ({@link ScrapeUrls#MAX_LENGTH}). */
  static final int MAX_PATTERN = ScrapeUrls.MAX_LENGTH;

  static final RobotsRules ALLOW_ALL = new RobotsRules(List.of(), 0);
  static final RobotsRules DISALLOW_ALL =
      new RobotsRules(List.of(new Rule(false, new RobotsPattern("/"))), 0);

  private record Rule(boolean allow, RobotsPattern pattern) {}

  /** The rules and crawl delay of one kind of group (ours or {@code *}) while the file is read. */
  private static final class Groups {
    final List<Rule> rules = new ArrayList<>();
    long crawlDelayMs;
    boolean seen;

    void add(Rule rule) {
      if (rules.size() < MAX_RULES) {
        rules.add(rule);
      }
    }
  }

  private final List<Rule> rules;
  private final long crawlDelayMs;

  private RobotsRules(List<Rule> rules, long crawlDelayMs) {
    this.rules = rules;
    this.crawlDelayMs = crawlDelayMs;
  }

  /** {@code agent}: the product token of our User-Agent, e.g. {@code loopline}. */
  static RobotsRules parse(String text, String agent) {
    Groups mine = new Groups();
    Groups any = new Groups();
    // The groups the lines being read belong to: set by User-agent lines, ended by the next
    // User-agent
    // line that follows a rule.
    boolean forMe = false;
    boolean forAny = false;
    boolean inRules = false;
    int lineStart = 0;
    while (lineStart < text.length()) {
      int lineEnd = lineEnd(text, lineStart);
      String line = text.substring(lineStart, lineEnd);
      lineStart =
          lineEnd < text.length()
                  && text.charAt(lineEnd) == '\r'
                  && lineEnd + 1 < text.length()
                  && text.charAt(lineEnd + 1) == '\n'
              ? lineEnd + 2
              : lineEnd + 1;
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String field = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      switch (field) {
        case "user-agent" -> {
          if (inRules) {
            forMe = false;
            forAny = false;
            inRules = false;
          }
          if (value.startsWith("*")) {
            forAny = true;
            any.seen = true;
          } else if (!agent.isEmpty() && productToken(value).equalsIgnoreCase(agent)) {
            forMe = true;
            mine.seen = true;
          }
        }
        case "allow", "disallow" -> {
          inRules = true;
          String pattern = RobotsPattern.canonical(value);
          if (pattern.isEmpty() || pattern.length() > MAX_PATTERN || !forMe && !forAny) {
            continue;
          }
          Rule rule = new Rule(field.equals("allow"), new RobotsPattern(pattern));
          if (forMe) {
            mine.add(rule);
          }
          if (forAny) {
            any.add(rule);
          }
        }
        case "crawl-delay" -> {
          inRules = true;
          long delay = delayMs(value);
          if (forMe) {
            mine.crawlDelayMs = Math.max(mine.crawlDelayMs, delay);
          }
          if (forAny) {
            any.crawlDelayMs = Math.max(any.crawlDelayMs, delay);
          }
        }
        default -> {} // sitemap and unknown lines neither end a group nor belong to one
      }
    }
    Groups obeyed = mine.seen ? mine : any;
    return new RobotsRules(List.copyOf(obeyed.rules), obeyed.crawlDelayMs);
  }

  /** The index of the first line break at or after {@code from} ({@code \n}, {@code \r} or both), or the end. */
  private static int lineEnd(String text, int from) {
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n' || c == '\r') {
        return i;
      }
    }
    return text.length();
  }

  /** The name a User-agent line gives: its leading letters, {@code _} and {@code -} ({@code Googlebot/2.1} is {@code Googlebot}). */
  static String productToken(String value) {
    int end = 0;
    while (end < value.length()) {
      char c = value.charAt(end);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-')) {
        break;
      }
      end++;
    }
    return value.substring(0, end);
  }

  /** Crawl-delay in milliseconds; 0 when it is not a non-negative number of seconds. */
  private static long delayMs(String value) {
    try {
      double seconds = Double.parseDouble(value);
      return seconds > 0 && Double.isFinite(seconds)
          ? (long) Math.min(Long.MAX_VALUE / 2, seconds * 1000)
          : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Whether a path (with its query) may be fetched. */
  boolean allows(String pathAndQuery) {
    byte[] path = RobotsPattern.canonical(pathAndQuery).getBytes(StandardCharsets.ISO_8859_1);
    int best = -1;
    boolean allowed = true;
    for (Rule rule : rules) {
      int priority = rule.pattern().text().length();
      if ((priority > best || priority == best && rule.allow() && !allowed)
          && rule.pattern().matches(path)) {
        best = priority;
        allowed = rule.allow();
      }
    }
    return allowed;
  }

  /** The least time between two fetches from the site the file asks for, in ms; 0 when it asks none. */
  long crawlDelayMs() {
    return crawlDelayMs;
  }

  /** Rules obeyed (at most {@link #MAX_RULES}). */
  int size() {
    return rules.size();
  }
}
