package io.loopline.support;

import static io.loopline.support.TestNode.await;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The event-bus API called as another service on the bus calls it: a request with a send timeout of its own
 * (generous: the machine may be loaded), the reply body, or the {@link ReplyException} a failure gives.
 */
public final class BusClient {

  private static final DeliveryOptions PATIENT = new DeliveryOptions().setSendTimeout(20_000);

  private final EventBus bus;

  public BusClient(EventBus bus) {
    this.bus = bus;
  }

  /** The reply body; fails the test if the request fails. */
  public JsonObject ask(String address, JsonObject body) {
    return await(bus.<JsonObject>request(address, body, PATIENT).map(Message::body));
  }

  /** The failure a handler answered with; fails the test if the request succeeds or no handler answers. */
  public ReplyException failure(String address, Object body) {
    try {
      Message<Object> reply = await(bus.request(address, body, PATIENT));
      throw new AssertionError(
          address + " answered " + reply.body() + " where a failure was expected");
    } catch (ReplyException e) {
      if (e.failureType() != ReplyFailure.RECIPIENT_FAILURE) {
        throw new AssertionError(
            address + ": " + e.failureType() + " where the handler's failure was expected", e);
      }
      return e;
    }
  }

  /** The failure code a handler answered with, checking its message starts with {@code prefix}. */
  public int failureCode(String address, Object body, String prefix) {
    ReplyException e = failure(address, body);
    if (!e.getMessage().startsWith(prefix)) {
      throw new AssertionError(
          address + ": message '" + e.getMessage() + "' does not start with '" + prefix + "'");
    }
    return e.failureCode();
  }

  /** A consumer of {@code address} keeping what it receives, registered before this returns. */
  public Inbox listen(String address) {
    return new Inbox(bus, address);
  }

  /** Messages received on one address, in order; {@link #close} unregisters. */
  public static final class Inbox implements AutoCloseable {

    /** The longest wait for a notification: generous, a shared machine may stall for seconds. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final LinkedBlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
    private final MessageConsumer<JsonObject> consumer;
    private final String address;

    private Inbox(EventBus bus, String address) {
      this.address = address;
      this.consumer = bus.consumer(address, message -> received.add(message.body()));
      await(consumer.completion());
    }

    /** The next message that matches, skipping others; fails after 30 s. */
    public JsonObject next(Predicate<JsonObject> matching) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      try {
        while (true) {
          JsonObject message =
              received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          if (message == null) {
            throw new AssertionError(
                "no matching message on " + address + " within " + WAIT.toSeconds() + " s");
          }
          if (matching.test(message)) {
            return message;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting on " + address, e);
      }
    }

    /** The next message, whatever it is. */
    public JsonObject next() {
      return next(m -> true);
    }

    /** What has arrived and was not taken yet. */
    public java.util.List<JsonObject> pending() {
      java.util.List<JsonObject> out = new java.util.ArrayList<>();
      received.drainTo(out);
      return out;
    }

    @Override
    public void close() {
      await(consumer.unregister());
    }
  }
}
