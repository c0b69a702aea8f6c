package io.loopline.support;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the messages a node sends to one event-bus address (an outbound interceptor), and can hold them
 * back until {@link #release} is completed, so a test can see how many loads a burst of requests caused.
 */
public final class BusWatch {

  private final AtomicInteger sent = new AtomicInteger();

  private BusWatch(Vertx vertx, String address, Future<Void> release) {
    vertx
        .eventBus()
        .addOutboundInterceptor(
            delivery -> {
              if (!address.equals(delivery.message().address())) {
                delivery.next();
                return;
              }
              sent.incrementAndGet();
              Context context = Vertx.currentContext();
              release.onComplete(v -> context.runOnContext(x -> delivery.next()));
            });
  }

  /** Counts the messages to {@code address}, letting them through at once. */
  public static BusWatch count(Vertx vertx, String address) {
    return new BusWatch(vertx, address, Future.succeededFuture());
  }

  /** Counts the messages to {@code address} and holds each until {@code release} completes. */
  public static BusWatch hold(Vertx vertx, String address, Future<Void> release) {
    return new BusWatch(vertx, address, release);
  }

  public int sent() {
    return sent.get();
  }
}
