package io.loopline.chat;

import io.loopline.config.ChatSettings;
import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages on their way to PostgreSQL, off the hot path: a message is published to its room first and
 * queued here; one batch at a time goes to the persistence verticle. When PostgreSQL is slow or down the
 * queue grows up to {@code historyQueueMax}; then new messages are refused (503) rather than shown and
 * never stored. A batch that could not be written (database unavailable, no answer) is sent again after
 * {@code historyRetryMs} (the store ignores duplicates). A batch the store refuses is written again one
 * message at a time, so that a message the database refuses is set aside alone: it is counted
 * ({@code loopline_chat_history_failed_total}), logged, and the messages behind it are written.
 */
final class HistoryWriter {

  private static final Logger log = LoggerFactory.getLogger(HistoryWriter.class);
  private static final long DRAIN_LIMIT_MS = 5000;

  private final Vertx vertx;
  private final ChatSettings settings;
  private final Deque<JsonObject> queue = new ArrayDeque<>();
  private final DeliveryOptions delivery = new DeliveryOptions().setSendTimeout(10_000);
  private final Counter failed;
  private boolean writing;
  /** Messages at the head of the queue, from a refused batch, still to be written one at a time. */
  private int alone;
  private Promise<Void> drained;

  HistoryWriter(Vertx vertx, ChatSettings settings, MeterRegistry registry) {
    this.vertx = vertx;
    this.settings = settings;
    this.failed = Counter.builder("loopline.chat.history.failed")
        .description("Chat messages the database refused to store (delivered to the room, not in history)")
        .register(registry);
  }

  boolean full() {
    return queue.size() >= settings.historyQueueMax();
  }

  int backlog() {
    return queue.size();
  }

  void add(JsonObject message) {
    queue.add(message);
    if (!writing) {
      // After the current event: the messages of one burst go in one batch.
      writing = true;
      vertx.runOnContext(v -> writeBatch());
    }
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
      batch.add(it.next());
    }
    vertx.eventBus().<JsonObject>request(Addresses.CHAT_HISTORY_APPEND, new JsonObject().put("messages", batch), delivery)
        .onSuccess(reply -> {
          written(n);
          writeBatch();
        })
        .onFailure(e -> {
          if (!refused(e)) {
            log.warn("chat history not written ({} queued), retrying in {} ms: {}", queue.size(),
                settings.historyRetryMs(), e.getMessage());
            vertx.setTimer(settings.historyRetryMs(), t -> writeBatch());
          } else if (n > 1) {
            log.info("chat history batch of {} refused ({}); writing its messages one at a time", n, e.getMessage());
            alone = n;
            writeBatch();
          } else {
            JsonObject message = queue.peek();
            failed.increment();
            log.warn("chat message not stored, refused by the database: room {} seq {} id {}: {}",
                message.getString("room"), message.getLong("seq"), message.getString("id"), e.getMessage());
            written(1);
            writeBatch();
          }
        });
  }

  /** The first {@code n} queued messages are done with (stored, or refused and counted). */
  private void written(int n) {
    for (int i = 0; i < n; i++) {
      queue.poll();
    }
    alone = Math.max(0, alone - n);
  }

  /**
   * The store refused what it was given (a 4xx, or a 500 for a value it could not handle): sending the
   * same again cannot succeed. Anything else (503, no answer in time, no persistence verticle) may pass later.
   */
  private static boolean refused(Throwable failure) {
    return failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
        && reply.failureCode() >= 400 && reply.failureCode() != Failures.UNAVAILABLE && reply.failureCode() < 600;
  }

  /** Completes when the queue is empty, or after a few seconds with what could not be written logged. */
  Future<Void> drain() {
    if (!writing && queue.isEmpty()) {
      return Future.succeededFuture();
    }
    drained = Promise.promise();
    long timer = vertx.setTimer(DRAIN_LIMIT_MS, t -> {
      log.warn("{} chat messages not written to history before stop", queue.size());
      drained.tryComplete();
    });
    return drained.future().onComplete(v -> vertx.cancelTimer(timer));
  }
}
