package io.loopline.platform.bus;

import io.loopline.contract.BusHeaders;
import io.loopline.contract.Failures;
import io.loopline.contract.RecordBatch;
import io.loopline.contract.StorableText;
import io.loopline.platform.observe.RequestIds;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * How a verticle answers an address of the event-bus contract: the body must be a JSON object whose every
 * text PostgreSQL can store ({@link StorableText}; else 400 naming the field), the caller's request id goes
 * into the log context, the operation's result is the reply, and any failure, thrown or returned, is
 * answered by {@code failure} with a coded event-bus failure.
 */
public final class Operations {

  private Operations() {}

  /** Registers {@code operation} at {@code address}; the future completes once the consumer is registered. */
  public static Future<Void> answer(
      EventBus bus,
      String address,
      Function<JsonObject, Future<JsonObject>> operation,
      BiConsumer<Message<?>, Throwable> failure) {
    return answerAny(
        bus,
        address,
        body -> {
          if (!(body instanceof JsonObject json)) {
            throw new ReplyException(
                ReplyFailure.RECIPIENT_FAILURE,
                Failures.BAD_REQUEST,
                "the message body must be a JSON object");
          }
          return operation.apply(json);
        },
        failure);
  }

  /**
   * A consumer's handler for a request whose body must be a JSON object: anything else, {@code null} included,
   * is failed with 400 (docs/event-bus.md, Conventions) instead of reaching {@code handler} as a body it
   * cannot cast, which would leave the caller waiting for its timeout.
   */
  public static Handler<Message<Object>> objectBodies(Handler<Message<JsonObject>> handler) {
    return message -> {
      if (message.body() instanceof JsonObject) {
        @SuppressWarnings("unchecked")
        Message<JsonObject> json = (Message<JsonObject>) (Message<?>) message;
        handler.handle(json);
      } else {
        message.fail(Failures.BAD_REQUEST, "the message body must be a JSON object");
      }
    };
  }

  /**
   * As {@link #answer}, for an operation that takes bodies of more than one type (a JSON object, or a
   * {@link RecordBatch} from a JVM member) and checks them itself.
   */
  public static Future<Void> answerAny(
      EventBus bus,
      String address,
      Function<Object, Future<JsonObject>> operation,
      BiConsumer<Message<?>, Throwable> failure) {
    return bus.<Object>consumer(
            address,
            message -> {
              RequestIds.set(message.headers().get(BusHeaders.REQUEST_ID));
              if (message.body() instanceof JsonObject body) {
                String refused = StorableText.refusal(body);
                if (refused != null) {
                  message.fail(Failures.BAD_REQUEST, refused);
                  return;
                }
              }
              Future<JsonObject> result;
              try {
                result = operation.apply(message.body());
              } catch (ReplyException refused) {
                message.fail(refused.failureCode(), refused.getMessage());
                return;
              } catch (RuntimeException e) {
                result = Future.failedFuture(e);
              }
              result.onSuccess(message::reply).onFailure(e -> failure.accept(message, e));
            })
        .completion();
  }
}
