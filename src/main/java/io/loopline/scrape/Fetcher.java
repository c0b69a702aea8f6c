package io.loopline.scrape;

import io.loopline.platform.config.ScrapeSettings;
import io.loopline.scrape.Exchange.Answer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Fetches one URL under the whole fetch policy, all within one deadline; what the rest of the scraper calls.
 * The policy is in parts, each in its own class:
 *
 * <ul>
 *   <li>{@link ScrapeUrls} normalises the URL, {@link ResultCache} answers from the cache role when it may;
 *   <li>{@link Redirects} follows redirects, the one loop for pages, sitemaps and robots.txt alike, asking
 *       {@link RobotsCache} before each hop of a page (robots.txt rules and Crawl-delay);
 *   <li>{@link RetryPolicy} retries each hop after a connection error, 429 or 5xx, with backoff that honours
 *       {@code Retry-After};
 *   <li>{@link Attempts} makes each attempt: {@link Resolver} and the SSRF guard on the resolved address
 *       (the connection goes to exactly the address checked), the concurrency limits and spacing, then the
 *       {@link Exchange}: one request with its connect and idle timeouts and a body limit;
 *   <li>{@link FetchResults} turns the answer into the result (HTML parsed on the parse workers).
 * </ul>
 *
 * A fetch never fails: a URL that cannot be fetched gives a result with an {@code error}. Used on the scraper
 * verticle's event loop only.
 */
final class Fetcher {

  /** What one fetch may do beyond the node's policy. */
  record Options(
      boolean robots,
      boolean cache,
      List<HostLimiter.Limit> limits,
      int perHostConcurrency,
      boolean allLinks,
      ExtractionRules rules,
      boolean autothrottle) {}

  /** A result, and every outgoing link when {@link Options#allLinks} asked for them. */
  record Outcome(JsonObject result, List<String> links) {}

  /**
   * One fetch's control. It can be stopped from outside (a cancelled job) or by its deadline, which starts
   * when the fetch first holds a slot (for its page, or the robots.txt download it waits for) and lasts
   * {@code scrape.totalTimeoutMs}. Stopping fails the step in flight (a slot wait, a lookup, a request, a
   * backoff) and resets its request. Callers only make one and may {@link #abort()} it; the other methods
   * are for the parts of the fetch.
   */
  static final class Abort {
    private boolean aborted;
    private FetchFailure stopped;
    private Consumer<FetchFailure> step = why -> {};
    private final Promise<Void> holding = Promise.promise();
    private long deadline = -1;
    private boolean finished;

    /** Stops the fetch from outside: its result is a {@code cancelled} error. */
    void abort() {
      aborted = true;
      stop(new FetchFailure("cancelled", "the job was cancelled", false));
    }

    /** Whether {@link #abort()} was called. */
    boolean aborted() {
      return aborted;
    }

    /** Why the fetch was stopped, or null while it runs. */
    FetchFailure stopped() {
      return stopped;
    }

    private void stop(FetchFailure why) {
      if (stopped == null && !finished) {
        stopped = why;
        step.accept(why);
      }
    }

    /** What stopping does to the step now in flight; done at once when the fetch is stopped already. */
    void onStop(Consumer<FetchFailure> stopStep) {
      step = stopStep;
      if (stopped != null) {
        stopStep.accept(stopped);
      }
    }

    /** {@code work}, failed with the fetch's reason when the fetch is stopped first ({@code undo} then runs). */
    <T> Future<T> stoppable(Future<T> work, Runnable undo) {
      Promise<T> outcome = Promise.promise();
      onStop(
          why -> {
            if (outcome.tryFail(why)) {
              undo.run();
            }
          });
      work.onComplete(
          done -> {
            if (done.succeeded()) {
              outcome.tryComplete(done.result());
            } else {
              outcome.tryFail(done.cause());
            }
          });
      return outcome.future();
    }

    /** The fetch holds a slot: its deadline starts now, unless it has started already. */
    void startDeadline(Vertx vertx, long ms) {
      if (deadline != -1 || finished || stopped != null) {
        return;
      }
      deadline =
          vertx.setTimer(
              ms,
              t ->
                  stop(
                      new FetchFailure(
                          "timeout",
                          "no result within "
                              + ms
                              + " ms (robots.txt, redirects and retries included)",
                          false)));
      holding.tryComplete();
    }

    /** Completes once the fetch holds a slot (its deadline started). */
    Future<Void> holdingSlot() {
      return holding.future();
    }

    /** The fetch is over: its deadline no longer runs. */
    void finish(Vertx vertx) {
      finished = true;
      step = why -> {};
      if (deadline != -1) {
        vertx.cancelTimer(deadline);
      }
    }
  }

  private final Vertx vertx;
  private final ScrapeSettings settings;
  private final Resolver resolver;
  private final Redirects redirects;
  private final RobotsCache robots;
  private final ResultCache cache;
  private final FetchResults results;
  private final MeterRegistry metrics;

  /** Fetch counters by outcome, resolved once each (a registry lookup per fetch showed in profiles). */
  private final Map<String, Counter> fetches = new HashMap<>();

  Fetcher(
      Vertx vertx,
      HttpClientAgent client,
      ScrapeSettings settings,
      AddressClassifier guard,
      HostLimiter limiter,
      MeterRegistry metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.settings = settings;
    this.resolver = new Resolver(vertx, guard);
    RetryPolicy retry =
        new RetryPolicy(vertx, settings.retries(), settings.backoffMs(), settings.maxBackoffMs());
    Exchange exchange = new Exchange(client, settings, guard, retry);
    Attempts attempts = new Attempts(vertx, settings, resolver, guard, limiter, exchange);
    this.redirects = new Redirects(settings, retry, attempts);
    this.robots = new RobotsCache(vertx, settings, redirects);
    this.cache = new ResultCache(vertx, settings.cacheTtlSeconds());
    this.results = new FetchResults(vertx, settings);
  }

  /** Fetches {@code raw}; the result always completes, with an {@code error} when the URL could not be fetched. */
  Future<Outcome> fetch(String raw, Options options, Abort abort) {
    long start = System.nanoTime();
    URI url;
    try {
      url = ScrapeUrls.normalise(raw);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(
          FetchResults.cleaned(
              new Outcome(
                  FetchResults.error(raw, "invalid-url", e.getMessage(), start), List.of())));
    }
    Future<JsonObject> cached =
        options.cache() && settings.cacheTtlSeconds() > 0
            ? cache.get(url)
            : Future.succeededFuture(null);
    return cached.compose(
        hit -> {
          if (hit != null) {
            return Future.succeededFuture(
                FetchResults.cleaned(
                    new Outcome(
                        hit.put("url", raw)
                            .put("cached", true)
                            .put("elapsedMs", FetchResults.elapsedMs(start)),
                        List.of())));
          }
          return follow(url, options, abort, settings.maxBodyBytes())
              .onComplete(
                  done ->
                      abort.finish(vertx)) // the deadline bounds the fetch; the parse has its own
              .compose(answer -> results.describe(raw, answer, options, start))
              .recover(
                  e ->
                      Future.succeededFuture(
                          new Outcome(FetchResults.failure(raw, e, start), List.of())))
              .map(FetchResults::cleaned)
              .onSuccess(this::count)
              .onSuccess(
                  outcome -> {
                    if (options.cache()
                        && settings.cacheTtlSeconds() > 0
                        && !outcome.result().containsKey("error")) {
                      cache.put(url, outcome.result());
                    }
                  });
        });
  }

  /**
   * The body of {@code raw} (a 2xx answer, at most {@code maxBytes}), fetched under the whole policy: for
   * sitemaps and robots.txt lines the result does not keep. Fails with the fetch error's message otherwise.
   */
  Future<Buffer> download(String raw, boolean robots, long maxBytes) {
    URI url;
    try {
      url = ScrapeUrls.normalise(raw);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    Options options =
        new Options(
            robots,
            false,
            List.of(new HostLimiter.Limit("node", settings.globalConcurrency())),
            settings.perHostConcurrency(),
            false,
            null,
            false);
    Abort abort = new Abort();
    return follow(url, options, abort, maxBytes)
        .onComplete(done -> abort.finish(vertx))
        .recover(e -> Future.failedFuture(new IllegalStateException(raw + ": " + e.getMessage())))
        .compose(
            a ->
                a.status() >= 200 && a.status() < 300 && !a.truncated()
                    ? Future.succeededFuture(a.body())
                    : Future.failedFuture(
                        new IllegalStateException(
                            raw
                                + ": status "
                                + a.status()
                                + (a.truncated() ? ", longer than " + maxBytes + " bytes" : ""))));
  }

  /**
   * The address to connect to for {@code host}: resolved, and every address of the name checked by the SSRF
   * guard; fails with an {@code IllegalArgumentException} saying why when it is refused or unknown.
   */
  Future<InetAddress> guardedAddress(String host) {
    return resolver.guardedAddress(host);
  }

  /** The answer of {@code url} after its redirects, each hop of it asking robots.txt first when it should. */
  private Future<Answer> follow(URI url, Options options, Abort abort, long maxBody) {
    return redirects.follow(
        url,
        options,
        abort,
        maxBody,
        hop ->
            options.robots() && settings.robots()
                ? robots.allow(hop, options, abort)
                : Future.succeededFuture(settings.perHostDelayMs()));
  }

  /** Fetches by outcome: the status class ({@code 2xx}...) or the error code ({@code blocked}, {@code robots}...). */
  private void count(Outcome outcome) {
    JsonObject result = outcome.result();
    String label =
        result.containsKey("error")
            ? result.getJsonObject("error").getString("code")
            : result.getInteger("status") / 100 + "xx";
    fetches
        .computeIfAbsent(label, l -> metrics.counter("loopline.scrape.fetches", "outcome", l))
        .increment();
  }

  /** The hash a result's {@code sha256} carries, and the result cache keys on. */
  static String sha256(Buffer body) {
    return sha256(body.getBytes());
  }

  static String sha256(byte[] body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
