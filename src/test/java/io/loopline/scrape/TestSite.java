package io.loopline.scrape;

import static io.loopline.support.TestNode.await;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The web the scraper tests point at: one site served on 127.0.0.2 and 127.0.0.3 (two hosts to the
 * scraper), on loopback only, with pages that are slow, redirect (slowly too), loop, answer 429, 500 or
 * 503, stream 50 MiB, are not HTML or are broken HTML, and a robots.txt that forbids {@code /private}
 * unless a test gives a host another one (late, or never). It counts requests by path, when each arrived,
 * and the fetches in flight per host (the address connected to) and in all ({@link #ALL}), and keeps the
 * highest count seen. A trap on 127.0.0.1 counts any connection the SSRF guard should have prevented.
 */
final class TestSite implements AutoCloseable {

  static final String HOST_A = "127.0.0.2";
  static final String HOST_B = "127.0.0.3";
  static final String TRAP = "127.0.0.1";
  static final long BIG_BYTES = 50L * 1024 * 1024;

  /** The key of {@link #inFlight} and {@link #maxInFlight} that counts every host. */
  static final String ALL = "all";

  /** The robots.txt every host serves unless a test gives it another. */
  static final String ROBOTS = "User-agent: *\nDisallow: /private\nAllow: /private/open\n";

  /**
   * A page with text longer than a result keeps, an emoji at the 300th character of its body text, where the
   * excerpt ends (cut in the middle, its high surrogate alone would be stored as '?'), and NULs in its text.
   */
  static final String HOSTILE_TEXT =
      "<!doctype html><html><head><title>"
          + "t".repeat(999)
          + "\uD83D\uDE00"
          + "t".repeat(500)
          + "</title><meta name=\"description\" content=\""
          + "d".repeat(3000)
          + "\"></head><body><p>"
          + "a".repeat(299)
          + "\uD83D\uDE00"
          + "b".repeat(50)
          + "\u0000</p><a href=\"/page/"
          + "\u0000".repeat(3)
          + "1\">x</a></body></html>";

  /** A robots.txt a host serves after {@code delayMs}; a negative delay never answers. */
  record Robots(String text, long delayMs) {}

  private final Vertx vertx = Vertx.vertx();
  private final int port;

  /** More ports on both hosts: other origins, with robots.txt of their own, for tests that need fresh ones. */
  private final List<Integer> otherPorts = new ArrayList<>();

  private final int trapPort;
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> maxInFlight = new ConcurrentHashMap<>();
  private final Map<String, List<Long>> arrivals = new ConcurrentHashMap<>();
  private final Map<String, Robots> robots = new ConcurrentHashMap<>();
  private final AtomicInteger trapConnections = new AtomicInteger();
  private final List<HttpServer> servers;
  private final NetServer trap;

  /**
   * Host A on a port the OS chooses, host B on the same port (its address is another), so four times (the
   * main origins and three others); the trap on its own port.
   */
  TestSite() {
    servers = new ArrayList<>();
    trap =
        vertx
            .createNetServer()
            .connectHandler(
                socket -> {
                  trapConnections.incrementAndGet();
                  socket.close();
                });
    try {
      port = listenOnBothHosts();
      for (int i = 0; i < 3; i++) {
        otherPorts.add(listenOnBothHosts());
      }
      trapPort = await(trap.listen(0, TRAP)).actualPort();
    } catch (RuntimeException e) {
      await(vertx.close());
      throw e;
    }
  }

  private int listenOnBothHosts() {
    HttpServer a = vertx.createHttpServer().requestHandler(this::handle);
    HttpServer b = vertx.createHttpServer().requestHandler(this::handle);
    servers.add(a);
    servers.add(b);
    int chosen = await(a.listen(0, HOST_A)).actualPort();
    await(b.listen(chosen, HOST_B));
    return chosen;
  }

  String url(String path) {
    return "http://" + HOST_A + ":" + port + path;
  }

  String urlB(String path) {
    return "http://" + HOST_B + ":" + port + path;
  }

  /** {@code path} at another port of {@code host} ({@code n} from 1 to 3): an origin no other test uses. */
  String otherOrigin(String host, int n, String path) {
    return "http://" + host + ":" + otherPorts.get(n - 1) + path;
  }

  /** The same path on the address the guard must refuse. */
  String trapUrl(String path) {
    return "http://" + TRAP + ":" + trapPort + path;
  }

  int port() {
    return port;
  }

  int requests(String pathAndQuery) {
    AtomicInteger n = requests.get(pathAndQuery);
    return n == null ? 0 : n.get();
  }

  int inFlight(String host) {
    AtomicInteger n = inFlight.get(host);
    return n == null ? 0 : n.get();
  }

  int maxInFlight(String host) {
    AtomicInteger n = maxInFlight.get(host);
    return n == null ? 0 : n.get();
  }

  void resetMax() {
    maxInFlight.clear();
  }

  /** When each request for {@code pathAndQuery} arrived, in ms of a monotonic clock, in order. */
  List<Long> arrivals(String pathAndQuery) {
    return List.copyOf(arrivals.getOrDefault(pathAndQuery, List.of()));
  }

  /** From now on the origin of {@code url} serves this robots.txt. */
  void robots(String url, Robots robots) {
    java.net.URI origin = java.net.URI.create(url);
    this.robots.put(origin.getHost() + ":" + origin.getPort(), robots);
  }

  int trapConnections() {
    return trapConnections.get();
  }

  static String page(int n) {
    return "<!doctype html><html><head><title>Page "
        + n
        + "</title>"
        + "<meta name=\"description\" content=\"About page "
        + n
        + "\"></head><body>"
        + "<h1>Page "
        + n
        + "</h1><p>Text of page "
        + n
        + " "
        + "word ".repeat(100)
        + "</p>"
        + "<a href=\"/page/"
        + (n + 1)
        + "\">next</a> <a href=\"/page/"
        + (n + 1)
        + "#top\">next again</a> "
        + "<a href=\"page/../"
        + (n + 2)
        + "\">relative</a> <a href=\"mailto:a@b.c\">mail</a> "
        + "<a href=\"http://"
        + HOST_B
        + "/elsewhere\">other host</a> <a href=\"#here\">self</a>"
        + "</body></html>";
  }

  /** A page whose result is large: twenty same-host links of about a kilobyte each. */
  static String linkPage(int n) {
    StringBuilder links = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      links
          .append("<a href=\"/page/")
          .append(n)
          .append('-')
          .append(i)
          .append('-')
          .append("x".repeat(1000))
          .append("\">l</a> ");
    }
    return "<!doctype html><html><head><title>Links "
        + n
        + "</title></head><body>"
        + links
        + "</body></html>";
  }

  private void handle(HttpServerRequest req) {
    String host = req.localAddress().hostAddress();
    String path = req.path();
    requests.computeIfAbsent(req.uri(), k -> new AtomicInteger()).incrementAndGet();
    arrivals
        .computeIfAbsent(req.uri(), k -> new CopyOnWriteArrayList<>())
        .add(System.nanoTime() / 1_000_000);
    for (String key : List.of(host, ALL)) {
      int now = inFlight.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      maxInFlight.computeIfAbsent(key, k -> new AtomicInteger()).accumulateAndGet(now, Math::max);
    }
    HttpServerResponse res = req.response();
    boolean[] counted = {true};
    Runnable done =
        () -> {
          if (counted[0]) {
            counted[0] = false;
            inFlight.get(host).decrementAndGet();
            inFlight.get(ALL).decrementAndGet();
          }
        };
    res.endHandler(v -> done.run());
    res.closeHandler(v -> done.run());
    String[] parts = path.split("/");
    if (path.equals("/robots.txt")) {
      Robots mine =
          robots.getOrDefault(host + ":" + req.localAddress().port(), new Robots(ROBOTS, 0));
      if (mine.delayMs() == 0) {
        res.putHeader("Content-Type", "text/plain").end(mine.text());
      } else if (mine.delayMs() > 0) {
        vertx.setTimer(
            mine.delayMs(),
            t -> {
              if (!res.closed()) {
                res.putHeader("Content-Type", "text/plain").end(mine.text());
              }
            });
      }
    } else if (path.startsWith("/page/")) {
      html(res, page(Integer.parseInt(parts[2])));
    } else if (path.equals("/slow")) {
      long ms = Long.parseLong(req.getParam("ms"));
      vertx.setTimer(
          ms,
          t -> {
            if (!res.closed()) {
              html(res, page(0));
            }
          });
    } else if (path.startsWith("/redirect/")) {
      int n = Integer.parseInt(parts[2]);
      if (n == 0) {
        html(res, page(0));
      } else {
        res.setStatusCode(302).putHeader("Location", "/redirect/" + (n - 1)).end();
      }
    } else if (path.startsWith("/slow-redirect/")) {
      int n = Integer.parseInt(parts[2]);
      vertx.setTimer(
          Long.parseLong(req.getParam("ms")),
          t -> {
            if (res.closed()) {
              return;
            }
            if (n == 0) {
              html(res, page(0));
            } else {
              res.setStatusCode(302)
                  .putHeader("Location", "/slow-redirect/" + (n - 1) + "?ms=" + req.getParam("ms"))
                  .end();
            }
          });
    } else if (path.equals("/unavailable")) {
      vertx.setTimer(
          Long.parseLong(req.getParam("ms")),
          t -> {
            if (!res.closed()) {
              res.setStatusCode(503).end("down");
            }
          });
    } else if (path.equals("/loop/a") || path.equals("/loop/b")) {
      res.setStatusCode(301)
          .putHeader("Location", path.endsWith("a") ? "/loop/b" : "/loop/a")
          .end();
    } else if (path.equals("/to-trap")) {
      res.setStatusCode(302).putHeader("Location", trapUrl("/page/1")).end();
    } else if (path.startsWith("/busy/")) {
      // 429 with Retry-After: 1 the first time, then the page
      if (requests(req.uri()) == 1) {
        res.setStatusCode(429).putHeader("Retry-After", "1").end("slow down");
      } else {
        html(res, page(1));
      }
    } else if (path.equals("/sitemap.xml")) {
      xml(res, sitemap(req, "/page/801", "/page/802"));
    } else if (path.equals("/sitemap-index.xml")) {
      String base = "http://" + host + ":" + req.localAddress().port();
      xml(
          res,
          "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
              + "<sitemap><loc>"
              + base
              + "/sitemap.xml</loc></sitemap><sitemap><loc>"
              + base
              + "/sitemap-b.xml.gz</loc></sitemap>"
              + "</sitemapindex>");
    } else if (path.equals("/sitemap-b.xml.gz")) {
      res.putHeader("Content-Type", "application/gzip")
          .end(Buffer.buffer(gzip(sitemap(req, "/page/803", "/page/804"))));
    } else if (path.startsWith("/canonical/")) {
      html(
          res,
          "<html><head><title>Copy</title><link rel=\"canonical\" href=\"/page/"
              + parts[2]
              + "\"></head>"
              + "<body><a href=\"/page/900\">x</a></body></html>");
    } else if (path.startsWith("/scoped/")) {
      html(
          res,
          "<html><head><title>Scoped</title></head><body><a href=\"/keep/1\">1</a><a href=\"/keep/2?drop=1\">2</a>"
              + "<a href=\"/other/3\">3</a><a href=\"http://"
              + HOST_B
              + ":"
              + req.localAddress().port()
              + "/keep/4\">4</a></body></html>");
    } else if (path.startsWith("/keep/") || path.startsWith("/other/")) {
      html(res, page(5));
    } else if (path.startsWith("/throttled/")) {
      // the host answers its first request of this family with 429 and Retry-After: 1
      if (throttledOnce.compareAndSet(false, true)) {
        res.setStatusCode(429).putHeader("Retry-After", "1").end("slow down");
      } else {
        html(res, page(6));
      }
    } else if (path.startsWith("/busy-long/")) {
      res.setStatusCode(429).putHeader("Retry-After", "3600").end("come back tomorrow");
    } else if (path.startsWith("/flaky/")) {
      if (requests(req.uri()) == 1) {
        res.setStatusCode(503).end("try again");
      } else {
        html(res, page(2));
      }
    } else if (path.startsWith("/error/")) {
      res.setStatusCode(500).end("broken");
    } else if (path.startsWith("/links/")) {
      html(res, linkPage(Integer.parseInt(parts[2])));
    } else if (path.equals("/big")) {
      streamBig(res);
    } else if (path.equals("/hostile-text")) {
      html(res, HOSTILE_TEXT);
    } else if (path.equals("/data.json")) {
      res.putHeader("Content-Type", "application/json").end("{\"a\": 1}");
    } else if (path.equals("/broken")) {
      html(
          res,
          "<html><head><title>Broken</title><body><p>unclosed <div><a href='/page/1'>one<b><i>x</p></div>"
              + "<a href=\"http://[::1\">bad</a><table><td>cell");
    } else if (path.startsWith("/private/")) {
      html(res, page(9));
    } else {
      res.setStatusCode(404).end();
    }
  }

  private final java.util.concurrent.atomic.AtomicBoolean throttledOnce =
      new java.util.concurrent.atomic.AtomicBoolean();

  private static String sitemap(HttpServerRequest req, String... paths) {
    StringBuilder xml =
        new StringBuilder(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                + "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">");
    for (String path : paths) {
      xml.append("<url><loc>http://")
          .append(req.localAddress().hostAddress())
          .append(':')
          .append(req.localAddress().port())
          .append(path)
          .append("</loc><lastmod>2026-01-01</lastmod></url>");
    }
    return xml.append("</urlset>").toString();
  }

  private static byte[] gzip(String text) {
    try {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      try (java.util.zip.GZIPOutputStream zip = new java.util.zip.GZIPOutputStream(out)) {
        zip.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      return out.toByteArray();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void xml(HttpServerResponse res, String body) {
    res.putHeader("Content-Type", "application/xml").end(body);
  }

  private static void html(HttpServerResponse res, String body) {
    res.putHeader("Content-Type", "text/html; charset=utf-8").end(body);
  }

  /** 50 MiB, written as the client reads: never held in memory. */
  private void streamBig(HttpServerResponse res) {
    res.setChunked(true).putHeader("Content-Type", "application/octet-stream");
    Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
    long[] sent = {0};
    Runnable[] pump = new Runnable[1];
    pump[0] =
        () -> {
          while (!res.closed() && sent[0] < BIG_BYTES && !res.writeQueueFull()) {
            res.write(chunk);
            sent[0] += chunk.length();
          }
          if (res.closed()) {
            return;
          }
          if (sent[0] >= BIG_BYTES) {
            res.end();
          } else {
            res.drainHandler(v -> pump[0].run());
          }
        };
    pump[0].run();
  }

  @Override
  public void close() {
    await(vertx.close());
  }
}
