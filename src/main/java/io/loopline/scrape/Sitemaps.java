package io.loopline.scrape;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.jsoup.nodes.Element;
import org.jsoup.parser.Parser;
import org.jsoup.parser.StreamParser;

/**
 * The URLs of a job's sitemaps: the sitemaps it names, and with {@code robotsSitemaps} those that the
 * {@code Sitemap:} lines of its origins' robots.txt name. A sitemap is a {@code urlset} (its {@code loc}s are
 * pages) or a {@code sitemapindex} (its {@code loc}s are more sitemaps, read one level deep), plain or gzip
 * (by its first bytes, whatever its name or type says). Every download goes through the fetch policy (the
 * SSRF guard, robots.txt, limits, deadline). Bounds: {@link #MAX_SITEMAPS} sitemaps, {@link #MAX_BYTES}
 * bytes of each once decompressed (the sitemap protocol's own limit), and at most {@code maxUrls} URLs in
 * all. XML is read by jsoup's streaming XML parser on a worker thread: it resolves no external entities.
 */
final class Sitemaps {

  static final int MAX_SITEMAPS = 20;
  static final int MAX_BYTES = 50 * 1024 * 1024;

  private final Vertx vertx;
  private final Fetcher fetcher;
  private final int maxUrls;
  private final Set<String> urls = new LinkedHashSet<>();
  private final Set<String> visited = new LinkedHashSet<>();

  private Sitemaps(Vertx vertx, Fetcher fetcher, int maxUrls) {
    this.vertx = vertx;
    this.fetcher = fetcher;
    this.maxUrls = maxUrls;
  }

  /** The page URLs of {@code sitemaps}, and of the robots.txt sitemaps of {@code origins}, at most {@code maxUrls}. */
  static Future<List<String>> read(
      Vertx vertx,
      Fetcher fetcher,
      List<String> sitemaps,
      List<String> origins,
      boolean robots,
      int maxUrls) {
    Sitemaps reader = new Sitemaps(vertx, fetcher, maxUrls);
    Future<List<String>> named = Future.succeededFuture(new ArrayList<>(sitemaps));
    for (String origin : origins) {
      named =
          named.compose(
              list ->
                  fetcher
                      .download(origin + "/robots.txt", robots, RobotsCache.ROBOTS_LIMIT)
                      .map(
                          body -> {
                            for (String line :
                                body.toString(StandardCharsets.UTF_8).split("\r\n|\r|\n")) {
                              if (line.regionMatches(true, 0, "sitemap:", 0, 8)) {
                                list.add(line.substring(8).trim());
                              }
                            }
                            return list;
                          })
                      .otherwise(list));
    }
    return named.compose(list -> reader.each(list, 0, robots)).map(v -> List.copyOf(reader.urls));
  }

  private Future<Void> each(List<String> sitemaps, int level, boolean robots) {
    Future<Void> done = Future.succeededFuture();
    for (String sitemap : sitemaps) {
      done = done.compose(v -> one(sitemap, level, robots));
    }
    return done;
  }

  private Future<Void> one(String sitemap, int level, boolean robots) {
    if (urls.size() >= maxUrls || visited.size() >= MAX_SITEMAPS || !visited.add(sitemap)) {
      return Future.succeededFuture();
    }
    return fetcher
        .download(sitemap, robots, MAX_BYTES)
        .compose(body -> vertx.executeBlocking(() -> locs(body), false))
        .compose(
            read -> {
              if (read.index()) {
                return level == 0
                    ? each(read.locs(), level + 1, robots)
                    : Future.<Void>succeededFuture();
              }
              for (String loc : read.locs()) {
                if (urls.size() >= maxUrls) {
                  break;
                }
                urls.add(loc);
              }
              return Future.<Void>succeededFuture();
            })
        .otherwiseEmpty(); // a sitemap that cannot be read adds nothing; the job still runs its
    // other URLs
  }

  record Locs(boolean index, List<String> locs) {}

  /** The {@code loc}s of a sitemap or sitemap index, gzip or not. */
  static Locs locs(Buffer body) throws IOException {
    byte[] bytes = body.getBytes();
    if (bytes.length > 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
      bytes = gunzip(bytes);
    }
    boolean index = false;
    List<String> locs = new ArrayList<>();
    try (StreamParser stream =
        new StreamParser(Parser.xmlParser()).parse(new String(bytes, StandardCharsets.UTF_8), "")) {
      for (var it = stream.iterator(); it.hasNext(); ) {
        Element el = it.next();
        String name = el.normalName().toLowerCase(Locale.ROOT);
        if (name.equals("loc") || name.endsWith(":loc")) {
          Element parent = el.parent();
          index |=
              parent != null && parent.normalName().toLowerCase(Locale.ROOT).endsWith("sitemap");
          String text = el.text().trim();
          if (!text.isEmpty() && locs.size() < 100_000) {
            locs.add(text);
          }
        }
        el.remove(); // read once: the document is never held whole
      }
    }
    return new Locs(index, locs);
  }

  private static byte[] gunzip(byte[] gzip) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] chunk = new byte[64 * 1024];
      int n;
      while ((n = in.read(chunk)) > 0) {
        if (out.size() + n > MAX_BYTES) {
          throw new IOException("a sitemap decompresses to more than " + MAX_BYTES + " bytes");
        }
        out.write(chunk, 0, n);
      }
      return out.toByteArray();
    }
  }

  /** The origins (scheme, host, port) of {@code urls}, each once, in order. */
  static List<String> origins(Iterable<String> urls) {
    Set<String> origins = new LinkedHashSet<>();
    urls.forEach(u -> origins.add(ScrapeUrls.origin(URI.create(u))));
    return List.copyOf(origins);
  }
}
