package io.loopline.scrape;

import io.loopline.platform.config.ScrapeSettings;
import io.loopline.scrape.Exchange.Answer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One attempt at one URL, as {@link RetryPolicy} makes them: resolve the host and check its address with the
 * SSRF guard (on every attempt, so every retry and every redirect hop is checked on its own), wait for a
 * slot under the node's, the batch's or job's, and the host's limits ({@link HostLimiter}), spaced by the
 * per-host delay, the robots.txt Crawl-delay or {@link AutoThrottle}, start the fetch's deadline once a slot
 * is held, and make the {@link Exchange}. The slot is given back when the answer is read.
 */
final class Attempts {

  private final Vertx vertx;
  private final ScrapeSettings settings;
  private final Resolver resolver;
  private final AddressClassifier guard;
  private final HostLimiter limiter;
  private final AutoThrottle throttle;
  private final Exchange exchange;

  Attempts(
      Vertx vertx,
      ScrapeSettings settings,
      Resolver resolver,
      AddressClassifier guard,
      HostLimiter limiter,
      Exchange exchange) {
    this.vertx = vertx;
    this.settings = settings;
    this.resolver = resolver;
    this.guard = guard;
    this.limiter = limiter;
    this.exchange = exchange;
    this.throttle = new AutoThrottle(settings.maxCrawlDelayMs());
  }

  /**
   * One request: resolve, check every address the name has, wait for the limits, connect to the checked
   * address (the Host header and TLS name stay the URL's), read the body up to {@code maxBody}. {@code
   * discard}: the answer will be retried if it is a 429 or 5xx, so its body is not kept. {@code spacingMs}:
   * the least time since the last start on the host (per-host delay or Crawl-delay).
   */
  Future<Answer> attempt(
      URI url,
      Fetcher.Options options,
      Fetcher.Abort abort,
      long maxBody,
      boolean discard,
      long spacingMs) {
    String host = ScrapeUrls.host(url);
    return abort
        .stoppable(resolver.resolve(host), () -> {})
        .compose(
            address -> {
              String refused = guard.refusal(host, address);
              if (refused != null) {
                return Future.failedFuture(
                    new FetchFailure("blocked", host + " is refused: " + refused, false));
              }
              List<HostLimiter.Limit> limits = new ArrayList<>(options.limits());
              limits.add(
                  new HostLimiter.Limit(
                      "host:" + host,
                      Math.min(settings.perHostConcurrency(), options.perHostConcurrency())));
              HostLimiter.Ticket ticket =
                  options.autothrottle()
                      ? limiter.acquire(host, limits, () -> throttle.delayMs(host, spacingMs))
                      : limiter.acquire(host, limits, spacingMs);
              return abort
                  .stoppable(ticket.granted(), ticket::release)
                  .compose(
                      v -> {
                        abort.startDeadline(vertx, settings.totalTimeoutMs());
                        long sent = System.nanoTime();
                        Future<Answer> answer =
                            exchange.send(url, address, abort, maxBody, discard);
                        return options.autothrottle()
                            ? answer.onSuccess(
                                a ->
                                    throttle.answered(
                                        host,
                                        a.status(),
                                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent),
                                        RetryPolicy.retryAfterMs(a.headers().get("Retry-After"))))
                            : answer;
                      })
                  .onComplete(done -> ticket.release());
            });
  }
}
