package io.loopline.chat;

import io.loopline.config.ChatSettings;
import io.loopline.contract.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
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
 * never stored. A failed batch is sent again after {@code historyRetryMs} (the store ignores duplicates).
 */
final class HistoryWriter {

  private static final Logger log = LoggerFactory.getLogger(HistoryWriter.class);
  private static final long DRAIN_LIMIT_MS = 5000;

  private final Vertx vertx;
  private final ChatSettings settings;
  private final Deque<JsonObject> queue = new ArrayDeque<>();
  private final DeliveryOptions delivery = new DeliveryOptions().setSendTimeout(10_000);
  private boolean writing;
  private Promise<Void> drained;

  HistoryWriter(Vertx vertx, ChatSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
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
    int n = Math.min(settings.historyBatchSize(), queue.size());
    JsonArray batch = new JsonArray();
    var it = queue.iterator();
    for (int i = 0; i < n; i++) {
      batch.add(it.next());
    }
    vertx.eventBus().<JsonObject>request(Addresses.CHAT_HISTORY_APPEND, new JsonObject().put("messages", batch), delivery)
        .onSuccess(reply -> {
          for (int i = 0; i < n; i++) {
            queue.poll();
          }
          writeBatch();
        })
        .onFailure(e -> {
          log.warn("chat history not written ({} queued), retrying in {} ms: {}", queue.size(),
              settings.historyRetryMs(), e.getMessage());
          vertx.setTimer(settings.historyRetryMs(), t -> writeBatch());
        });
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
