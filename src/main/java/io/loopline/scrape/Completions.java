package io.loopline.scrape;

import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scrape runner's page results with no links to follow, gathered per job and stored together: a batch
 * leaves when it holds {@link #MAX_PAGES} pages or {@link #MAX_DELAY_MS} after its first page. Stored one
 * by one, every result locked and counted on its job's row in turn, which capped a job near 500 pages/s;
 * a batch locks and counts once. Results wait at most that delay; a runner that dies before sending them
 * loses only what its leases give back anyway. A batch refused for one page's value is stored again page by
 * page, so one poison result never holds back the others. Used from the runner's event loop only.
 */
final class Completions {

  private static final Logger log = LoggerFactory.getLogger(Completions.class);

  static final int MAX_PAGES = 64;
  static final long MAX_DELAY_MS = 10;

  private record Waiting(long id, boolean failed, JsonObject result, Promise<JsonObject> stored) {}

  private final class Batch {
    final long jobId;
    final List<Waiting> pages = new ArrayList<>();
    final long timer;

    Batch(long jobId) {
      this.jobId = jobId;
      this.timer = vertx.setTimer(MAX_DELAY_MS, t -> send(this));
    }
  }

  private final Vertx vertx;
  private final String owner;
  private final BiFunction<String, JsonObject, Future<JsonObject>> request;
  private final Map<Long, Batch> open = new HashMap<>();

  Completions(
      Vertx vertx, String owner, BiFunction<String, JsonObject, Future<JsonObject>> request) {
    this.vertx = vertx;
    this.owner = owner;
    this.request = request;
  }

  /**
   * Stores a page's result with others of its job; completes with {@code {"job", "page", "lastOfBatch"}} once
   * stored. Every page of a batch gets the job as the batch left it, so only the last one stored may say the
   * job ended.
   */
  Future<JsonObject> add(long jobId, long pageId, boolean failed, JsonObject result) {
    Batch batch = open.computeIfAbsent(jobId, Batch::new);
    Promise<JsonObject> stored = Promise.promise();
    batch.pages.add(new Waiting(pageId, failed, result, stored));
    if (batch.pages.size() >= MAX_PAGES) {
      send(batch);
    }
    return stored.future();
  }

  /** Sends every open batch now (the runner is stopping). */
  void flush() {
    List.copyOf(open.values()).forEach(this::send);
  }

  private void send(Batch batch) {
    if (open.get(batch.jobId) != batch) {
      return; // already sent (full, then its timer fired)
    }
    open.remove(batch.jobId);
    vertx.cancelTimer(batch.timer);
    store(batch.jobId, batch.pages);
  }

  /**
   * Stores pages of one job in one request. A batch the store refuses (a value the database or the bus
   * contract will not take) is stored again one page at a time, so the refused page fails alone and the
   * pages beside it are stored; the caller decides what becomes of a page refused alone.
   */
  private void store(long jobId, List<Waiting> batch) {
    JsonArray pages = new JsonArray();
    // Encoded once here: the bus carries the text by reference, the store passes it on to
    // PostgreSQL as it is.
    batch.forEach(
        p ->
            pages.add(
                new JsonObject()
                    .put("id", p.id())
                    .put("failed", p.failed())
                    .put("result", p.result().encode())));
    request
        .apply(
            Addresses.SCRAPE_PAGES_COMPLETE_MANY,
            new JsonObject().put("jobId", jobId).put("owner", owner).put("pages", pages))
        .onSuccess(
            reply -> {
              Map<Long, JsonObject> completed = new HashMap<>();
              reply
                  .getJsonArray("completed")
                  .forEach(
                      c -> {
                        JsonObject done = (JsonObject) c;
                        completed.put(done.getJsonObject("page").getLong("id"), done);
                      });
              Waiting last =
                  batch.stream()
                      .filter(p -> completed.containsKey(p.id()))
                      .reduce((a, b) -> b)
                      .orElse(null);
              batch.forEach(
                  p -> {
                    JsonObject done = completed.get(p.id());
                    if (done != null) {
                      done.getJsonObject("page")
                          .put("result", p.result()); // not read back from the database
                      p.stored().complete(done.put("lastOfBatch", p == last));
                    } else {
                      p.stored()
                          .fail(
                              "scrape page "
                                  + p.id()
                                  + " is no longer leased to this runner (lease lost or job cancelled)");
                    }
                  });
            })
        .onFailure(
            e -> {
              if (batch.size() > 1 && Failures.refused(e)) {
                log.info(
                    "scrape results of job {}: a batch of {} was refused ({}); storing them one at a time",
                    jobId,
                    batch.size(),
                    e.getMessage());
                batch.forEach(p -> store(jobId, List.of(p)));
              } else {
                batch.forEach(p -> p.stored().fail(e));
              }
            });
  }
}
