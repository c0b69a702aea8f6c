package io.loopline.chat;

import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.platform.bus.LocalFirst;
import io.loopline.platform.config.ChatSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages on their way to PostgreSQL: the sequencer stamps a message and queues it here, and shows it to
 * the room and acknowledges it only once it is stored ({@link #add} completes), so no acknowledged message
 * can be lost with the sequencer's node. One batch at a time goes to the persistence verticle, named with
 * the sequencer's epoch: a batch of a deposed sequencer is refused (fencing). The queue is bounded
 * ({@code historyQueueMax}): full, new messages are refused (503). A batch that fails because the database is
 * unavailable fails with 503, with every message queued behind it, and new messages are refused for
 * {@code historyRetryMs}: senders hear at once rather than wait for their timeout. A batch the store refuses
 * is written again one message at a time, so that a message the database refuses is refused alone (400):
 * it is counted ({@code loopline_chat_history_failed_total}), logged, and the messages behind it are stored.
 */
final class HistoryWriter {

  private static final Logger log = LoggerFactory.getLogger(HistoryWriter.class);
  private static final long DRAIN_LIMIT_MS = 5000;

  /** A batch written for longer than this makes the writer stuck (readiness). */
  private static final long STUCK_MS = 5000;

  private record Entry(JsonObject message, Promise<Void> stored) {}

  private final Vertx vertx;
  private final ChatSettings settings;
  private final LocalFirst persistence;
  private final Runnable fenced;
  private final Deque<Entry> queue = new ArrayDeque<>();
  private final DeliveryOptions delivery = new DeliveryOptions().setSendTimeout(10_000);
  private final Counter failed;
  private long epoch;
  private boolean writing;

  /** Messages at the head of the queue, from a refused batch, still to be written one at a time. */
  private int alone;

  /** Messages at the head of the queue being written now, since {@link #writeStarted} (nanoTime). */
  private int inFlight;

  private long writeStarted;

  /** nanoTime of the last write that failed for the database's sake; writes are refused shortly after it. */
  private long unavailableAt;

  private boolean unavailable;
  private String lastFailure = "";
  private Promise<Void> drained;

  /** {@code fenced} runs when a write is refused because another node took the sequencer's lease. */
  HistoryWriter(Vertx vertx, ChatSettings settings, MeterRegistry registry, Runnable fenced) {
    this.vertx = vertx;
    this.settings = settings;
    this.persistence = new LocalFirst(vertx.eventBus(), vertx.isClustered());
    this.fenced = fenced;
    this.failed =
        Counter.builder("loopline.chat.history.failed")
            .description(
                "Chat messages the database refused to store (refused to their sender, never shown)")
            .register(registry);
  }

  /** The epoch every write names from now on. */
  void epoch(long epoch) {
    this.epoch = epoch;
  }

  boolean full() {
    return queue.size() >= settings.historyQueueMax();
  }

  /** The database failed a write less than {@code historyRetryMs} ago: new messages are refused for now. */
  boolean refusing() {
    return unavailable
        && System.nanoTime() - unavailableAt
            < TimeUnit.MILLISECONDS.toNanos(settings.historyRetryMs());
  }

  /**
   * Why the writer is stuck, or null: a write failed for the database's sake less than
   * {@code historyRetryMs} ago, or a batch has been on its way for longer than {@link #STUCK_MS}.
   */
  String stuck() {
    if (refusing()) {
      return lastFailure;
    }
    if (inFlight > 0
        && System.nanoTime() - writeStarted > TimeUnit.MILLISECONDS.toNanos(STUCK_MS)) {
      return "a batch of " + inFlight + " has been written for over " + STUCK_MS + " ms";
    }
    return null;
  }

  int backlog() {
    return queue.size();
  }

  /** Completes once {@code message} is stored; fails with a {@link ReplyException} carrying the code to answer. */
  Future<Void> add(JsonObject message) {
    Entry entry = new Entry(message, Promise.promise());
    queue.add(entry);
    if (!writing) {
      // After the current event: the messages of one burst go in one batch.
      writing = true;
      vertx.runOnContext(v -> writeBatch());
    }
    return entry.stored().future();
  }

  /** Refuses every message not yet sent to the database (this sequencer was deposed). */
  void abandon(String reason) {
    failQueued(inFlight, Failures.UNAVAILABLE, reason);
  }

  private void writeBatch() {
    if (queue.isEmpty()) {
      writing = false;
      if (drained != null) {
        drained.tryComplete();
      }
      return;
    }
    int n = alone > 0 ? 1 : Math.min(settings.historyBatchSize(), queue.size());
    JsonArray batch = new JsonArray();
    var it = queue.iterator();
    for (int i = 0; i < n; i++) {
      batch.add(it.next().message());
    }
    inFlight = n;
    writeStarted = System.nanoTime();
    persistence
        .<JsonObject>request(
            Addresses.CHAT_HISTORY_APPEND,
            new JsonObject().put("epoch", epoch).put("messages", batch),
            delivery)
        .onComplete(done -> inFlight = 0)
        .onSuccess(
            reply -> {
              unavailable = false;
              for (int i = 0; i < n; i++) {
                queue.poll().stored().complete();
              }
              alone = Math.max(0, alone - n);
              writeBatch();
            })
        .onFailure(
            e -> {
              if (e instanceof ReplyException reply
                  && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
                  && reply.failureCode() == Failures.CONFLICT) {
                failQueued(0, Failures.UNAVAILABLE, "the chat sequencer changed; try again");
                fenced.run();
              } else if (!Failures.refused(e)) {
                unavailable = true;
                unavailableAt = System.nanoTime();
                lastFailure = e.getMessage();
                log.warn(
                    "chat history not written ({} messages refused, new ones refused for {} ms): {}",
                    queue.size(),
                    settings.historyRetryMs(),
                    e.getMessage());
                failQueued(
                    0,
                    Failures.UNAVAILABLE,
                    "chat history cannot be written now; try again shortly");
              } else if (n > 1) {
                log.info(
                    "chat history batch of {} refused ({}); writing its messages one at a time",
                    n,
                    e.getMessage());
                alone = n;
              } else {
                Entry refused = queue.poll();
                alone = Math.max(0, alone - 1);
                failed.increment();
                log.warn(
                    "chat message not stored, refused by the database: room {} seq {} id {}: {}",
                    refused.message().getString("room"),
                    refused.message().getLong("seq"),
                    refused.message().getString("id"),
                    e.getMessage());
                refused
                    .stored()
                    .fail(
                        new ReplyException(
                            ReplyFailure.RECIPIENT_FAILURE,
                            Failures.BAD_REQUEST,
                            "text: refused by the database"));
              }
              writeBatch();
            });
  }

  /** Fails every queued message after the first {@code keep} with this code. */
  private void failQueued(int keep, int code, String reason) {
    while (queue.size() > keep) {
      queue
          .pollLast()
          .stored()
          .fail(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, code, reason));
    }
    alone = Math.min(alone, keep);
  }

  /** Completes when the queue is empty, or after a few seconds with what could not be written refused. */
  Future<Void> drain() {
    if (!writing && queue.isEmpty()) {
      return Future.succeededFuture();
    }
    drained = Promise.promise();
    long timer =
        vertx.setTimer(
            DRAIN_LIMIT_MS,
            t -> {
              log.warn(
                  "{} chat messages not written to history before stop: refused", queue.size());
              failQueued(
                  inFlight, Failures.UNAVAILABLE, "the chat sequencer is stopping; try again");
              drained.tryComplete();
            });
    return drained.future().onComplete(v -> vertx.cancelTimer(timer));
  }
}
