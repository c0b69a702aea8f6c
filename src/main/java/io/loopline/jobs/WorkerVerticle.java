package io.loopline.jobs;

import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.contract.JobType;
import io.loopline.contract.Role;
import io.loopline.platform.bus.LocalFirst;
import io.loopline.platform.bus.Operations;
import io.loopline.platform.config.JobSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The worker role: deployed with {@code ThreadingModel.WORKER} on its own pool, so the blocking work it
 * is given (file writes, parsing) never runs on an event loop. It runs every job type: one handler per
 * {@link JobType}, chosen by an exhaustive switch, so a type cannot be registered without one. A handler
 * replies with the job's result, or fails; a failure with code {@link Failures#BAD_REQUEST} is final
 * (retrying cannot help), any other is retried with backoff while attempts are left.
 */
public final class WorkerVerticle extends VerticleBase {

  private Path logPath;
  private LocalFirst bus;
  private DeliveryOptions requests;

  @Override
  public Future<?> start() throws IOException {
    JobSettings settings = JobSettings.from(config());
    logPath = settings.logPath().toAbsolutePath().normalize();
    Files.createDirectories(logPath.getParent());
    bus = new LocalFirst(vertx.eventBus(), vertx.isClustered());
    requests = new DeliveryOptions().setSendTimeout(settings.timeoutMs());
    List<Future<Void>> consumers = new ArrayList<>();
    consumers.add(
        Operations.answerIgnoringBody(
                vertx.eventBus(), Addresses.health(Role.WORKER), this::health, FAILURE)
            .completion());
    for (JobType type : JobType.values()) {
      consumers.add(
          Operations.answer(vertx.eventBus(), type.runAddress(), handler(type), FAILURE)
              .completion());
    }
    return Future.all(consumers);
  }

  private Function<JsonObject, Future<JsonObject>> handler(JobType type) {
    return switch (type) {
      case LOG -> this::appendLog;
      case HTTP -> this::callWebhook;
      case SCRAPE -> this::startScrape;
    };
  }

  private Future<JsonObject> health() {
    return Future.succeededFuture(
        new JsonObject()
            .put("role", Role.WORKER.id())
            .put("thread", Thread.currentThread().getName()));
  }

  /** The seeds' {@code write_log}: one whole line per job, with a timestamp; runs on a worker thread. */
  private Future<JsonObject> appendLog(JsonObject job) {
    String text = job.getJsonObject("payload").getString("message", "");
    String line =
        Instant.now()
            + " job "
            + job.getLong("id")
            + ": "
            + text.replace('\r', ' ').replace('\n', ' ')
            + "\n";
    try {
      Files.writeString(
          logPath,
          line,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      return Future.succeededFuture(
          new JsonObject()
              .put("file", logPath.toString())
              .put("bytes", line.getBytes(StandardCharsets.UTF_8).length));
    } catch (IOException e) {
      return Future.failedFuture(
          Operations.refusal(Failures.UNAVAILABLE, "cannot append to " + logPath + ": " + e));
    }
  }

  /**
   * A webhook through the scraper role (its SSRF guard and timeouts). 2xx is done; 408, 429, 5xx and no
   * answer are retried; any other status, or a URL the guard refuses, ends the job.
   */
  private Future<JsonObject> callWebhook(JsonObject job) {
    return bus.<JsonObject>request(Addresses.SCRAPE_REQUEST, job.getJsonObject("payload"), requests)
        .map(Message::body)
        .compose(
            answer -> {
              int status = answer.getInteger("status");
              if (status >= 200 && status < 300) {
                return Future.succeededFuture(answer);
              } else if (status == 408 || status == 429 || status >= 500) {
                return Future.failedFuture(
                    Operations.refusal(Failures.UNAVAILABLE, "the webhook answered " + status));
              } else {
                return Future.failedFuture(
                    Operations.refusal(
                        Failures.BAD_REQUEST, "the webhook answered " + status + "; not retried"));
              }
            });
  }

  /** Starts a scrape job with the payload's URLs and options; the result names it. */
  private Future<JsonObject> startScrape(JsonObject job) {
    return bus.<JsonObject>request(
            Addresses.SCRAPE_JOBS_SUBMIT, job.getJsonObject("payload"), requests)
        .map(Message::body)
        .map(
            scrape ->
                new JsonObject()
                    .put("scrapeJobId", scrape.getLong("id"))
                    .put(
                        "pages",
                        scrape.getJsonObject("counts", new JsonObject()).getLong("total")));
  }

  /**
   * The worker's failure path: a coded failure keeps its code (so a 400 stays final); no role on the bus, no
   * answer or an exception is a 503, retried.
   */
  private static final BiConsumer<Message<?>, Throwable> FAILURE =
      Operations.passingOn(Failures.UNAVAILABLE);
}
