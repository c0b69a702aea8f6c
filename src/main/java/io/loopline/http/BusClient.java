package io.loopline.http;

import io.loopline.contract.BusHeaders;
import io.loopline.observe.RequestIds;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import io.vertx.core.json.JsonObject;

/**
 * Requests to other verticles over the event bus, each bounded by the configured timeout. A failure is a
 * {@code ReplyException} that {@link Problems#fromBus} turns into the client's status.
 *
 * <p>In a cluster, a request goes to this node's own verticle when it runs the role (no network hop), and
 * to the other nodes only when it does not: the clustered event bus would otherwise spread requests over
 * every node's consumers, local ones included. Which addresses have no local consumer is learnt from the
 * first {@code NO_HANDLERS} answer; a node's roles do not change while it runs.
 */
final class BusClient {

  private final EventBus bus;
  private final DeliveryOptions options;
  private final boolean clustered;
  private final Set<String> remoteOnly;

  BusClient(EventBus bus, long timeoutMs, boolean clustered) {
    this(bus, timeoutMs, clustered, ConcurrentHashMap.newKeySet());
  }

  private BusClient(EventBus bus, long timeoutMs, boolean clustered, Set<String> remoteOnly) {
    this.bus = bus;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
    this.clustered = clustered;
    this.remoteOnly = remoteOnly;
  }

  /** Sends with the current request's id in the headers, so the recipient's log lines carry it too. */
  Future<JsonObject> request(String address, JsonObject body) {
    String requestId = RequestIds.current();
    DeliveryOptions delivery = requestId == null
        ? options
        : new DeliveryOptions(options).addHeader(BusHeaders.REQUEST_ID, requestId);
    if (!clustered || remoteOnly.contains(address)) {
      return bus.<JsonObject>request(address, body, delivery).map(Message::body);
    }
    return bus.<JsonObject>request(address, body, new DeliveryOptions(delivery).setLocalOnly(true))
        .map(Message::body)
        .recover(e -> {
          if (e instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
            remoteOnly.add(address);
            return bus.<JsonObject>request(address, body, delivery).map(Message::body);
          }
          return Future.failedFuture(e);
        });
  }

  /** A client whose requests wait at most {@code timeoutMs}. */
  BusClient withTimeout(long timeoutMs) {
    return new BusClient(bus, timeoutMs, clustered, remoteOnly);
  }

  /** A message that needs no answer. */
  void send(String address, JsonObject body) {
    bus.send(address, body);
  }
}
