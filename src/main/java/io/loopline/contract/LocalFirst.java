package io.loopline.contract;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Event-bus requests that stay on this node when it runs the role, and go to other nodes only when it
 * does not. The clustered event bus would otherwise spread requests over every node's consumers, local
 * ones included: a network hop for nothing, and, when a node has just died, requests lost to it until the
 * cluster notices (a message sent to a dead node is answered only by its timeout). Which addresses have no
 * local consumer is learnt from the first {@code NO_HANDLERS}; a node's roles do not change while it runs.
 * Without a cluster this is a plain request.
 */
public final class LocalFirst {

  private final EventBus bus;
  private final boolean clustered;
  private final Set<String> remoteOnly = ConcurrentHashMap.newKeySet();

  public LocalFirst(EventBus bus, boolean clustered) {
    this.bus = bus;
    this.clustered = clustered;
  }

  public <T> Future<Message<T>> request(String address, Object body, DeliveryOptions options) {
    if (!clustered || remoteOnly.contains(address)) {
      return bus.request(address, body, options);
    }
    return bus.<T>request(address, body, new DeliveryOptions(options).setLocalOnly(true)).recover(e -> {
      if (e instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
        remoteOnly.add(address);
        return bus.request(address, body, options);
      }
      return Future.failedFuture(e);
    });
  }
}
