package io.loopline.platform.bus;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Event-bus requests that stay on this node when it runs the role, and go to other nodes only when it
 * does not. The clustered event bus would otherwise spread requests over every node's consumers, local
 * ones included: a network hop for nothing, and, when a node has just died, requests lost to it until the
 * cluster notices (a message sent to a dead node is answered only by its timeout). Which addresses have no
 * local consumer is learnt from a {@code NO_HANDLERS}, and looked at again after {@link #RECHECK_MS}: a role
 * may start on a node later (persistence once a database that did not answer at start does) or move (the
 * elected chat sequencer).
 * Without a cluster this is a plain request.
 */
public final class LocalFirst {

  private final EventBus bus;
  private final boolean clustered;

  /** Local consumers of an address are looked for again this long after none was found. */
  static final long RECHECK_MS = 10_000;

  /** Addresses found without a local consumer, and when (nanoTime). */
  private final Map<String, Long> remoteOnly = new ConcurrentHashMap<>();

  public LocalFirst(EventBus bus, boolean clustered) {
    this.bus = bus;
    this.clustered = clustered;
  }

  public <T> Future<Message<T>> request(String address, Object body, DeliveryOptions options) {
    Long since = remoteOnly.get(address);
    if (!clustered
        || since != null && System.nanoTime() - since < TimeUnit.MILLISECONDS.toNanos(RECHECK_MS)) {
      return bus.request(address, body, options);
    }
    return bus.<T>request(address, body, new DeliveryOptions(options).setLocalOnly(true))
        .recover(
            e -> {
              if (e instanceof ReplyException reply
                  && reply.failureType() == ReplyFailure.NO_HANDLERS) {
                remoteOnly.put(address, System.nanoTime());
                return bus.request(address, body, options);
              }
              return Future.failedFuture(e);
            });
  }
}
