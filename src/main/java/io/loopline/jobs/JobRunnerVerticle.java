package io.loopline.jobs;

import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.contract.JobType;
import io.loopline.platform.bus.LocalFirst;
import io.loopline.platform.bus.Operations;
import io.loopline.platform.config.JobSettings;
import io.loopline.platform.observe.Metrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs durable jobs on this node: claims due jobs under a lease (woken by PostgreSQL NOTIFY, with a slow
 * poll as a fallback), renews the leases of the jobs it runs, records each outcome, and retries failures
 * with exponential backoff and jitter. Blocking job types go to the worker verticle; at most
 * {@code jobs.concurrency} jobs run at once. On stop it claims no more, lets running jobs finish up to
 * {@code jobs.shutdownTimeoutMs}, then gives the rest back so another node takes them at once.
 */
public final class JobRunnerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(JobRunnerVerticle.class);

  private final String owner =
      ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
  private final Map<Long, Future<?>> running = new HashMap<>();
  private JobSettings settings;
  private LocalFirst persistence;
  private MeterRegistry metrics;
  private JsonArray types;
  private MessageConsumer<JsonObject> wakeups;
  private long pollTimer;
  private long renewTimer;
  private Future<?> claimInFlight = Future.succeededFuture();
  private boolean claiming;
  private boolean claimAgain;
  private boolean stopping;

  @Override
  public Future<?> start() {
    settings = JobSettings.from(config());
    persistence = new LocalFirst(vertx.eventBus(), vertx.isClustered());
    metrics = Metrics.registry(config());
    types = new JsonArray(JobType.ids());
    wakeups = Operations.listen(vertx.eventBus(), Addresses.JOBS_AVAILABLE, wakeup -> claim());
    pollTimer = vertx.setPeriodic(settings.pollMs(), t -> claim());
    renewTimer = vertx.setPeriodic(Math.max(100, settings.leaseMs() / 3), t -> renew());
    return wakeups.completion().onSuccess(v -> claim());
  }

  /** Claims as many due jobs as there are free slots; a wake-up during a claim leads to one more. */
  private void claim() {
    int free = settings.concurrency() - running.size();
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
                Addresses.JOBS_CLAIM,
                new JsonObject()
                    .put("owner", owner)
                    .put("types", types)
                    .put("limit", free)
                    .put("leaseMs", settings.leaseMs()))
            .onComplete(
                claimed -> {
                  claiming = false;
                  if (claimed.failed()) {
                    log.debug("claim failed: {}", claimed.cause().getMessage());
                    return;
                  }
                  if (stopping) {
                    return; // claimed as the node stops: left leased, so the release in stop()
                    // hands them back
                  }
                  JsonArray jobs = claimed.result().getJsonArray("jobs");
                  jobs.forEach(job -> run((JsonObject) job));
                  if (claimAgain || jobs.size() == free) {
                    claim();
                  }
                });
  }

  private void run(JsonObject job) {
    long id = job.getLong("id");
    JobType type = JobType.find(job.getString("type")).orElseThrow();
    // The worker verticle is deployed with this runner: the attempt never leaves the node.
    Future<JsonObject> attempt =
        vertx
            .eventBus()
            .<JsonObject>request(
                type.runAddress(),
                job,
                new DeliveryOptions().setSendTimeout(settings.timeoutMs()).setLocalOnly(true))
            .map(Message::body);
    Future<JsonObject> recorded =
        attempt.transform(
            outcome ->
                outcome.succeeded()
                    ? request(
                        Addresses.JOBS_COMPLETE,
                        new JsonObject()
                            .put("id", id)
                            .put("owner", owner)
                            .put("result", outcome.result()))
                    : request(
                        Addresses.JOBS_FAIL,
                        new JsonObject()
                            .put("id", id)
                            .put("owner", owner)
                            .put("error", String.valueOf(outcome.cause().getMessage()))
                            .put("final", isFinal(outcome.cause()))
                            .put("retryInMs", backoff(job.getInteger("attempts")))));
    running.put(id, recorded);
    recorded.onComplete(
        done -> {
          running.remove(id);
          count(
              type,
              done.failed()
                  ? "unrecorded"
                  : attempt.succeeded() ? "done" : done.result().getString("state"));
          if (done.failed()) {
            log.warn(
                "job {}: outcome not recorded ({}); it runs again when its lease ends",
                id,
                done.cause().getMessage());
          } else if ("dead".equals(done.result().getString("state"))) {
            log.warn(
                "job {} ({}) is dead after {} attempts: {}",
                id,
                type.id(),
                done.result().getInteger("attempts"),
                done.result().getString("lastError"));
          }
          claim();
        });
  }

  /** A handler's 400 says the job itself is wrong: no later attempt can succeed. */
  private static boolean isFinal(Throwable failure) {
    return failure instanceof ReplyException reply
        && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
        && reply.failureCode() == Failures.BAD_REQUEST;
  }

  /** Attempts by outcome: done, pending (to be retried), dead, or unrecorded (the lease was lost). */
  private void count(JobType type, String outcome) {
    metrics.counter("loopline.jobs.attempts", "type", type.id(), "outcome", outcome).increment();
  }

  /** Exponential backoff with equal jitter: half the delay fixed, half random. */
  long backoff(int attempts) {
    long delay =
        Math.min(
            settings.maxBackoffMs(),
            settings.backoffMs() << Math.min(30, Math.max(0, attempts - 1)));
    return delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
  }

  private void renew() {
    if (running.isEmpty()) {
      return;
    }
    request(
            Addresses.JOBS_RENEW,
            new JsonObject()
                .put("owner", owner)
                .put(
                    "ids",
                    new JsonArray(running.keySet().stream().map(Object.class::cast).toList()))
                .put("leaseMs", settings.leaseMs()))
        .onFailure(e -> log.warn("lease renewal failed: {}", e.getMessage()));
  }

  private Future<JsonObject> request(String address, JsonObject body) {
    return persistence.<JsonObject>request(address, body, new DeliveryOptions()).map(Message::body);
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(pollTimer);
    vertx.cancelTimer(renewTimer);
    Promise<Void> drained = Promise.promise();
    long deadline =
        vertx.setTimer(Math.max(1, settings.shutdownTimeoutMs()), t -> drained.tryComplete());
    // A claim still on its way must land first: the jobs it brings are then released below, not
    // lost.
    return wakeups
        .unregister()
        .transform(v -> claimInFlight.otherwiseEmpty())
        .compose(
            v -> {
              Future.join(running.values().stream().map(f -> (Future<?>) f).toList())
                  .onComplete(all -> drained.tryComplete());
              return drained.future();
            })
        .compose(
            v -> {
              vertx.cancelTimer(deadline);
              // The shutdown timeout kept the node alive; renew nothing more, hand back what is
              // still held.
              return request(Addresses.JOBS_RELEASE, new JsonObject().put("owner", owner));
            })
        .onSuccess(
            released -> {
              if (!released.getJsonArray("released").isEmpty()) {
                log.info("released jobs {} to other runners", released.getJsonArray("released"));
              }
            })
        .otherwiseEmpty();
  }
}
