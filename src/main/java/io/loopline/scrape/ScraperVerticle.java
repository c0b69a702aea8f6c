package io.loopline.scrape;

import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.contract.Role;
import io.loopline.platform.bus.Fields;
import io.loopline.platform.bus.Operations;
import io.loopline.platform.config.ScrapeSettings;
import io.loopline.platform.observe.Metrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.tracing.TracingPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The scraper role: owns the pooled HTTP client for outgoing fetches (keep-alive, a connection pool per
 * host), the concurrency limits and robots.txt cache, answers {@code POST /scrape} batches and job
 * submissions on the bus, and runs job pages through {@link ScrapeJobRunner}. HTML is parsed by
 * {@link ParseVerticle} workers. Receives the {@code scrape} section.
 */
public final class ScraperVerticle extends VerticleBase {

  private static final Set<String> BATCH_OPTIONS =
      Set.of("cache", "robots", "concurrency", "perHostConcurrency", "extract", "autothrottle");
  private static final Set<String> JOB_OPTIONS =
      Set.of(
          "cache",
          "robots",
          "concurrency",
          "perHostConcurrency",
          "depth",
          "maxPages",
          "extract",
          "scope",
          "include",
          "exclude",
          "canonical",
          "sitemaps",
          "robotsSitemaps",
          "autothrottle");

  /** Characters of an invalid URL kept as its page's URL in a job. */
  static final int INVALID_URL_STORED = 500;

  private ScrapeSettings settings;
  private HttpClientAgent client;
  private Fetcher fetcher;
  private ScrapeJobRunner runner;
  private long batches;

  @Override
  public Future<?> start() {
    settings = ScrapeSettings.from(config());
    ParseTask.registerCodecs(vertx);
    client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(true)
                .setKeepAliveTimeout(30)
                .setDecompressionSupported(true)
                .setConnectTimeout((int) settings.connectTimeoutMs())
                // Trace context stays inside: third-party sites get no traceparent.
                .setTracingPolicy(TracingPolicy.IGNORE),
            new PoolOptions()
                .setHttp1MaxSize(settings.perHostConcurrency())
                .setMaxWaitQueueSize(-1));
    HostLimiter limiter = new HostLimiter(vertx);
    MeterRegistry metrics = Metrics.registry(config());
    Gauge.builder("loopline.scrape.in.flight", limiter, l -> l.inUse("node"))
        .description("Fetches running now on this node")
        .register(metrics);
    fetcher =
        new Fetcher(
            vertx, client, settings, new AddressClassifier(settings.allow()), limiter, metrics);
    runner = new ScrapeJobRunner(vertx, fetcher, settings, metrics);
    Webhooks webhooks = new Webhooks(vertx, client, fetcher, settings);
    var bus = vertx.eventBus();
    return Future.all(
            List.of(
                Operations.answerIgnoringBody(
                        bus,
                        Addresses.health(Role.SCRAPER),
                        () ->
                            Future.succeededFuture(new JsonObject().put("role", Role.SCRAPER.id())),
                        ScraperVerticle::fail)
                    .completion(),
                answer(Addresses.SCRAPE_BATCH, this::batch),
                answer(Addresses.SCRAPE_JOBS_SUBMIT, this::submit),
                answer(Addresses.SCRAPE_REQUEST, webhooks::call)))
        .compose(v -> runner.start());
  }

  private Future<Void> answer(String address, Function<JsonObject, Future<JsonObject>> operation) {
    return Operations.answer(vertx.eventBus(), address, operation, ScraperVerticle::fail)
        .completion();
  }

  /** The scraper's failure path: {@link #failureCode} and the failure's message. */
  private static void fail(Message<?> message, Throwable e) {
    message.fail(failureCode(e), String.valueOf(e.getMessage()));
  }

  /** A coded failure passes on as it is; no persistence role on the bus, or one too slow, is a 503. */
  private static int failureCode(Throwable e) {
    if (e instanceof IllegalArgumentException) {
      return Failures.BAD_REQUEST;
    }
    if (e instanceof ReplyException re) {
      return re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() > 0
          ? re.failureCode()
          : Failures.UNAVAILABLE;
    }
    return 500;
  }

  /** Every URL fetched at once within the limits; one result per URL given, in order. */
  private Future<JsonObject> batch(JsonObject message) {
    List<String> urls = urls(message, settings.maxBatchUrls());
    JsonObject options = options(message, BATCH_OPTIONS);
    int concurrency = positive(options, "concurrency", settings.globalConcurrency());
    List<HostLimiter.Limit> limits =
        List.of(
            new HostLimiter.Limit("node", settings.globalConcurrency()),
            new HostLimiter.Limit("batch:" + (++batches), concurrency));
    ExtractionRules rules = rules(options);
    // A cached result has no fields of these rules: with rules, every page is fetched.
    Fetcher.Options fetch =
        new Fetcher.Options(
            options.getBoolean("robots", true),
            options.getBoolean("cache", true) && rules.isEmpty(),
            limits,
            positive(options, "perHostConcurrency", settings.perHostConcurrency()),
            false,
            rules,
            options.getValue("autothrottle") != null && flag(options, "autothrottle"));
    // The same page asked twice is fetched once.
    Map<String, Future<Fetcher.Outcome>> byUrl = new LinkedHashMap<>();
    List<Future<JsonObject>> results = new ArrayList<>();
    for (String url : urls) {
      String key;
      try {
        key = ScrapeUrls.normalise(url).toString();
      } catch (IllegalArgumentException e) {
        key = "invalid:" + url;
      }
      Future<Fetcher.Outcome> outcome =
          byUrl.computeIfAbsent(key, k -> fetcher.fetch(url, fetch, new Fetcher.Abort()));
      results.add(outcome.map(o -> o.result().copy().put("url", url)));
    }
    return Future.all(results)
        .map(
            all ->
                new JsonObject()
                    .put(
                        "results",
                        new JsonArray(results.stream().map(f -> (Object) f.result()).toList())));
  }

  /** Validates, normalises and de-duplicates the URLs, then has the job stored; the runners take it from there. */
  private Future<JsonObject> submit(JsonObject message) {
    List<String> urls = urls(message, settings.maxJobUrls());
    JsonObject options = options(message, JOB_OPTIONS);
    int depth = options.getValue("depth") == null ? 0 : integer(options, "depth");
    if (depth < 0 || depth > 2) {
      throw new IllegalArgumentException("options.depth: must be 0, 1 or 2");
    }
    positive(options, "concurrency", settings.globalConcurrency());
    positive(options, "perHostConcurrency", settings.perHostConcurrency());
    rules(options);
    ScrapeScope.of(options);
    if (options.containsKey("canonical") && !(options.getValue("canonical") instanceof Boolean)) {
      throw new IllegalArgumentException("options.canonical: must be true or false");
    }
    List<String> sitemaps = sitemaps(options);
    boolean robotsSitemaps =
        options.getValue("robotsSitemaps") != null && flag(options, "robotsSitemaps");
    if (options.getValue("autothrottle") != null) {
      flag(options, "autothrottle");
    }
    Set<String> valid = new LinkedHashSet<>();
    Map<String, JsonObject> invalid = new LinkedHashMap<>();
    for (String url : urls) {
      try {
        valid.add(ScrapeUrls.normalise(url).toString());
      } catch (IllegalArgumentException e) {
        // Stored as the page's URL, so cleaned and cut short enough for its index (at most 4 bytes
        // a character).
        String stored = ScrapedText.clean(url, INVALID_URL_STORED);
        invalid.putIfAbsent(
            stored,
            new JsonObject()
                .put("url", stored)
                .put(
                    "error",
                    new JsonObject().put("code", "invalid-url").put("message", e.getMessage())));
      }
    }
    if (sitemaps.isEmpty() && !robotsSitemaps) {
      return store(options, depth, valid, invalid);
    }
    // The sitemaps' URLs join the job's own, up to maxJobUrls in all.
    int limit =
        options.getValue("maxPages") == null
            ? settings.maxJobUrls()
            : Math.min(settings.maxJobUrls(), integer(options, "maxPages"));
    int room = limit - valid.size() - invalid.size();
    return Sitemaps.read(
            vertx,
            fetcher,
            sitemaps,
            robotsSitemaps ? Sitemaps.origins(valid) : List.of(),
            options.getBoolean("robots", true),
            Math.max(0, room))
        .compose(
            found -> {
              for (String url : found) {
                try {
                  valid.add(ScrapeUrls.normalise(url).toString());
                } catch (IllegalArgumentException e) {
                  // a sitemap's entry that is no fetchable URL is left out
                }
              }
              return store(options, depth, valid, invalid);
            });
  }

  private Future<JsonObject> store(
      JsonObject options, int depth, Set<String> valid, Map<String, JsonObject> invalid) {
    invalid.keySet().removeAll(valid);
    int pages = valid.size() + invalid.size();
    int maxPages =
        options.getValue("maxPages") == null
            ? (depth == 0 ? pages : settings.maxJobUrls())
            : integer(options, "maxPages");
    if (maxPages < pages || maxPages > settings.maxJobUrls()) {
      throw new IllegalArgumentException(
          "options.maxPages: must be from the number of distinct URLs ("
              + pages
              + ") to "
              + settings.maxJobUrls());
    }
    JsonObject stored = options.copy().put("depth", depth).put("maxPages", maxPages);
    JsonArray invalidPages = new JsonArray();
    invalid.forEach(
        (url, result) -> invalidPages.add(new JsonObject().put("url", url).put("result", result)));
    return vertx
        .eventBus()
        .<JsonObject>request(
            Addresses.SCRAPE_JOBS_STORE,
            new JsonObject()
                .put("options", stored)
                .put("maxPages", maxPages)
                .put("urls", new JsonArray(new ArrayList<Object>(valid)))
                .put("invalid", invalidPages))
        .map(Message::body);
  }

  private static List<String> urls(JsonObject message, int max) {
    if (!(message.getValue("urls") instanceof JsonArray urls)
        || urls.isEmpty()
        || urls.size() > max) {
      throw new IllegalArgumentException("urls: must be a list of 1 to " + max + " URLs");
    }
    List<String> out = new ArrayList<>();
    for (Object url : urls) {
      if (!(url instanceof String text)) {
        throw new IllegalArgumentException("urls: each URL must be a string");
      }
      out.add(text);
    }
    return out;
  }

  private static JsonObject options(JsonObject message, Set<String> known) {
    Object value = message.getValue("options");
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject options)) {
      throw new IllegalArgumentException("options: must be an object");
    }
    for (String field : options.fieldNames()) {
      if (!known.contains(field)) {
        throw new IllegalArgumentException(
            "options." + field + ": is not a known option; known: " + known);
      }
    }
    for (String flag : List.of("cache", "robots")) {
      if (options.containsKey(flag) && !(options.getValue(flag) instanceof Boolean)) {
        throw new IllegalArgumentException("options." + flag + ": must be true or false");
      }
    }
    return options;
  }

  private static List<String> sitemaps(JsonObject options) {
    Object value = options.getValue("sitemaps");
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray list) || list.size() > 10) {
      throw new IllegalArgumentException(
          "options.sitemaps: must be a list of at most 10 sitemap URLs");
    }
    List<String> out = new ArrayList<>();
    for (Object url : list) {
      if (!(url instanceof String text)) {
        throw new IllegalArgumentException("options.sitemaps: each sitemap must be a URL");
      }
      try {
        out.add(ScrapeUrls.normalise(text).toString());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("options.sitemaps: " + e.getMessage());
      }
    }
    return out;
  }

  private static boolean flag(JsonObject options, String field) {
    if (!(options.getValue(field) instanceof Boolean b)) {
      throw new IllegalArgumentException("options." + field + ": must be true or false");
    }
    return b;
  }

  /** The extraction rules of {@code options.extract}; a 400 names the first bad one. */
  static ExtractionRules rules(JsonObject options) {
    Object extract = options.getValue("extract");
    if (extract != null && !(extract instanceof JsonObject)) {
      throw new IllegalArgumentException("options.extract: must be an object of named rules");
    }
    return ExtractionRules.parse((JsonObject) extract, "options.extract");
  }

  private static int integer(JsonObject options, String field) {
    Long whole = Fields.wholeNumber(options.getValue(field), Integer.MIN_VALUE, Integer.MAX_VALUE);
    if (whole == null) {
      throw new IllegalArgumentException("options." + field + ": must be an integer");
    }
    return whole.intValue();
  }

  /** A positive integer option, at most the node's own limit (which is also its default). */
  private static int positive(JsonObject options, String field, int limit) {
    if (options.getValue(field) == null) {
      return limit;
    }
    int value = integer(options, field);
    if (value < 1) {
      throw new IllegalArgumentException("options." + field + ": must be at least 1");
    }
    return Math.min(value, limit);
  }

  @Override
  public Future<?> stop() {
    Future<?> stopped = runner == null ? Future.succeededFuture() : runner.stop();
    return stopped.eventually(() -> client == null ? Future.succeededFuture() : client.close());
  }
}
