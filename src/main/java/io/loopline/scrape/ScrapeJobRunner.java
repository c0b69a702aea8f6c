package io.loopline.scrape;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.platform.bus.LocalFirst;
import io.loopline.platform.bus.Operations;
import io.loopline.platform.config.ScrapeSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs scrape-job pages on this node: claims pending pages from PostgreSQL under a lease (woken when a job
 * is stored, with a poll as a fallback), fetches them within the job's limits, renews the leases of the
 * pages in flight, and stores each result once. A page whose lease is lost, or whose job is cancelled, has
 * its fetch stopped. On stop it claims no more, stops its fetches and gives their pages back at once; a
 * node that dies leaves them to whichever node claims them after the lease.
 */
final class ScrapeJobRunner {

  private static final Logger log = LoggerFactory.getLogger(ScrapeJobRunner.class);

  /** Claims of one page that may end without a stored result before it is given up. */
  static final int MAX_ATTEMPTS = 3;

  private record Running(long jobId, Fetcher.Abort abort, Future<?> done) {}

  private final Vertx vertx;
  private final Fetcher fetcher;
  private final ScrapeSettings settings;
  private final String owner =
      ProcessHandle.current().pid() + "-scrape-" + UUID.randomUUID().toString().substring(0, 8);
  private final Map<Long, Running> running = new HashMap<>();

  /** Each job's extraction rules, compiled once (they were checked when the job was given). */
  private final Cache<Long, ExtractionRules> rules = Caffeine.newBuilder().maximumSize(256).build();

  /** Each job's scope (which links it follows), built once. */
  private final Cache<Long, ScrapeScope> scopes = Caffeine.newBuilder().maximumSize(256).build();

  /** Claims and completions go to this node's persistence verticle when it has one. */
  private final LocalFirst persistence;

  private final Completions completions;
  private final Counter unstorable;
  private MessageConsumer<JsonObject> wakeups;
  private MessageConsumer<JsonObject> cancellations;
  private long pollTimer = -1;
  private long renewTimer = -1;
  private Future<?> claimInFlight = Future.succeededFuture();
  private boolean claiming;
  private boolean claimAgain;
  private boolean stopping;

  ScrapeJobRunner(Vertx vertx, Fetcher fetcher, ScrapeSettings settings, MeterRegistry metrics) {
    this.unstorable =
        Counter.builder("loopline.scrape.pages.unstorable")
            .description(
                "Scrape pages whose result the store refused; stored as failed with the error unstorable")
            .register(metrics);
    this.persistence = new LocalFirst(vertx.eventBus(), vertx.isClustered());
    this.completions = new Completions(vertx, owner, this::request);
    this.vertx = vertx;
    this.fetcher = fetcher;
    this.settings = settings;
  }

  Future<Void> start() {
    wakeups =
        Operations.listen(vertx.eventBus(), Addresses.SCRAPE_JOBS_AVAILABLE, wakeup -> claim());
    cancellations =
        Operations.<JsonObject>listen(
            vertx.eventBus(),
            Addresses.SCRAPE_JOBS_CANCELLED,
            cancelled -> abortJob(cancelled.getLong("id")));
    pollTimer = vertx.setPeriodic(settings.pollMs(), t -> claim());
    renewTimer = vertx.setPeriodic(Math.max(100, settings.leaseMs() / 3), t -> renew());
    return Future.all(wakeups.completion(), cancellations.completion())
        .onSuccess(v -> claim())
        .mapEmpty();
  }

  /** Claims as many pages as there are free slots; a wake-up during a claim leads to one more. */
  private void claim() {
    int free = settings.jobConcurrency() - running.size();
    if (stopping || free <= 0) {
      return;
    }
    if (claiming) {
      claimAgain = true;
      return;
    }
    claiming = true;
    claimAgain = false;
    claimInFlight =
        request(
                Addresses.SCRAPE_PAGES_CLAIM,
                new JsonObject()
                    .put("owner", owner)
                    .put("limit", free)
                    .put("leaseMs", settings.leaseMs()))
            .onComplete(
                claimed -> {
                  claiming = false;
                  if (claimed.failed()) {
                    log.debug("scrape claim failed: {}", claimed.cause().getMessage());
                    return;
                  }
                  if (stopping) {
                    return; // left leased: the release in stop() hands them back
                  }
                  JsonArray pages = claimed.result().getJsonArray("pages");
                  pages.forEach(page -> run((JsonObject) page));
                  if (claimAgain || pages.size() == free) {
                    claim();
                  }
                });
  }

  private void run(JsonObject page) {
    long id = page.getLong("id");
    long jobId = page.getLong("jobId");
    JsonObject options = page.getJsonObject("options");
    int depth = page.getInteger("depth");
    boolean follow = depth < options.getInteger("depth", 0);
    int concurrency =
        Math.min(
            options.getInteger("concurrency", settings.globalConcurrency()),
            settings.globalConcurrency());
    ExtractionRules extract = rules.get(jobId, job -> ScraperVerticle.rules(options));
    Fetcher.Options fetch =
        new Fetcher.Options(
            options.getBoolean("robots", true),
            // a cached result lacks the links to follow and the fields of the job's rules
            options.getBoolean("cache", true) && !follow && extract.isEmpty(),
            List.of(
                new HostLimiter.Limit("node", settings.globalConcurrency()),
                new HostLimiter.Limit("job:" + jobId, concurrency)),
            Math.min(
                options.getInteger("perHostConcurrency", settings.perHostConcurrency()),
                settings.perHostConcurrency()),
            follow,
            extract,
            options.getBoolean("autothrottle", false));
    Fetcher.Abort abort = new Fetcher.Abort();
    Future<Fetcher.Outcome> fetched =
        page.getInteger("attempts") > MAX_ATTEMPTS
            ? Future.succeededFuture(abandoned(page))
            : fetcher.fetch(page.getString("url"), fetch, abort);
    Future<JsonObject> stored =
        fetched
            .compose(
                outcome -> {
                  if (abort.aborted()) {
                    return Future.failedFuture("stopped");
                  }
                  JsonObject result = outcome.result();
                  boolean failed =
                      result.containsKey("error") || result.getInteger("status", 0) >= 400;
                  List<String> links =
                      follow && !failed
                          ? scopes
                              .get(jobId, job -> ScrapeScope.of(options))
                              .follow(URI.create(page.getString("url")), outcome.links())
                          : List.of();
                  String canonical = result.getString("canonical");
                  if (options.getBoolean("canonical", false)
                      && canonical != null
                      && !canonical.equals(result.getString("finalUrl"))) {
                    // A copy of another page: stored as one, and only the page it names is followed
                    // (fetched once per job).
                    result.put("duplicateOf", canonical);
                    links =
                        follow && !failed
                            ? scopes
                                .get(jobId, job -> ScrapeScope.of(options))
                                .follow(URI.create(page.getString("url")), List.of(canonical))
                            : List.of();
                  }
                  if (links.isEmpty()) {
                    return completions.add(jobId, id, failed, result);
                  }
                  return request(
                      Addresses.SCRAPE_PAGES_COMPLETE,
                      new JsonObject()
                          .put("id", id)
                          .put("owner", owner)
                          .put("failed", failed)
                          .put("result", result)
                          .put(
                              "links",
                              new JsonArray(links.stream().map(Object.class::cast).toList())));
                })
            .recover(
                e ->
                    refused(e) && !abort.aborted()
                        ? storeUnstorable(page, e)
                        : Future.failedFuture(e));
    running.put(id, new Running(jobId, abort, stored));
    stored.onComplete(
        done -> {
          running.remove(id);
          if (done.succeeded()) {
            announce(done.result());
          } else if (!abort.aborted()) {
            Throwable e = done.cause();
            // A refusal from the store is expected and says enough; anything else is a defect, with
            // its trace.
            log.warn(
                "scrape page {}: result not stored ({}); it runs again when its lease ends",
                id,
                e.getMessage(),
                e instanceof ReplyException ? null : e);
          }
          claim();
        });
  }

  /** The store refused the page's result (a 409 is a lost lease, not a refusal of the value). */
  private static boolean refused(Throwable e) {
    return Failures.refused(e) && ((ReplyException) e).failureCode() != Failures.CONFLICT;
  }

  /**
   * A result the store refused, whatever it holds, would be refused again after every lease: the page is
   * stored as failed with the error {@code unstorable} instead, counted and logged, and its job goes on.
   */
  private Future<JsonObject> storeUnstorable(JsonObject page, Throwable refusal) {
    long id = page.getLong("id");
    long jobId = page.getLong("jobId");
    unstorable.increment();
    log.warn(
        "scrape page {} of job {} ({}): result refused by the store ({}); stored as failed",
        id,
        jobId,
        page.getString("url"),
        refusal.getMessage());
    JsonObject result =
        ScrapedText.result(
            new JsonObject()
                .put("url", page.getString("url"))
                .put(
                    "error",
                    new JsonObject()
                        .put("code", "unstorable")
                        .put(
                            "message", "the result could not be stored: " + refusal.getMessage())));
    return completions.add(jobId, id, true, result);
  }

  /**
   * A page claimed more than {@link #MAX_ATTEMPTS} times never had its result stored: its runners died or
   * stopped each time (its fetch may be what kills them), so it is failed instead of fetched again.
   */
  private static Fetcher.Outcome abandoned(JsonObject page) {
    return new Fetcher.Outcome(
        new JsonObject()
            .put("url", page.getString("url"))
            .put("elapsedMs", 0)
            .put(
                "error",
                new JsonObject()
                    .put("code", "abandoned")
                    .put(
                        "message",
                        "claimed "
                            + (page.getInteger("attempts") - 1)
                            + " times without a stored result; not fetched again")),
        List.of());
  }

  /** The page's result, the job's progress, and the end of the job, to whoever listens. */
  private void announce(JsonObject completed) {
    JsonObject job = completed.getJsonObject("job");
    long jobId = job.getLong("id");
    String address = Addresses.scrapeJobEvents(jobId);
    var bus = vertx.eventBus();
    bus.publish(
        address,
        new JsonObject()
            .put("event", "page")
            .put("jobId", jobId)
            .put("page", completed.getJsonObject("page")));
    bus.publish(address, new JsonObject().put("event", "progress").put("job", job));
    bus.publish(Addresses.SCRAPE_PROGRESS, job);
    // Once, after the last page: the pages of one stored batch all carry the job as the batch left
    // it.
    if (!"running".equals(job.getString("state")) && completed.getBoolean("lastOfBatch", true)) {
      bus.publish(address, new JsonObject().put("event", "end").put("job", job));
    }
  }

  private void abortJob(long jobId) {
    running.values().stream()
        .filter(r -> r.jobId() == jobId)
        .toList()
        .forEach(r -> r.abort().abort());
  }

  /** Renews the leases of pages in flight; a page not renewed (lease lost, job cancelled) has its fetch stopped. */
  private void renew() {
    if (running.isEmpty()) {
      return;
    }
    Set<Long> ids = new HashSet<>(running.keySet());
    request(
            Addresses.SCRAPE_PAGES_RENEW,
            new JsonObject()
                .put("owner", owner)
                .put("ids", new JsonArray(ids.stream().map(Object.class::cast).toList()))
                .put("leaseMs", settings.leaseMs()))
        .onSuccess(
            reply -> {
              reply.getJsonArray("renewed").forEach(id -> ids.remove(((Number) id).longValue()));
              ids.forEach(
                  id -> {
                    Running r = running.get(id);
                    if (r != null) {
                      r.abort().abort();
                    }
                  });
            })
        .onFailure(e -> log.warn("scrape lease renewal failed: {}", e.getMessage()));
  }

  private Future<JsonObject> request(String address, JsonObject body) {
    return persistence.<JsonObject>request(address, body, new DeliveryOptions()).map(Message::body);
  }

  /** Claims no more, stops the fetches in flight, and gives their pages back at once. */
  Future<Void> stop() {
    stopping = true;
    vertx.cancelTimer(pollTimer);
    vertx.cancelTimer(renewTimer);
    List<Running> stopped = List.copyOf(running.values());
    List<Future<?>> inFlight = new java.util.ArrayList<>();
    stopped.forEach(r -> inFlight.add(r.done()));
    stopped.forEach(r -> r.abort().abort());
    completions.flush();
    return Future.join(wakeups.unregister(), cancellations.unregister())
        .transform(v -> claimInFlight.otherwiseEmpty())
        .transform(v -> Future.join(inFlight))
        .transform(
            v -> request(Addresses.SCRAPE_PAGES_RELEASE, new JsonObject().put("owner", owner)))
        .onSuccess(
            released -> {
              if (released.getInteger("released") > 0) {
                log.info(
                    "released {} scrape pages to other runners", released.getInteger("released"));
              }
            })
        .otherwiseEmpty()
        .mapEmpty();
  }
}
