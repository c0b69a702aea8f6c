package io.loopline.scrape;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.loopline.contract.Addresses;
import io.loopline.platform.config.ScrapeSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Fetches one URL under the whole fetch policy: normalisation, the SSRF guard on the resolved address of
 * every hop (the connection goes to exactly the address checked), robots.txt (its rules and its
 * Crawl-delay), the concurrency limits, connect and idle timeouts, a body limit, redirects, and retries
 * with backoff that honour {@code Retry-After}, all within one deadline. HTML goes to the parse workers. A
 * fetch never fails: a URL that cannot be fetched gives a result with an {@code error}. Used on the scraper
 * verticle's event loop only.
 */
final class Fetcher {

  /** The bytes of a redirect or retried answer read before the connection is given up instead. */
  private static final int DISCARD_LIMIT = 64 * 1024;

  /** RFC 9309: crawlers must read at least 500 KiB of a robots.txt; no more is read. */
  static final int ROBOTS_LIMIT = 512 * 1024;

  /** Allows everything, and is not kept: the host could not be asked for its robots.txt. */
  private static final RobotsRules UNREACHABLE = RobotsRules.parse("", "*");

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
   * backoff) and resets its request.
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

    private void stop(FetchFailure why) {
      if (stopped == null && !finished) {
        stopped = why;
        step.accept(why);
      }
    }

    /** What stopping does to the step now in flight; done at once when the fetch is stopped already. */
    private void onStop(Consumer<FetchFailure> stopStep) {
      step = stopStep;
      if (stopped != null) {
        stopStep.accept(stopped);
      }
    }

    /** The fetch holds a slot: its deadline starts now, unless it has started already. */
    private void startDeadline(Vertx vertx, long ms) {
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

    /** The fetch is over: its deadline no longer runs. */
    private void finish(Vertx vertx) {
      finished = true;
      step = why -> {};
      if (deadline != -1) {
        vertx.cancelTimer(deadline);
      }
    }
  }

  private static final class FetchFailure extends RuntimeException {
    final String code;
    final boolean retryable;

    FetchFailure(String code, String message, boolean retryable) {
      super(message, null, false, false);
      this.code = code;
      this.retryable = retryable;
    }
  }

  /** One answer of one hop, its body read up to a limit. */
  private record Answer(
      URI url,
      int status,
      MultiMap headers,
      Buffer body,
      long bytes,
      boolean truncated,
      String remote) {}

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final ScrapeSettings settings;
  private final AddressClassifier guard;
  private final HostLimiter limiter;
  private final String agentToken;

  /** Each origin's robots.txt rules, kept for {@code robotsCacheTtlSeconds}. */
  private final Cache<String, RobotsRules> robots;

  /** The robots.txt downloads in flight, by origin; each is shared by the fetches waiting for it. */
  private final Map<String, RobotsDownload> downloads = new HashMap<>();

  private final MeterRegistry metrics;

  /** Fetch counters by outcome, resolved once each (a registry lookup per fetch showed in profiles). */
  private final Map<String, Counter> fetches = new HashMap<>();

  private final AutoThrottle throttle;

  Fetcher(
      Vertx vertx,
      HttpClientAgent client,
      ScrapeSettings settings,
      AddressClassifier guard,
      HostLimiter limiter,
      MeterRegistry metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.client = client;
    this.settings = settings;
    this.guard = guard;
    this.limiter = limiter;
    this.agentToken =
        RobotsRules.productToken(settings.userAgent().trim()).toLowerCase(Locale.ROOT);
    this.throttle = new AutoThrottle(settings.maxCrawlDelayMs());
    this.robots =
        Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(Duration.ofSeconds(Math.max(1, settings.robotsCacheTtlSeconds())))
            .build();
  }

  /** Fetches {@code raw}; the result always completes, with an {@code error} when the URL could not be fetched. */
  Future<Outcome> fetch(String raw, Options options, Abort abort) {
    long start = System.nanoTime();
    URI url;
    try {
      url = ScrapeUrls.normalise(raw);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(
          cleaned(new Outcome(error(raw, "invalid-url", e.getMessage(), start), List.of())));
    }
    Future<JsonObject> cached =
        options.cache() && settings.cacheTtlSeconds() > 0
            ? cacheGet(url)
            : Future.succeededFuture(null);
    return cached.compose(
        hit -> {
          if (hit != null) {
            return Future.succeededFuture(
                cleaned(
                    new Outcome(
                        hit.put("url", raw).put("cached", true).put("elapsedMs", elapsedMs(start)),
                        List.of())));
          }
          return follow(url, options, abort, new ArrayList<>())
              .onComplete(
                  done ->
                      abort.finish(vertx)) // the deadline bounds the fetch; the parse has its own
              .compose(answer -> describe(raw, answer, options, start))
              .recover(e -> Future.succeededFuture(new Outcome(failure(raw, e, start), List.of())))
              .map(Fetcher::cleaned)
              .onSuccess(this::count)
              .onSuccess(
                  outcome -> {
                    if (options.cache()
                        && settings.cacheTtlSeconds() > 0
                        && !outcome.result().containsKey("error")) {
                      cachePut(url, outcome.result());
                    }
                  });
        });
  }

  /** The result with what PostgreSQL refuses cleaned out of its text, and each text bounded ({@link ScrapedText}). */
  private static Outcome cleaned(Outcome outcome) {
    ScrapedText.result(outcome.result());
    return outcome;
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

  /** One hop, then the next while the answer is a redirect: robots.txt and the guard are checked at each. */
  private Future<Answer> follow(URI url, Options options, Abort abort, List<URI> visited) {
    return follow(url, options, abort, visited, settings.maxBodyBytes());
  }

  private Future<Answer> follow(
      URI url, Options options, Abort abort, List<URI> visited, long maxBody) {
    visited.add(url);
    Future<Long> spacing =
        options.robots() && settings.robots()
            ? robotsAllow(url, options, abort)
            : Future.succeededFuture(settings.perHostDelayMs());
    return spacing
        .compose(ms -> withRetries(url, options, abort, 0, maxBody, true, ms))
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
              return follow(next, options, abort, visited, maxBody);
            });
  }

  /**
   * An attempt, and up to {@code retries} more after a connection error, 429 or 5xx. {@code spacingMs}: the
   * least time since the last start on the host (per-host delay or Crawl-delay).
   */
  private Future<Answer> withRetries(
      URI url,
      Options options,
      Abort abort,
      int attempt,
      long maxBody,
      boolean retry,
      long spacingMs) {
    boolean mayRetry = retry && attempt < settings.retries();
    return attempt(url, options, abort, maxBody, mayRetry, spacingMs)
        .transform(
            done -> {
              if (abort.stopped != null) {
                return Future.failedFuture(abort.stopped);
              }
              Long delay = null;
              if (done.failed()
                  && done.cause() instanceof FetchFailure f
                  && f.retryable
                  && mayRetry) {
                delay = backoff(attempt);
              } else if (done.succeeded()
                  && mayRetry
                  && retriesAfter(done.result().status(), done.result().headers())) {
                delay =
                    Math.max(
                        retryAfterMs(done.result().headers().get("Retry-After")), backoff(attempt));
              }
              if (delay == null) {
                return done.succeeded()
                    ? Future.succeededFuture(done.result())
                    : Future.failedFuture(done.cause());
              }
              Promise<Answer> later = Promise.promise();
              long timer =
                  vertx.setTimer(
                      Math.max(1, delay),
                      t ->
                          withRetries(url, options, abort, attempt + 1, maxBody, retry, spacingMs)
                              .onComplete(later));
              abort.onStop(
                  why -> {
                    vertx.cancelTimer(timer);
                    later.tryFail(why);
                  });
              return later.future();
            });
  }

  /** A 429 or 5xx is retried unless its Retry-After asks for a longer wait than {@code maxBackoffMs}. */
  private boolean retriesAfter(int status, MultiMap headers) {
    return (status == 429 || status >= 500 && status <= 599)
        && retryAfterMs(headers.get("Retry-After")) <= settings.maxBackoffMs();
  }

  /** Exponential backoff with equal jitter: half the delay fixed, half random. */
  private long backoff(int attempt) {
    long delay = Math.min(settings.maxBackoffMs(), settings.backoffMs() << Math.min(20, attempt));
    return delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
  }

  /** Retry-After as delay-seconds or an HTTP date; 0 when absent or unreadable. */
  static long retryAfterMs(String value) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(value.trim()) * 1000);
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, at.toInstant().toEpochMilli() - System.currentTimeMillis());
      } catch (RuntimeException notADate) {
        return 0;
      }
    }
  }

  /**
   * One request: resolve, check every address the name has, wait for the limits, connect to the checked
   * address (the Host header and TLS name stay the URL's), read the body up to {@code maxBody}.
   * {@code discard}: the answer will be retried if it is a 429 or 5xx, so its body is not kept.
   */
  private Future<Answer> attempt(
      URI url, Options options, Abort abort, long maxBody, boolean discard, long spacingMs) {
    String host = ScrapeUrls.host(url);
    return stoppable(abort, resolve(host), () -> {})
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
              return stoppable(abort, ticket.granted(), ticket::release)
                  .compose(
                      v -> {
                        abort.startDeadline(vertx, settings.totalTimeoutMs());
                        long sent = System.nanoTime();
                        Future<Answer> answer = exchange(url, address, abort, maxBody, discard);
                        return options.autothrottle()
                            ? answer.onSuccess(
                                a ->
                                    throttle.answered(
                                        host,
                                        a.status(),
                                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent),
                                        retryAfterMs(a.headers().get("Retry-After"))))
                            : answer;
                      })
                  .onComplete(done -> ticket.release());
            });
  }

  /**
   * The address to connect to for {@code host}: resolved, and every address of the name checked by the SSRF
   * guard; fails with an {@code IllegalArgumentException} saying why when it is refused or unknown.
   */
  Future<InetAddress> guardedAddress(String host) {
    return resolve(host)
        .recover(e -> Future.failedFuture(new IllegalArgumentException(e.getMessage())))
        .compose(
            address -> {
              String refused = guard.refusal(host, address);
              return refused == null
                  ? Future.succeededFuture(address)
                  : Future.failedFuture(
                      new IllegalArgumentException(host + " is refused: " + refused));
            });
  }

  /** {@code work}, failed with the fetch's reason when the fetch is stopped first ({@code undo} then runs). */
  private static <T> Future<T> stoppable(Abort abort, Future<T> work, Runnable undo) {
    Promise<T> step = Promise.promise();
    abort.onStop(
        why -> {
          if (step.tryFail(why)) {
            undo.run();
          }
        });
    work.onComplete(
        done -> {
          if (done.succeeded()) {
            step.tryComplete(done.result());
          } else {
            step.tryFail(done.cause());
          }
        });
    return step.future();
  }

  private Future<InetAddress> resolve(String host) {
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (AddressClassifier.isLiteral(bare)) {
      return Future.succeededFuture(AddressClassifier.literal(bare));
    }
    return vertx
        .executeBlocking(
            () -> {
              InetAddress[] all = InetAddress.getAllByName(bare);
              // Every address of the name must pass, so a name with one public and one private
              // record is refused.
              for (InetAddress a : all) {
                if (guard.refusal(host, a) != null) {
                  return a;
                }
              }
              return all[0];
            },
            false)
        .recover(
            e ->
                Future.failedFuture(
                    e instanceof UnknownHostException
                        ? new FetchFailure("dns", "cannot resolve " + bare, false)
                        : new FetchFailure(
                            "dns", "cannot resolve " + bare + ": " + e.getMessage(), false)));
  }

  /** One request and its answer; stopping the fetch resets the request. */
  private final class Exchange {
    final Promise<Answer> answer = Promise.promise();
    HttpClientRequest request;

    void fail(FetchFailure why) {
      if (answer.tryFail(why) && request != null) {
        request.reset();
      }
    }
  }

  private Future<Answer> exchange(
      URI url, InetAddress address, Abort abort, long maxBody, boolean discard) {
    boolean https = "https".equals(url.getScheme());
    RequestOptions request =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setServer(
                SocketAddress.inetSocketAddress(ScrapeUrls.port(url), address.getHostAddress()))
            .setHost(url.getHost())
            .setPort(ScrapeUrls.port(url))
            .setSsl(https)
            .setURI(ScrapeUrls.requestTarget(url))
            .setConnectTimeout(settings.connectTimeoutMs())
            .setIdleTimeout(settings.idleTimeoutMs())
            .putHeader("User-Agent", settings.userAgent())
            .putHeader("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    Exchange exchange = new Exchange();
    abort.onStop(exchange::fail);
    client
        .request(request)
        .compose(
            req -> {
              exchange.request = req;
              // Our own resets (truncation, deadline, cancel) end here too, after the answer is
              // settled.
              req.exceptionHandler(e -> exchange.answer.tryFail(connectionFailure(e)));
              if (exchange.answer.future().isComplete()) {
                req.reset();
              }
              return req.send();
            })
        .onSuccess(response -> read(url, response, maxBody, discard, exchange.answer))
        .onFailure(e -> exchange.answer.tryFail(connectionFailure(e)));
    return exchange.answer.future();
  }

  private void read(
      URI url, HttpClientResponse response, long maxBody, boolean discard, Promise<Answer> answer) {
    SocketAddress remote = response.request().connection().remoteAddress();
    String remoteAddress = remote == null ? null : remote.hostAddress();
    // The connection was opened to the checked address; check what it is connected to all the same.
    if (remoteAddress != null
        && AddressClassifier.isLiteral(remoteAddress)
        && guard.refusal(url.getHost(), AddressClassifier.literal(remoteAddress)) != null) {
      response.request().reset();
      answer.tryFail(
          new FetchFailure("blocked", "connected to a refused address " + remoteAddress, false));
      return;
    }
    int status = response.statusCode();
    boolean redirect = status >= 300 && status < 400 && response.getHeader("Location") != null;
    long limit =
        redirect || discard && retriesAfter(status, response.headers()) ? DISCARD_LIMIT : maxBody;
    boolean keep = limit == maxBody;
    Buffer body = Buffer.buffer();
    long[] bytes = {0};
    response.handler(
        chunk -> {
          if (answer.future().isComplete()) {
            return;
          }
          long room = limit - bytes[0];
          if (chunk.length() <= room) {
            bytes[0] += chunk.length();
            if (keep) {
              body.appendBuffer(chunk);
            }
            return;
          }
          if (keep && room > 0) {
            body.appendBuffer(chunk, 0, (int) room);
          }
          bytes[0] += Math.max(0, room);
          // The rest is not read: the connection is closed rather than drained.
          answer.tryComplete(
              new Answer(url, status, response.headers(), body, bytes[0], true, remoteAddress));
          response.request().reset();
        });
    response.exceptionHandler(
        e ->
            answer.tryFail(
                new FetchFailure("connection", "the answer broke off: " + e.getMessage(), false)));
    response.endHandler(
        v ->
            answer.tryComplete(
                new Answer(url, status, response.headers(), body, bytes[0], false, remoteAddress)));
  }

  private static FetchFailure connectionFailure(Throwable e) {
    if (e instanceof FetchFailure f) {
      return f;
    }
    String message = String.valueOf(e.getMessage());
    // A connect timeout is a connection error (retried); a server that went silent mid-answer is
    // not retried.
    if (e.getClass().getSimpleName().contains("ConnectTimeout")) {
      return new FetchFailure("connection", message, true);
    }
    if (e instanceof TimeoutException
        || message.toLowerCase(Locale.ROOT).contains("timeout")
        || message.toLowerCase(Locale.ROOT).contains("timed out")) {
      return new FetchFailure("timeout", message, false);
    }
    return new FetchFailure("connection", message, true);
  }

  /**
   * Whether robots.txt of the URL's origin lets us fetch it, and if so the spacing its host asks for: the
   * node's {@code perHostDelayMs} or the site's Crawl-delay (up to {@code maxCrawlDelayMs}), the longer.
   */
  private Future<Long> robotsAllow(URI url, Options options, Abort abort) {
    String origin = ScrapeUrls.origin(url);
    RobotsRules known = robots.getIfPresent(origin);
    Future<RobotsRules> rules;
    if (known != null) {
      rules = Future.succeededFuture(known);
    } else {
      RobotsDownload download = downloads.get(origin);
      if (download == null) {
        download = new RobotsDownload(origin);
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
  private final class RobotsDownload {
    private final String origin;
    private final Abort control = new Abort();
    private Future<RobotsRules> rules;
    private int waiting;

    RobotsDownload(String origin) {
      this.origin = origin;
    }

    void start(URI page, Options options) {
      rules =
          fetchRobots(page, options, control)
              .onComplete(
                  done -> {
                    downloads.remove(origin, this);
                    if (done.succeeded() && done.result() != UNREACHABLE) {
                      robots.put(origin, done.result());
                    }
                  });
    }

    Future<RobotsRules> join(Abort waiter) {
      waiting++;
      control
          .holding
          .future()
          .onSuccess(v -> waiter.startDeadline(vertx, settings.totalTimeoutMs()));
      return stoppable(waiter, rules, this::leave);
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
   * RFC 9309: a 4xx robots.txt allows everything, a 5xx forbids everything. When the host cannot be reached
   * the page fetch fails by itself, so nothing is cached and the fetch goes ahead to fail with its own error;
   * a robots.txt that does not arrive within the deadline fails its waiters with {@code timeout}.
   */
  private Future<RobotsRules> fetchRobots(URI page, Options options, Abort control) {
    URI url = URI.create(ScrapeUrls.origin(page) + "/robots.txt");
    Options plain =
        new Options(
            false,
            false,
            List.of(new HostLimiter.Limit("node", settings.globalConcurrency())),
            options.perHostConcurrency(),
            false,
            null,
            false);
    return robotsHop(url, plain, control, new ArrayList<>())
        .transform(
            done -> {
              control.finish(vertx);
              if (done.failed()) {
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

  private Future<Answer> robotsHop(URI url, Options options, Abort control, List<URI> visited) {
    visited.add(url);
    return withRetries(url, options, control, 0, ROBOTS_LIMIT, true, settings.perHostDelayMs())
        .compose(
            a -> {
              String location = a.headers().get("Location");
              URI next =
                  a.status() >= 300 && a.status() < 400 && location != null
                      ? ScrapeUrls.resolve(url, location)
                      : null;
              if (next == null
                  || visited.contains(next)
                  || visited.size() > settings.maxRedirects()) {
                return Future.succeededFuture(a);
              }
              return robotsHop(next, options, control, visited);
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
    return follow(url, options, abort, new ArrayList<>(), maxBytes)
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

  /** The result of a completed fetch; HTML is parsed on the parse workers. */
  private Future<Outcome> describe(String raw, Answer a, Options options, long start) {
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
            .put("sha256", sha256(body));
    if (!isHtml(contentType)) {
      return Future.succeededFuture(
          new Outcome(result.put("elapsedMs", elapsedMs(start)), List.of()));
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
              return new Outcome(result, options.allLinks() ? all : List.of());
            })
        .recover(
            e ->
                Future.succeededFuture(
                    new Outcome(
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

  private static JsonObject failure(String raw, Throwable e, long start) {
    return e instanceof FetchFailure f
        ? error(raw, f.code, f.getMessage(), start)
        : error(raw, "internal", String.valueOf(e.getMessage()), start);
  }

  private static JsonObject error(String raw, String code, String message, long start) {
    return new JsonObject()
        .put("url", raw)
        .put("elapsedMs", elapsedMs(start))
        .put("error", new JsonObject().put("code", code).put("message", message));
  }

  private static long elapsedMs(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

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

  private static String cacheKey(URI url) {
    return "scrape:" + sha256(url.toString().getBytes(StandardCharsets.UTF_8));
  }

  private Future<JsonObject> cacheGet(URI url) {
    return vertx
        .eventBus()
        .<JsonObject>request(
            Addresses.CACHE_INTERNAL_GET,
            new JsonObject().put("key", cacheKey(url)),
            new DeliveryOptions().setSendTimeout(1000))
        .map(m -> new JsonObject(m.body().getString("value")))
        .otherwise((JsonObject) null);
  }

  private void cachePut(URI url, JsonObject result) {
    JsonObject stored = result.copy();
    stored.remove("cached");
    vertx
        .eventBus()
        .request(
            Addresses.CACHE_INTERNAL_PUT,
            new JsonObject()
                .put("key", cacheKey(url))
                .put("value", stored.encode())
                .put("contentType", "application/json")
                .put("ttl", settings.cacheTtlSeconds()),
            new DeliveryOptions().setSendTimeout(1000));
  }
}
