package io.loopline.scrape;

import io.loopline.platform.config.ScrapeSettings;
import io.loopline.scrape.Exchange.Answer;
import io.vertx.core.Future;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The redirect loop, the one every download goes through (pages, sitemaps and robots.txt alike): one hop,
 * then the next while the answer is a 3xx (but 304) with a {@code Location}, resolved against the hop's URL
 * and normalised; at most {@code scrape.maxRedirects} redirects, and a redirect back to a URL visited in this
 * fetch stops at once. Each hop is a fresh set of attempts ({@link RetryPolicy}, {@link Attempts}), so the
 * SSRF guard checks every hop's resolved address, and the limits and spacing apply to it again. What a hop
 * must pass before its first attempt is the caller's {@code gate}: robots.txt for a page, nothing for
 * robots.txt itself (which would otherwise wait for itself), so this loop knows nothing of robots.txt. It
 * does not apply a job's scope either: a redirect is followed wherever it leads (within the guard and
 * robots.txt), and {@link ScrapeJobRunner} judges the links of the page it arrives at against the scope.
 */
final class Redirects {

  /** The error codes of a redirect chain that ends without an answer to use. */
  private static final Set<String> GAVE_UP =
      Set.of("invalid-redirect", "redirect-loop", "too-many-redirects");

  private final ScrapeSettings settings;
  private final RetryPolicy retry;
  private final Attempts attempts;

  Redirects(ScrapeSettings settings, RetryPolicy retry, Attempts attempts) {
    this.settings = settings;
    this.retry = retry;
    this.attempts = attempts;
  }

  /**
   * The answer of {@code url} once its redirects are followed, its body read up to {@code maxBody}. {@code
   * gate}: asked for each hop's URL before its request, it gives the spacing its host asks for, or fails the
   * fetch (robots.txt refusing it).
   */
  Future<Answer> follow(
      URI url,
      Fetcher.Options options,
      Fetcher.Abort abort,
      long maxBody,
      Function<URI, Future<Long>> gate) {
    return follow(url, options, abort, maxBody, gate, new ArrayList<>());
  }

  /** Whether {@code e} is the end of a redirect chain that went wrong, rather than a failed request. */
  static boolean gaveUp(Throwable e) {
    return e instanceof FetchFailure f && GAVE_UP.contains(f.code);
  }

  private Future<Answer> follow(
      URI url,
      Fetcher.Options options,
      Fetcher.Abort abort,
      long maxBody,
      Function<URI, Future<Long>> gate,
      List<URI> visited) {
    visited.add(url);
    return gate.apply(url)
        .compose(
            spacingMs ->
                retry.run(
                    abort,
                    mayRetry ->
                        attempts.attempt(url, options, abort, maxBody, mayRetry, spacingMs)))
        .compose(
            answer -> {
              String location = answer.headers().get("Location");
              if (answer.status() < 300
                  || answer.status() >= 400
                  || answer.status() == 304
                  || location == null) {
                return Future.succeededFuture(answer);
              }
              URI next = ScrapeUrls.resolve(url, location);
              if (next == null) {
                return Future.failedFuture(
                    new FetchFailure(
                        "invalid-redirect",
                        "redirect to a URL that cannot be fetched: " + location,
                        false));
              }
              if (visited.contains(next)) {
                return Future.failedFuture(
                    new FetchFailure("redirect-loop", "redirect loop back to " + next, false));
              }
              if (visited.size() > settings.maxRedirects()) {
                return Future.failedFuture(
                    new FetchFailure(
                        "too-many-redirects",
                        "more than " + settings.maxRedirects() + " redirects",
                        false));
              }
              return follow(next, options, abort, maxBody, gate, visited);
            });
  }
}
