package io.loopline.scrape;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.jsoup.select.Evaluator;
import org.jsoup.select.QueryParser;
import org.jsoup.select.Selector;

/**
 * A job's or batch's extraction rules: named CSS selectors (jsoup's syntax), each giving the text, an
 * attribute ({@code abs:href} resolves against the page's URL) or the outer HTML of the first match, or of
 * every match with {@code all}. Given as
 * {@code {"price": {"css": "span.price", "text": true}, "images": {"css": "img", "attr": "src", "all": true}}};
 * the values are stored with the page under {@code fields}. Validated when the job or batch is given, so a
 * bad rule is a 400, never a failed page.
 */
final class ExtractionRules {

  static final int MAX_RULES = 20;
  static final int MAX_SELECTOR = 500;

  /** Values one {@code all} rule keeps; the rest of the matches are dropped. */
  static final int MAX_VALUES = 100;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  private enum Output {
    TEXT,
    ATTR,
    HTML
  }

  private record Rule(Evaluator css, Output output, String attr, boolean all) {}

  private final Map<String, Rule> rules;

  private ExtractionRules(Map<String, Rule> rules) {
    this.rules = rules;
  }

  boolean isEmpty() {
    return rules.isEmpty();
  }

  /**
   * The rules in {@code spec} (null: none); an {@code IllegalArgumentException} names the first bad one,
   * under {@code path} (such as {@code options.extract}).
   */
  static ExtractionRules parse(JsonObject spec, String path) {
    Map<String, Rule> rules = new LinkedHashMap<>();
    if (spec == null) {
      return new ExtractionRules(rules);
    }
    if (spec.size() > MAX_RULES) {
      throw new IllegalArgumentException(path + ": at most " + MAX_RULES + " rules");
    }
    for (Map.Entry<String, Object> entry : spec) {
      String name = entry.getKey();
      String at = path + "." + name;
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            at + ": a rule's name is 1 to 64 letters, digits, '_', '-' or '.'");
      }
      if (!(entry.getValue() instanceof JsonObject rule)) {
        throw new IllegalArgumentException(
            at + ": must be an object such as {\"css\": \"h1\", \"text\": true}");
      }
      for (String field : rule.fieldNames()) {
        if (!field.equals("css")
            && !field.equals("text")
            && !field.equals("attr")
            && !field.equals("html")
            && !field.equals("all")) {
          throw new IllegalArgumentException(
              at + "." + field + ": is not known; known: css, text, attr, html, all");
        }
      }
      if (!(rule.getValue("css") instanceof String css)
          || css.isBlank()
          || css.length() > MAX_SELECTOR) {
        throw new IllegalArgumentException(
            at + ".css: must be a CSS selector of 1 to " + MAX_SELECTOR + " characters");
      }
      Evaluator evaluator;
      try {
        evaluator = QueryParser.parse(css);
      } catch (Selector.SelectorParseException | IllegalArgumentException e) {
        throw new IllegalArgumentException(
            at + ".css: not a selector jsoup can read: " + e.getMessage());
      }
      for (String flag : new String[] {"text", "html", "all"}) {
        if (rule.containsKey(flag) && !(rule.getValue(flag) instanceof Boolean)) {
          throw new IllegalArgumentException(at + "." + flag + ": must be true or false");
        }
      }
      Object attr = rule.getValue("attr");
      if (attr != null && (!(attr instanceof String a) || a.isBlank() || a.length() > 100)) {
        throw new IllegalArgumentException(at + ".attr: must be an attribute name");
      }
      boolean html = rule.getBoolean("html", false);
      boolean text = rule.getBoolean("text", false);
      if ((html ? 1 : 0) + (text ? 1 : 0) + (attr != null ? 1 : 0) > 1) {
        throw new IllegalArgumentException(at + ": give one of text, attr or html");
      }
      Output output = html ? Output.HTML : attr != null ? Output.ATTR : Output.TEXT;
      rules.put(name, new Rule(evaluator, output, (String) attr, rule.getBoolean("all", false)));
    }
    return new ExtractionRules(rules);
  }

  /** Each rule's value: a string (null when nothing matches) or, with {@code all}, a list. */
  JsonObject extract(Document doc) {
    JsonObject fields = new JsonObject();
    rules.forEach(
        (name, rule) -> {
          if (rule.all()) {
            Elements matches = doc.select(rule.css());
            JsonArray values = new JsonArray();
            for (int i = 0; i < matches.size() && values.size() < MAX_VALUES; i++) {
              String value = value(matches.get(i), rule);
              if (value != null) {
                values.add(value);
              }
            }
            fields.put(name, values);
          } else {
            Element match = doc.selectFirst(rule.css());
            fields.put(name, match == null ? null : value(match, rule));
          }
        });
    return fields;
  }

  private static String value(Element el, Rule rule) {
    return switch (rule.output()) {
      case TEXT -> el.text();
      case HTML -> el.outerHtml();
      case ATTR ->
          el.hasAttr(rule.attr())
                  || rule.attr().startsWith("abs:") && el.hasAttr(rule.attr().substring(4))
              ? el.attr(rule.attr())
              : null;
    };
  }
}
