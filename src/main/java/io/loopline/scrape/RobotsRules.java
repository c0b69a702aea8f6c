package io.loopline.scrape;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The rules of one robots.txt for one user agent (RFC 9309): the group naming the agent's product token,
 * else the {@code *} group; the longest matching {@code Allow} or {@code Disallow} wins, {@code Allow} on a
 * tie; {@code *} and a final {@code $} are wildcards.
 */
final class RobotsRules {

  static final RobotsRules ALLOW_ALL = new RobotsRules(List.of());
  static final RobotsRules DISALLOW_ALL = new RobotsRules(List.of(new Rule(false, "/", Pattern.compile("/.*"))));

  private record Rule(boolean allow, String path, Pattern pattern) {}

  private final List<Rule> rules;

  private RobotsRules(List<Rule> rules) {
    this.rules = rules;
  }

  /** {@code agent}: the product token of our User-Agent, e.g. {@code loopline}. */
  static RobotsRules parse(String text, String agent) {
    String token = agent.toLowerCase(Locale.ROOT);
    List<Rule> mine = new ArrayList<>();
    List<Rule> any = new ArrayList<>();
    boolean foundMine = false;
    List<String> agents = new ArrayList<>();
    boolean inRules = false;
    List<Rule> current = new ArrayList<>();
    for (String raw : (text + "\nuser-agent: end-of-file").split("\\r?\\n|\\r")) {
      String line = raw.contains("#") ? raw.substring(0, raw.indexOf('#')) : raw;
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String field = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      if (field.equals("user-agent")) {
        if (inRules) {
          // a group ends where the next user-agent line follows rules
          if (agents.contains(token)) {
            mine.addAll(current);
            foundMine = true;
          } else if (agents.contains("*")) {
            any.addAll(current);
          }
          agents.clear();
          current = new ArrayList<>();
          inRules = false;
        }
        agents.add(value.toLowerCase(Locale.ROOT));
      } else if (field.equals("allow") || field.equals("disallow")) {
        inRules = true;
        if (!value.isEmpty()) {
          current.add(new Rule(field.equals("allow"), value, pattern(value)));
        }
      }
    }
    return new RobotsRules(foundMine ? mine : any);
  }

  private static Pattern pattern(String path) {
    boolean anchored = path.endsWith("$");
    String body = anchored ? path.substring(0, path.length() - 1) : path;
    StringBuilder regex = new StringBuilder();
    String[] parts = body.split("\\*", -1);
    for (int i = 0; i < parts.length; i++) {
      regex.append(i > 0 ? ".*" : "").append(Pattern.quote(parts[i]));
    }
    return Pattern.compile(regex + (anchored ? "" : ".*"), Pattern.DOTALL);
  }

  /** Whether a path (with its query) may be fetched. */
  boolean allows(String pathAndQuery) {
    Rule best = null;
    for (Rule rule : rules) {
      if (rule.pattern.matcher(pathAndQuery).matches()
          && (best == null || rule.path.length() > best.path.length()
              || rule.path.length() == best.path.length() && rule.allow && !best.allow)) {
        best = rule;
      }
    }
    return best == null || best.allow;
  }
}
