package io.loopline.scrape;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Per-host delay between the starts of fetches that adapts to the host, as Scrapy's AutoThrottle does: after
 * each answer the delay moves halfway towards the answer's latency divided by {@link #TARGET_CONCURRENCY}
 * (a host that slows down gets fewer requests a second), an answer that is not a success never lowers it,
 * and a 429 or 503 at least doubles it and raises it to its {@code Retry-After}. The delay stays within
 * {@code [floorMs, maxMs]}: the floor is the node's {@code perHostDelayMs} or the site's robots.txt
 * {@code Crawl-delay}, whichever is longer (the caller passes it), the ceiling {@code scrape.maxCrawlDelayMs}.
 * Kept per host name for ten minutes after its last answer. Used on the scraper's event loop only.
 */
final class AutoThrottle {

  /** Requests a host should have in flight at once, on average. */
  static final double TARGET_CONCURRENCY = 1.0;

  private final long maxMs;
  private final Cache<String, Double> delays =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterAccess(Duration.ofMinutes(10)).build();

  AutoThrottle(long maxMs) {
    this.maxMs = maxMs;
  }

  /** The spacing to keep between starts on {@code host}, at least {@code floorMs}. */
  long delayMs(String host, long floorMs) {
    Double delay = delays.getIfPresent(host);
    return Math.min(
        Math.max(maxMs, floorMs), Math.max(floorMs, delay == null ? 0 : Math.round(delay)));
  }

  /** An answer from {@code host}: its status, how long it took, and its Retry-After (ms, 0 if none). */
  void answered(String host, int status, long latencyMs, long retryAfterMs) {
    double current = delays.asMap().getOrDefault(host, 0.0);
    double next;
    if (status == 429 || status == 503) {
      next = Math.max(Math.max(current * 2, latencyMs / TARGET_CONCURRENCY), retryAfterMs);
    } else {
      double target = latencyMs / TARGET_CONCURRENCY;
      next = (current + target) / 2;
      if (status >= 400 && next < current) {
        next = current;
      }
    }
    delays.put(host, Math.min(maxMs, next));
  }
}
