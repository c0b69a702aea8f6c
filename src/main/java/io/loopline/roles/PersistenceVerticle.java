package io.loopline.roles;

import io.loopline.chat.ChatActivity;
import io.loopline.chat.ChatStore;
import io.loopline.contract.Addresses;
import io.loopline.contract.Role;
import io.loopline.items.CacheIdentityStore;
import io.loopline.items.CacheInvalidation;
import io.loopline.items.ItemStore;
import io.loopline.jobs.JobStore;
import io.loopline.jobs.JobWakeups;
import io.loopline.jobs.ScheduleStore;
import io.loopline.keys.ApiKeyStore;
import io.loopline.platform.bus.Operations;
import io.loopline.platform.bus.StoreFailure;
import io.loopline.platform.config.AdminSettings;
import io.loopline.platform.config.CacheSettings;
import io.loopline.platform.config.DbSettings;
import io.loopline.platform.config.IngestSettings;
import io.loopline.platform.config.ScheduleSettings;
import io.loopline.platform.db.Database;
import io.loopline.platform.observe.Metrics;
import io.loopline.scrape.ScrapeStore;
import io.loopline.streams.IngestMetrics;
import io.loopline.streams.StreamStore;
import io.loopline.users.UserStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the only PostgreSQL client and every SQL statement, and answers the persistence addresses of the
 * event-bus contract. An item write is answered only after the cache was told of it, whoever asked for the
 * write. Enqueues the due occurrences of recurring jobs
 * every {@code jobs.schedulePollMs}. Receives the {@code db}, {@code cache}, {@code admin} and {@code jobs} sections, with {@code db.url} already pointing at the
 * embedded server when none was configured.
 */
public final class PersistenceVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(PersistenceVerticle.class);

  /** The configuration sections a persistence verticle receives. */
  public static final String[] SECTIONS = {"db", "cache", "admin", "jobs", "ingest"};

  private Database db;
  private JobWakeups wakeups;
  private StreamStore streams;
  private long scheduleTimer = -1;
  private Future<Integer> tick = Future.succeededFuture(0);

  @Override
  public Future<?> start() {
    DbSettings settings = DbSettings.from(config());
    db = new Database(vertx, settings);
    wakeups = new JobWakeups(vertx, settings);
    UserStore users = new UserStore(db);
    ItemStore items = new ItemStore(db);
    JobStore jobs = new JobStore(db);
    ApiKeyStore keys = new ApiKeyStore(db);
    ScrapeStore scrapes = new ScrapeStore(db);
    ChatStore chat = new ChatStore(db);
    ScheduleSettings scheduling = ScheduleSettings.from(config());
    ScheduleStore schedules = new ScheduleStore(vertx, db, scheduling.scheduleGraceMs());
    streams =
        new StreamStore(
            vertx,
            db,
            IngestSettings.from(config()),
            new IngestMetrics(Metrics.registry(config())));
    CacheInvalidation cache = new CacheInvalidation(vertx.eventBus(), CacheSettings.from(config()));
    // First, alone: with a small pool, nothing else may take the connection it needs.
    return keys.bootstrap(AdminSettings.from(config()).key())
        .compose(
            v -> {
              countJobs(jobs, Metrics.registry(config()));
              return register(users, items, jobs, schedules, keys, scrapes, chat, cache);
            })
        .onSuccess(
            v ->
                scheduleTimer =
                    vertx.setPeriodic(scheduling.schedulePollMs(), t -> enqueueDue(schedules)));
  }

  /** One tick at a time: a slow database makes ticks wait, never pile up. */
  private void enqueueDue(ScheduleStore schedules) {
    if (!tick.isComplete()) {
      return;
    }
    tick =
        schedules
            .enqueueDue()
            .onFailure(e -> log.warn("recurring jobs not enqueued this tick: {}", e.getMessage()));
  }

  private Future<?> register(
      UserStore users,
      ItemStore items,
      JobStore jobs,
      ScheduleStore schedules,
      ApiKeyStore keys,
      ScrapeStore scrapes,
      ChatStore chat,
      CacheInvalidation cache) {
    CacheIdentityStore identity = new CacheIdentityStore(db);
    return Future.all(
        List.of(
            wakeups.start(),
            answer(Addresses.health(Role.PERSISTENCE), this::health),
            answer(Addresses.USERS_CREATE, users::create),
            answer(Addresses.USERS_GET, users::get),
            answer(Addresses.USERS_LIST, users::list),
            answer(Addresses.USERS_UPDATE, users::update),
            answer(Addresses.USERS_DELETE, users::delete),
            answer(Addresses.CACHE_IDENTITY, identity::get),
            answer(Addresses.CACHE_IDENTITY_BUMP, identity::bump),
            answer(Addresses.ITEMS_CREATE, items::create),
            answer(Addresses.ITEMS_GET, items::get),
            answerEncoded(items),
            answer(Addresses.ITEMS_GET_MANY, items::getMany),
            answer(Addresses.ITEMS_LIST, items::list),
            answer(Addresses.ITEMS_REPLACE, m -> items.replace(m).compose(cache::changed)),
            answer(Addresses.ITEMS_UPDATE, m -> items.update(m).compose(cache::changed)),
            answer(Addresses.ITEMS_DELETE, m -> items.delete(m).compose(cache::deleted)),
            answer(Addresses.JOBS_SUBMIT, jobs::submit),
            answer(Addresses.JOBS_GET, jobs::get),
            answer(Addresses.JOBS_LIST, jobs::list),
            answer(Addresses.JOBS_RETRY, jobs::retry),
            answer(Addresses.JOBS_CANCEL, jobs::cancel),
            answer(Addresses.JOBS_CLAIM, jobs::claim),
            answer(Addresses.JOBS_RENEW, jobs::renew),
            answer(Addresses.JOBS_COMPLETE, jobs::complete),
            answer(Addresses.JOBS_FAIL, jobs::fail),
            answer(Addresses.JOBS_RELEASE, jobs::release),
            answer(Addresses.JOBS_COUNTS, jobs::counts),
            answer(Addresses.JOBS_RETRY_DEAD, jobs::retryDead),
            answer(Addresses.JOBS_DISCARD_DEAD, jobs::discardDead),
            answer(Addresses.SCHEDULES_CREATE, schedules::create),
            answer(Addresses.SCHEDULES_GET, schedules::get),
            answer(Addresses.SCHEDULES_LIST, schedules::list),
            answer(Addresses.SCHEDULES_PAUSE, schedules::pause),
            answer(Addresses.SCHEDULES_RESUME, schedules::resume),
            answer(Addresses.SCHEDULES_DELETE, schedules::delete),
            answer(Addresses.API_KEYS_CREATE, keys::create),
            answer(Addresses.API_KEYS_LIST, keys::list),
            answer(Addresses.API_KEYS_LOOKUP, keys::lookup),
            answer(
                Addresses.API_KEYS_REVOKE,
                m ->
                    keys.revoke(m)
                        .onSuccess(
                            revoked ->
                                vertx
                                    .eventBus()
                                    .publish(
                                        Addresses.API_KEYS_REVOKED,
                                        new JsonObject().put("id", revoked.getLong("id"))))),
            answer(
                Addresses.SCRAPE_JOBS_STORE,
                m ->
                    scrapes
                        .store(m)
                        .onSuccess(
                            job ->
                                vertx
                                    .eventBus()
                                    .publish(
                                        Addresses.SCRAPE_JOBS_AVAILABLE,
                                        new JsonObject().put("id", job.getLong("id"))))),
            answer(Addresses.SCRAPE_JOBS_GET, scrapes::get),
            answer(Addresses.SCRAPE_JOBS_LIST, scrapes::list),
            answer(Addresses.SCRAPE_JOBS_PAGES, scrapes::pages),
            answer(Addresses.SCRAPE_JOBS_EXPORT, scrapes::export),
            answer(Addresses.SCRAPE_JOBS_EVENTS, scrapes::events),
            answer(Addresses.SCRAPE_JOBS_CANCEL, m -> scrapes.cancel(m).onSuccess(this::cancelled)),
            answer(Addresses.SCRAPE_PAGES_CLAIM, scrapes::claim),
            answer(Addresses.SCRAPE_PAGES_RENEW, scrapes::renew),
            answer(Addresses.SCRAPE_PAGES_COMPLETE, scrapes::complete),
            answer(Addresses.SCRAPE_PAGES_COMPLETE_MANY, scrapes::completeMany),
            answer(Addresses.SCRAPE_PAGES_RELEASE, scrapes::release),
            answer(Addresses.CHAT_HISTORY_APPEND, chat::append),
            answer(Addresses.CHAT_HISTORY_LIST, chat::list),
            answer(Addresses.CHAT_ROOMS, new ChatActivity(db)::rooms),
            answer(Addresses.CHAT_LEASE_TAKE, chat::takeLease),
            answer(Addresses.CHAT_LEASE_RENEW, chat::renewLease),
            answer(Addresses.CHAT_LEASE_RELEASE, chat::releaseLease),
            Operations.answerAny(
                    vertx.eventBus(),
                    Addresses.STREAMS_APPEND,
                    streams::append,
                    StoreFailure::reply)
                .completion(),
            answer(Addresses.STREAMS_ATOMIC, streams::atomic),
            answer(Addresses.STREAMS_LIST, streams::list),
            answer(Addresses.STREAMS_GET, streams::get),
            answer(Addresses.STREAMS_SERIES, streams::series),
            answer(Addresses.STREAMS_RECORDS, streams::records),
            answer(Addresses.STREAMS_AFTER, streams::after),
            answer(Addresses.STREAMS_EXPORT, streams::export)));
  }

  /** {@link Addresses#ITEMS_GET_ENCODED}: the item's JSON as a buffer, its version in a header. */
  private Future<Void> answerEncoded(ItemStore items) {
    return Operations.answerWith(
            vertx.eventBus(),
            Addresses.ITEMS_GET_ENCODED,
            body -> {
              if (!(body instanceof JsonObject message)) {
                throw StoreFailure.invalid("the message body must be a JSON object");
              }
              return items
                  .get(message)
                  .map(
                      found ->
                          new Operations.Reply(
                              found.toBuffer(),
                              new DeliveryOptions()
                                  .addHeader(
                                      Addresses.VERSION_HEADER,
                                      String.valueOf(found.getInteger("version")))));
            },
            StoreFailure::reply)
        .completion();
  }

  /** Runners stop the job's fetches; event streams end. */
  private void cancelled(JsonObject job) {
    long id = job.getLong("id");
    vertx.eventBus().publish(Addresses.SCRAPE_JOBS_CANCELLED, new JsonObject().put("id", id));
    vertx
        .eventBus()
        .publish(
            Addresses.scrapeJobEvents(id), new JsonObject().put("event", "end").put("job", job));
  }

  /** Registers an operation: its answer is the reply, its failure a coded event-bus failure. */
  private Future<Void> answer(String address, Function<JsonObject, Future<JsonObject>> operation) {
    return Operations.answer(vertx.eventBus(), address, operation, StoreFailure::reply)
        .completion();
  }

  /** Gauges of jobs per state, refreshed every 15 s: a backlog shows as a growing {@code pending}. */
  private void countJobs(JobStore jobs, MeterRegistry registry) {
    Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    for (String state : List.of("pending", "running", "done", "dead", "cancelled")) {
      AtomicLong count = counts.computeIfAbsent(state, s -> new AtomicLong());
      Gauge.builder("loopline.jobs", count, AtomicLong::get)
          .description("Jobs in each state")
          .tag("state", state)
          .register(registry);
    }
    Runnable refresh =
        () ->
            jobs.countByState()
                .onSuccess(
                    found ->
                        found.forEach(
                            (state, n) ->
                                counts.computeIfAbsent(state, s -> new AtomicLong()).set(n)));
    refresh.run();
    vertx.setPeriodic(15_000, t -> refresh.run());
  }

  private Future<JsonObject> health(JsonObject ignored) {
    return db.run("SELECT 1", Tuple.tuple())
        .map(rows -> new JsonObject().put("role", Role.PERSISTENCE.id()).put("database", "UP"));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(scheduleTimer);
    Future<Void> listening = wakeups == null ? Future.succeededFuture() : wakeups.close();
    return listening
        .eventually(() -> streams == null ? Future.succeededFuture() : streams.close())
        .eventually(() -> db == null ? Future.succeededFuture() : db.close());
  }
}
