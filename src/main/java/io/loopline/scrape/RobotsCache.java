package io.loopline.scrape;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.loopline.platform.config.ScrapeSettings;
import io.loopline.scrape.Exchange.Answer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whether robots.txt lets a URL be fetched, and the spacing its host asks for: each origin's robots.txt is
 * downloaded once (a download shared by every fetch waiting for it), read by {@link RobotsRules} for our
 * product token, and kept for {@code scrape.robotsCacheTtlSeconds}. The download goes through the same
 * {@link Redirects} loop as a page. The {@code Sitemap:} lines are not kept here: {@link Sitemaps} reads
 * them from a download of its own when a job asks for them, under that job's options.
 */
final class RobotsCache {

  /** RFC 9309: crawlers must read at least 500 KiB of a robots.txt; no more is read. */
  static final int ROBOTS_LIMIT = 512 * 1024;

  /** Allows everything, and is not kept: the host could not be asked for its robots.txt. */
  private static final RobotsRules UNREACHABLE = RobotsRules.parse("", "*");

  private final Vertx vertx;
  private final ScrapeSettings settings;
  private final Redirects redirects;
  private final String agentToken;

  /** Each origin's robots.txt rules, kept for {@code robotsCacheTtlSeconds}. */
  private final Cache<String, RobotsRules> robots;

  /** The robots.txt downloads in flight, by origin; each is shared by the fetches waiting for it. */
  private final Map<String, Download> downloads = new HashMap<>();

  RobotsCache(Vertx vertx, ScrapeSettings settings, Redirects redirects) {
    this.vertx = vertx;
    this.settings = settings;
    this.redirects = redirects;
    this.agentToken =
        RobotsRules.productToken(settings.userAgent().trim()).toLowerCase(Locale.ROOT);
    this.robots =
        Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(Duration.ofSeconds(Math.max(1, settings.robotsCacheTtlSeconds())))
            .build();
  }

  /**
   * Whether robots.txt of the URL's origin lets us fetch it, and if so the spacing its host asks for: the
   * node's {@code perHostDelayMs} or the site's Crawl-delay (up to {@code maxCrawlDelayMs}), the longer.
   */
  Future<Long> allow(URI url, Fetcher.Options options, Fetcher.Abort abort) {
    String origin = ScrapeUrls.origin(url);
    RobotsRules known = robots.getIfPresent(origin);
    Future<RobotsRules> rules;
    if (known != null) {
      rules = Future.succeededFuture(known);
    } else {
      Download download = downloads.get(origin);
      if (download == null) {
        download = new Download(origin);
        downloads.put(origin, download);
        download.start(url, options);
      }
      rules = download.join(abort);
    }
    return rules.compose(
        r ->
            r.allows(ScrapeUrls.requestTarget(url))
                ? Future.succeededFuture(
                    Math.max(
                        settings.perHostDelayMs(),
                        Math.min(r.crawlDelayMs(), settings.maxCrawlDelayMs())))
                : Future.failedFuture(
                    new FetchFailure(
                        "robots", "robots.txt of " + origin + " disallows this path", false)));
  }

  /**
   * One origin's robots.txt being fetched, shared by every fetch that waits for it. It takes a node-wide
   * slot and a host slot like any fetch, has a deadline of its own, and starts the deadline of each fetch
   * waiting for it once it holds its slot. A waiter that stops (its job cancelled, its deadline passed)
   * leaves; when the last one leaves, the download stops too and nothing is kept.
   */
  private final class Download {
    private final String origin;
    private final Fetcher.Abort control = new Fetcher.Abort();
    private Future<RobotsRules> rules;
    private int waiting;

    Download(String origin) {
      this.origin = origin;
    }

    void start(URI page, Fetcher.Options options) {
      rules =
          fetch(page, options, control)
              .onComplete(
                  done -> {
                    downloads.remove(origin, this);
                    if (done.succeeded() && done.result() != UNREACHABLE) {
                      robots.put(origin, done.result());
                    }
                  });
    }

    Future<RobotsRules> join(Fetcher.Abort waiter) {
      waiting++;
      control.holdingSlot().onSuccess(v -> waiter.startDeadline(vertx, settings.totalTimeoutMs()));
      return waiter.stoppable(rules, this::leave);
    }

    private void leave() {
      waiting--;
      if (waiting == 0 && !rules.isComplete()) {
        downloads.remove(origin, this);
        control.abort();
      }
    }
  }

  /**
   * RFC 9309: a 4xx robots.txt allows everything, a 5xx forbids everything. A chain of redirects that goes
   * wrong (a loop, too many, an unusable {@code Location}) allows everything too, as an unavailable file.
   * When the host cannot be reached the page fetch fails by itself, so nothing is cached and the
   * fetch goes ahead to fail with its own error; a robots.txt that does not arrive within the deadline fails
   * its waiters with {@code timeout}.
   */
  private Future<RobotsRules> fetch(URI page, Fetcher.Options options, Fetcher.Abort control) {
    URI url = URI.create(ScrapeUrls.origin(page) + "/robots.txt");
    Fetcher.Options plain =
        new Fetcher.Options(
            false,
            false,
            List.of(new HostLimiter.Limit("node", settings.globalConcurrency())),
            options.perHostConcurrency(),
            false,
            null,
            false);
    return redirects
        .follow(
            url,
            plain,
            control,
            ROBOTS_LIMIT,
            hop -> Future.succeededFuture(settings.perHostDelayMs()))
        .transform(
            done -> {
              control.finish(vertx);
              if (done.failed()) {
                if (Redirects.gaveUp(done.cause())) {
                  return Future.succeededFuture(RobotsRules.ALLOW_ALL);
                }
                return done.cause() instanceof FetchFailure f && f.code.equals("timeout")
                    ? Future.failedFuture(
                        new FetchFailure(
                            "timeout",
                            "robots.txt of " + ScrapeUrls.origin(page) + ": " + f.getMessage(),
                            false))
                    : Future.succeededFuture(UNREACHABLE);
              }
              Answer a = done.result();
              if (a.status() >= 200 && a.status() < 300) {
                String text = a.body().toString(StandardCharsets.UTF_8);
                // Cut at the limit: the last line may be half a rule.
                return Future.succeededFuture(
                    RobotsRules.parse(
                        a.truncated()
                            ? text.substring(
                                0,
                                Math.max(
                                    0, Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'))))
                            : text,
                        agentToken));
              }
              return Future.succeededFuture(
                  a.status() >= 500 ? RobotsRules.DISALLOW_ALL : RobotsRules.ALLOW_ALL);
            });
  }
}
