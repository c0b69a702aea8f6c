package io.loopline.scrape;

import io.loopline.contract.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.internal.StringUtil;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeFilter;
import org.jsoup.select.NodeTraversor;

/**
 * Parses HTML with jsoup, deployed as a worker verticle (several instances on the {@code loopline-parse}
 * pool) so that no parse ever runs on an event loop. Consumes {@link Addresses#SCRAPE_PARSE} on this node only.
 */
public final class ParseVerticle extends VerticleBase {

  /** Message header: the page's final URL, the base of relative links. */
  static final String URL = "url";
  /** Message header: the charset the Content-Type named, if any. */
  static final String CHARSET = "charset";
  /** Message header: characters of body text to return. */
  static final String EXCERPT = "excerpt";

  @Override
  public Future<?> start() {
    return vertx.eventBus().<Buffer>localConsumer(Addresses.SCRAPE_PARSE, this::parse).completion();
  }

  private void parse(Message<Buffer> message) {
    try {
      message.reply(parse(message.body().getBytes(), message.headers().get(URL), message.headers().get(CHARSET),
          Integer.parseInt(message.headers().get(EXCERPT))));
    } catch (IOException | RuntimeException e) {
      message.fail(500, "cannot parse: " + e.getMessage());
    }
  }

  /**
   * Title, meta description, every outgoing http(s) link (absolute, normalised, de-duplicated, in document
   * order) and the start of the text.
   */
  static JsonObject parse(byte[] body, String url, String charset, int excerptChars) throws IOException {
    Document doc = Jsoup.parse(new ByteArrayInputStream(body), charset, url);
    URI base = URI.create(url);
    Element baseTag = doc.selectFirst("base[href]");
    if (baseTag != null) {
      URI declared = ScrapeUrls.resolve(base, baseTag.attr("href"));
      base = declared == null ? base : declared;
    }
    Set<String> links = new LinkedHashSet<>();
    for (Element a : doc.select("a[href], area[href]")) {
      URI link = ScrapeUrls.resolve(base, a.attr("href"));
      if (link != null) {
        links.add(link.toString());
      }
    }
    Element description = doc.selectFirst("meta[name=description]");
    String text = excerpt(doc.body(), excerptChars);
    return new JsonObject()
        .put("title", doc.title().isEmpty() ? null : doc.title())
        .put("description", description == null ? null : description.attr("content"))
        .put("links", new JsonArray(links.stream().map(Object.class::cast).toList()))
        .put("excerpt", ScrapedText.clean(text, excerptChars));
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
    NodeTraversor.filter(new NodeFilter() {
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
    }, body);
    return out.toString();
  }
}
