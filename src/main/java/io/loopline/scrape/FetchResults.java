package io.loopline.scrape;

import io.loopline.contract.Addresses;
import io.loopline.platform.config.ScrapeSettings;
import io.loopline.scrape.Exchange.Answer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The result of a fetch, as docs/scraping.md shows it: built from the final answer (status, type, size, hash,
 * and for HTML what the parse workers read from it, over the local event bus so jsoup never runs on an event
 * loop), or from the failure (an {@code error} with its code).
 */
final class FetchResults {

  private final Vertx vertx;
  private final ScrapeSettings settings;

  FetchResults(Vertx vertx, ScrapeSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
  }

  /** The result of a completed fetch; HTML is parsed on the parse workers. */
  Future<Fetcher.Outcome> describe(String raw, Answer a, Fetcher.Options options, long start) {
    String contentType = a.headers().get("Content-Type");
    byte[] body = a.body().getBytes();
    JsonObject result =
        new JsonObject()
            .put("url", raw)
            .put("finalUrl", a.url().toString())
            .put("status", a.status())
            .put("contentType", contentType)
            .put("bytes", a.bytes())
            .put("truncated", a.truncated())
            .put("sha256", Fetcher.sha256(body));
    if (!isHtml(contentType)) {
      return Future.succeededFuture(
          new Fetcher.Outcome(result.put("elapsedMs", elapsedMs(start)), List.of()));
    }
    ParseTask task =
        new ParseTask(
            body,
            a.url().toString(),
            charset(contentType),
            settings.excerptChars(),
            options.rules());
    return vertx
        .eventBus()
        .<PageParser.Page>request(
            Addresses.SCRAPE_PARSE,
            task,
            new DeliveryOptions().setLocalOnly(true).setSendTimeout(30_000))
        .map(Message::body)
        .map(
            page -> {
              List<String> all = page.links();
              result.put("title", page.title()).put("description", page.description());
              if (page.canonical() != null) {
                result.put("canonical", page.canonical());
              }
              result
                  .put("linkCount", all.size())
                  .put(
                      "links",
                      new JsonArray(
                          new ArrayList<Object>(
                              all.subList(0, Math.min(all.size(), settings.linksReturned())))))
                  .put("excerpt", page.excerpt());
              if (page.fields() != null) {
                result.put("fields", page.fields());
              }
              result.put("elapsedMs", elapsedMs(start));
              return new Fetcher.Outcome(result, options.allLinks() ? all : List.of());
            })
        .recover(
            e ->
                Future.succeededFuture(
                    new Fetcher.Outcome(
                        result.put("parseError", e.getMessage()).put("elapsedMs", elapsedMs(start)),
                        List.of())));
  }

  static boolean isHtml(String contentType) {
    if (contentType == null) {
      return false;
    }
    String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return type.equals("text/html") || type.equals("application/xhtml+xml");
  }

  private static String charset(String contentType) {
    for (String part : contentType.split(";")) {
      String p = part.trim();
      if (p.toLowerCase(Locale.ROOT).startsWith("charset=")) {
        String name = p.substring(8).replace("\"", "").trim();
        try {
          return java.nio.charset.Charset.isSupported(name) ? name : null;
        } catch (RuntimeException e) {
          return null;
        }
      }
    }
    return null;
  }

  /** The result of a fetch that failed: a {@link FetchFailure}'s code, else {@code internal}. */
  static JsonObject failure(String raw, Throwable e, long start) {
    return e instanceof FetchFailure f
        ? error(raw, f.code, f.getMessage(), start)
        : error(raw, "internal", String.valueOf(e.getMessage()), start);
  }

  static JsonObject error(String raw, String code, String message, long start) {
    return new JsonObject()
        .put("url", raw)
        .put("elapsedMs", elapsedMs(start))
        .put("error", new JsonObject().put("code", code).put("message", message));
  }

  static long elapsedMs(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  /** The result with what PostgreSQL refuses cleaned out of its text, and each text bounded ({@link ScrapedText}). */
  static Fetcher.Outcome cleaned(Fetcher.Outcome outcome) {
    ScrapedText.result(outcome.result());
    return outcome;
  }
}
