package io.loopline.platform.bus;

import io.loopline.contract.BusHeaders;
import io.loopline.platform.observe.RequestIds;
import io.loopline.platform.web.Problems;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Requests to other verticles over the event bus, each bounded by the configured timeout, sent to this
 * node's own verticle first when it has one ({@link LocalFirst}). A failure is a {@code ReplyException}
 * that {@link Problems#fromBus} turns into the client's status.
 */
public final class BusClient {

  private final EventBus bus;
  private final DeliveryOptions options;
  private final LocalFirst delivery;

  public BusClient(EventBus bus, long timeoutMs, boolean clustered) {
    this(bus, timeoutMs, new LocalFirst(bus, clustered));
  }

  private BusClient(EventBus bus, long timeoutMs, LocalFirst delivery) {
    this.bus = bus;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
    this.delivery = delivery;
  }

  /** Sends with the current request's id in the headers, so the recipient's log lines carry it too. */
  public Future<JsonObject> request(String address, Object body) {
    return delivery.<JsonObject>request(address, body, withRequestId(options)).map(Message::body);
  }

  /** As {@link #request}, the whole reply (its body of any type, and its headers). */
  public <T> Future<Message<T>> requestMessage(String address, Object body) {
    return delivery.<T>request(address, body, withRequestId(options));
  }

  /**
   * A request to an address one verticle registered for a while (a session of the persistence role): sent
   * straight there, since no other node can answer it; the whole reply, for its headers.
   */
  public <T> Future<Message<T>> requestSession(String address, Object body, long timeoutMs) {
    return bus.request(
        address, body, withRequestId(new DeliveryOptions(options).setSendTimeout(timeoutMs)));
  }

  private static DeliveryOptions withRequestId(DeliveryOptions options) {
    String requestId = RequestIds.current();
    return requestId == null
        ? options
        : new DeliveryOptions(options).addHeader(BusHeaders.REQUEST_ID, requestId);
  }

  /** A client whose requests wait at most {@code timeoutMs}. */
  public BusClient withTimeout(long timeoutMs) {
    return new BusClient(bus, timeoutMs, delivery);
  }

  /** A message that needs no answer. */
  public void send(String address, JsonObject body) {
    bus.send(address, body);
  }
}
