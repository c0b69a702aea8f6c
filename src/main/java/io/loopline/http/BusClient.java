package io.loopline.http;

import io.loopline.contract.BusHeaders;
import io.loopline.observe.RequestIds;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Requests to other verticles over the event bus, each bounded by the configured timeout. A failure is a
 * {@code ReplyException} that {@link Problems#fromBus} turns into the client's status.
 */
final class BusClient {

  private final EventBus bus;
  private final DeliveryOptions options;

  BusClient(EventBus bus, long timeoutMs) {
    this.bus = bus;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  /** Sends with the current request's id in the headers, so the recipient's log lines carry it too. */
  Future<JsonObject> request(String address, JsonObject body) {
    String requestId = RequestIds.current();
    DeliveryOptions delivery = requestId == null
        ? options
        : new DeliveryOptions(options).addHeader(BusHeaders.REQUEST_ID, requestId);
    return bus.<JsonObject>request(address, body, delivery).map(Message::body);
  }

  /** A client whose requests wait at most {@code timeoutMs}. */
  BusClient withTimeout(long timeoutMs) {
    return new BusClient(bus, timeoutMs);
  }

  /** A message that needs no answer. */
  void send(String address, JsonObject body) {
    bus.send(address, body);
  }
}
