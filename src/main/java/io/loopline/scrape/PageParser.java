package io.loopline.scrape;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.internal.StringUtil;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.parser.Parser;
import org.jsoup.parser.StreamParser;
import org.jsoup.select.NodeFilter;
import org.jsoup.select.NodeTraversor;

/**
 * Reads what a result needs from an HTML page: the title, the meta description, the canonical URL and
 * every {@code a}/{@code area} link in one streaming pass of jsoup's {@link StreamParser} (each element
 * looked at once, when it closes, instead of one selector query over the whole tree per field), then the
 * start of the body's text, read only as far as the excerpt needs, and the job's {@link ExtractionRules}
 * if it has any. The bytes are decoded once: in the charset the Content-Type named, else the one a BOM or a
 * {@code <meta charset>} in the first 1,024 bytes names (the HTML prescan), else UTF-8. Runs on the parse
 * workers, never on an event loop.
 */
final class PageParser {

  /** What a page gives a result. {@code fields}: the extraction rules' values, or null without rules. */
  record Page(
      String title,
      String description,
      String canonical,
      List<String> links,
      String excerpt,
      io.vertx.core.json.JsonObject fields) {}

  private static final Pattern META_CHARSET =
      Pattern.compile(
          "<meta[^>]{0,512}?charset\\s*=\\s*[\"']?\\s*([A-Za-z0-9._:-]{1,40})",
          Pattern.CASE_INSENSITIVE);

  private PageParser() {}

  static Page parse(
      byte[] body, String url, String charset, int excerptChars, ExtractionRules rules)
      throws IOException {
    Reading reading = new Reading();
    Document doc;
    try (StreamParser stream =
        new StreamParser(Parser.htmlParser()).parse(decode(body, charset), url)) {
      for (var it = stream.iterator(); it.hasNext(); ) {
        reading.closed(it.next());
      }
      doc = stream.document();
    }
    URI base = URI.create(url);
    if (reading.base != null) {
      URI declared = ScrapeUrls.resolve(base, reading.base);
      base = declared == null ? base : declared;
    }
    Set<String> links = new LinkedHashSet<>();
    for (String href : reading.hrefs) {
      URI link = ScrapeUrls.resolve(base, href);
      if (link != null) {
        links.add(link.toString());
      }
    }
    URI canonical = reading.canonical == null ? null : ScrapeUrls.resolve(base, reading.canonical);
    return new Page(
        reading.title,
        reading.description,
        canonical == null ? null : canonical.toString(),
        List.copyOf(links),
        ScrapedText.clean(excerpt(doc.body(), excerptChars), excerptChars),
        rules == null || rules.isEmpty() ? null : rules.extract(doc));
  }

  /**
   * The start of the body's text, whitespace collapsed, read only as far as needed: {@code body.text()}
   * would build the text of the whole page to keep a few hundred characters of it.
   */
  static String excerpt(Element body, int chars) {
    if (body == null || chars <= 0) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    NodeTraversor.filter(
        new NodeFilter() {
          @Override
          public FilterResult head(Node node, int depth) {
            if (node instanceof TextNode text) {
              String words = StringUtil.normaliseWhitespace(text.getWholeText()).strip();
              if (!words.isEmpty()) {
                if (out.length() > 0) {
                  out.append(' ');
                }
                out.append(words);
              }
            }
            return out.length() >= chars ? FilterResult.STOP : FilterResult.CONTINUE;
          }

          @Override
          public FilterResult tail(Node node, int depth) {
            return FilterResult.CONTINUE;
          }
        },
        body);
    return out.toString();
  }

  /** The page's text in one decoding. */
  static String decode(byte[] body, String declared) {
    Charset charset = null;
    int skip = 0;
    if (body.length >= 3
        && (body[0] & 0xff) == 0xef
        && (body[1] & 0xff) == 0xbb
        && (body[2] & 0xff) == 0xbf) {
      charset = StandardCharsets.UTF_8;
      skip = 3;
    } else if (body.length >= 2 && (body[0] & 0xff) == 0xfe && (body[1] & 0xff) == 0xff) {
      charset = StandardCharsets.UTF_16BE;
      skip = 2;
    } else if (body.length >= 2 && (body[0] & 0xff) == 0xff && (body[1] & 0xff) == 0xfe) {
      charset = StandardCharsets.UTF_16LE;
      skip = 2;
    }
    if (charset == null) {
      charset = supported(declared);
    }
    if (charset == null) {
      Matcher m =
          META_CHARSET.matcher(
              new String(body, 0, Math.min(body.length, 1024), StandardCharsets.ISO_8859_1));
      charset = m.find() ? supported(m.group(1)) : null;
    }
    if (charset == null) {
      charset = StandardCharsets.UTF_8;
    }
    return new String(body, skip, body.length - skip, charset);
  }

  private static Charset supported(String name) {
    if (name == null || name.isBlank()) {
      return null;
    }
    try {
      return Charset.isSupported(name.trim()) ? Charset.forName(name.trim()) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** What the pass has read so far; each element is offered once, when it closes. */
  private static final class Reading {
    final List<String> hrefs = new ArrayList<>();
    String title;
    String description;
    String canonical;
    String base;

    void closed(Element el) {
      switch (el.normalName()) {
        case "a", "area" -> {
          if (el.hasAttr("href")) {
            hrefs.add(el.attr("href"));
          }
        }
        case "title" -> {
          Element parent = el.parent();
          if (title == null && parent != null && parent.normalName().equals("head")) {
            String text = StringUtil.normaliseWhitespace(el.text()).strip();
            title = text.isEmpty() ? null : text;
          }
        }
        case "meta" -> {
          if (description == null && "description".equalsIgnoreCase(el.attr("name"))) {
            description = el.attr("content");
          }
        }
        case "link" -> {
          if (canonical == null && el.hasAttr("href") && hasToken(el.attr("rel"), "canonical")) {
            canonical = el.attr("href");
          }
        }
        case "base" -> {
          if (base == null && el.hasAttr("href")) {
            base = el.attr("href");
          }
        }
        default -> {}
      }
    }
  }

  private static boolean hasToken(String list, String token) {
    for (String t : list.trim().split("\\s+")) {
      if (t.toLowerCase(Locale.ROOT).equals(token)) {
        return true;
      }
    }
    return false;
  }
}
