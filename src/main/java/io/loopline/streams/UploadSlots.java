package io.loopline.streams;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many uploads this node reads at once, over all its HTTP verticles: each holds up to
 * {@code ingest.uploadQueueBatches} batches in memory, so the node's share of memory for uploads is bounded by
 * {@code ingest.maxUploads} of them. One per Vert.x instance.
 */
final class UploadSlots implements Shareable {

  private static final String MAP = "loopline.ingest";
  private static final String KEY = "uploadSlots";

  private final AtomicInteger active = new AtomicInteger();
  private final int max;

  private UploadSlots(int max) {
    this.max = max;
  }

  /** This node's slots, made (with the {@code loopline_ingest_uploads_active} gauge) by the first verticle that asks. */
  static UploadSlots of(Vertx vertx, int max, IngestMetrics metrics) {
    return vertx
        .sharedData()
        .<String, UploadSlots>getLocalMap(MAP)
        .computeIfAbsent(
            KEY,
            k -> {
              UploadSlots slots = new UploadSlots(max);
              metrics.gauge(
                  "loopline.ingest.uploads.active",
                  "HTTP uploads being read now",
                  slots.active::get);
              return slots;
            });
  }

  /** Takes a slot; false when all are taken. */
  boolean take() {
    while (true) {
      int now = active.get();
      if (now >= max) {
        return false;
      }
      if (active.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  void give() {
    active.decrementAndGet();
  }
}
