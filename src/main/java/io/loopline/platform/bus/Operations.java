package io.loopline.platform.bus;

import io.loopline.contract.BusHeaders;
import io.loopline.contract.Failures;
import io.loopline.contract.RecordBatch;
import io.loopline.contract.StorableText;
import io.loopline.platform.observe.RequestIds;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a handler is put on the event bus; nothing else calls {@code EventBus.consumer} (a rule of
 * ArchitectureTest). Every handler gets the caller's request id (header {@link BusHeaders#REQUEST_ID}) into
 * its log context, and no exception of a handler is lost.
 *
 * <p>An address of the request/reply contract is answered by an operation: the body is checked first (by
 * default a JSON object whose every text PostgreSQL can store, {@link StorableText}; else 400 naming the
 * field), the operation's result is the reply, and any failure, thrown or returned, goes to one failure
 * path, the module's ({@code failure}: {@link StoreFailure#reply}, {@link #passingOn}, ...). A {@link
 * ReplyException} thrown by the operation itself is a refusal ({@link #refusal}) and answered as it is.
 * The variants differ in what they check of the body and what they reply: {@link #answer}, {@link
 * #answerAnyText}, {@link #answerAny}, {@link #answerIgnoringBody}, {@link #answerWith} (a reply with
 * headers), {@link #answerLocally} (this node only, a codec's body).
 *
 * <p>A notification (a wake-up, an event, an invalidation, sent or published, with no reply) is heard with
 * {@link #listen}: an exception of its handler is logged.
 *
 * <p>Each returns the consumer: {@code completion()} completes once it is registered (a verticle's start
 * waits for it), {@code unregister()} ends it.
 */
public final class Operations {

  private static final Logger log = LoggerFactory.getLogger(Operations.class);

  /** A reply that is not just a JSON object: any body (a buffer, a codec's type) and its headers. */
  public record Reply(Object body, DeliveryOptions options) {}

  private Operations() {}

  /** Answers {@code address}; the body must be a JSON object whose every text PostgreSQL can store. */
  public static MessageConsumer<Object> answer(
      EventBus bus,
      String address,
      Function<JsonObject, Future<JsonObject>> operation,
      BiConsumer<Message<?>, Throwable> failure) {
    return answerAny(bus, address, body -> operation.apply(object(body)), failure);
  }

  /**
   * As {@link #answer}, for a store that keeps any text (Redis stores bytes): the body must be a JSON
   * object, its texts are not checked.
   */
  public static MessageConsumer<Object> answerAnyText(
      EventBus bus,
      String address,
      Function<JsonObject, Future<JsonObject>> operation,
      BiConsumer<Message<?>, Throwable> failure) {
    return serve(
        bus.consumer(address),
        body -> operation.apply(object(body)).map(Operations::json),
        failure);
  }

  /**
   * As {@link #answer}, for an operation that takes bodies of more than one type (a JSON object, or a
   * {@link RecordBatch} from a JVM member) and checks them itself; a JSON object's texts are checked here.
   */
  public static MessageConsumer<Object> answerAny(
      EventBus bus,
      String address,
      Function<Object, Future<JsonObject>> operation,
      BiConsumer<Message<?>, Throwable> failure) {
    return answerWith(bus, address, body -> operation.apply(body).map(Operations::json), failure);
  }

  /** As {@link #answerAny}, for an operation whose reply is not a JSON object or carries headers. */
  public static MessageConsumer<Object> answerWith(
      EventBus bus,
      String address,
      Function<Object, Future<Reply>> operation,
      BiConsumer<Message<?>, Throwable> failure) {
    return serve(
        bus.consumer(address),
        body -> {
          if (body instanceof JsonObject json) {
            String refused = StorableText.refusal(json);
            if (refused != null) {
              throw refusal(Failures.BAD_REQUEST, refused);
            }
          }
          return operation.apply(body);
        },
        failure);
  }

  /** As {@link #answer}, for an address whose body is not looked at (health, a node's series). */
  public static MessageConsumer<Object> answerIgnoringBody(
      EventBus bus,
      String address,
      Supplier<Future<JsonObject>> operation,
      BiConsumer<Message<?>, Throwable> failure) {
    return serve(bus.consumer(address), body -> operation.get().map(Operations::json), failure);
  }

  /**
   * Answers {@code address} on this node only, for bodies of a local codec (they never cross the wire, so
   * the operation checks them itself); the reply is the operation's result, of any type with a codec.
   */
  public static <T> MessageConsumer<T> answerLocally(
      EventBus bus,
      String address,
      Function<T, Future<?>> operation,
      BiConsumer<Message<?>, Throwable> failure) {
    return serve(
        bus.<T>localConsumer(address),
        body -> operation.apply(body).map(result -> new Reply(result, new DeliveryOptions())),
        failure);
  }

  /**
   * Hears a notification at {@code address} (a wake-up, an event, an invalidation): {@code handler} gets the
   * body; nothing is answered, and an exception of the handler is logged rather than lost.
   */
  public static <T> MessageConsumer<T> listen(EventBus bus, String address, Handler<T> handler) {
    MessageConsumer<T> consumer = bus.consumer(address);
    return consumer.handler(
        message -> {
          RequestIds.set(message.headers().get(BusHeaders.REQUEST_ID));
          try {
            handler.handle(message.body());
          } catch (RuntimeException e) {
            log.warn("notification at {} not handled", address, e);
          }
        });
  }

  /** A refusal: the caller gets {@code code} (from {@link Failures}) and {@code message} as they are. */
  public static ReplyException refusal(int code, String message) {
    return new ReplyException(ReplyFailure.RECIPIENT_FAILURE, code, message);
  }

  /**
   * The failure path of a module whose operations fail with refusals: a coded failure of the recipient (a
   * {@link #refusal} of its own, or the answer of an address it asked) passes on with its code and message;
   * anything else (no handler, a timeout, an exception) is answered {@code otherwise} with its message.
   */
  public static BiConsumer<Message<?>, Throwable> passingOn(int otherwise) {
    return (message, e) -> {
      if (e instanceof ReplyException reply
          && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
          && reply.failureCode() > 0) {
        message.fail(reply.failureCode(), reply.getMessage());
        return;
      }
      if (!(e instanceof ReplyException)) {
        log.warn("operation at {} failed", message.address(), e);
      }
      message.fail(otherwise, e.getMessage());
    };
  }

  /** Registers the handler of an operation: request id, the operation, its reply or its one failure path. */
  private static <T> MessageConsumer<T> serve(
      MessageConsumer<T> consumer,
      Function<T, Future<Reply>> operation,
      BiConsumer<Message<?>, Throwable> failure) {
    return consumer.handler(
        message -> {
          RequestIds.set(message.headers().get(BusHeaders.REQUEST_ID));
          Future<Reply> result;
          try {
            result = operation.apply(message.body());
          } catch (ReplyException refused) {
            message.fail(refused.failureCode(), refused.getMessage());
            return;
          } catch (RuntimeException e) {
            result = Future.failedFuture(e);
          }
          result
              .onSuccess(reply -> message.reply(reply.body(), reply.options()))
              .onFailure(e -> failure.accept(message, e));
        });
  }

  private static JsonObject object(Object body) {
    if (!(body instanceof JsonObject json)) {
      throw refusal(Failures.BAD_REQUEST, "the message body must be a JSON object");
    }
    return json;
  }

  private static Reply json(JsonObject body) {
    return new Reply(body, new DeliveryOptions());
  }
}
