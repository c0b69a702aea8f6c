package io.loopline.platform.bus;

import io.loopline.contract.Failures;
import io.vertx.core.eventbus.Message;
import io.vertx.pgclient.PgException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store's answer that is not a result: an explicit failure code from {@link Failures} and a message for
 * the caller. {@link #reply} is the one place that turns any failure into an event-bus failure.
 */
public final class StoreFailure extends RuntimeException {

  private static final Logger log = LoggerFactory.getLogger(StoreFailure.class);

  private final int code;

  public StoreFailure(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public static StoreFailure invalid(String message) {
    return new StoreFailure(Failures.BAD_REQUEST, message);
  }

  public static StoreFailure notFound(String message) {
    return new StoreFailure(Failures.NOT_FOUND, message);
  }

  public int code() {
    return code;
  }

  /** Fails the message with the code this failure deserves; the database's own words stay in the log. */
  public static void reply(Message<?> message, Throwable failure) {
    StoreFailure mapped = classify(failure);
    message.fail(mapped.code(), mapped.getMessage());
  }

  public static StoreFailure classify(Throwable failure) {
    if (failure instanceof StoreFailure known) {
      return known;
    }
    if (failure instanceof PgException pg) {
      String state = pg.getSqlState() == null ? "" : pg.getSqlState();
      if (state.equals("23505")) {
        return new StoreFailure(Failures.CONFLICT, "a value that must be unique is taken");
      }
      if (state.startsWith("22") || state.startsWith("23")) {
        log.info("database refused a value: {} {}", state, pg.getErrorMessage());
        return invalid("value: refused by the database (out of range or malformed)");
      }
      // 08 connection, 53 resources, 57 cancelled (statement_timeout) or shutting down: try again
      // later.
      if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57")) {
        log.warn("database unavailable: {} {}", state, pg.getErrorMessage());
        return new StoreFailure(Failures.UNAVAILABLE, "database unavailable");
      }
    }
    if (failure instanceof TimeoutException || isPoolOrConnectionTrouble(failure)) {
      log.warn("database unavailable: {}", failure.toString());
      return new StoreFailure(Failures.UNAVAILABLE, "database unavailable");
    }
    log.error("unexpected database failure", failure);
    return new StoreFailure(500, "internal error");
  }

  /** The pool's own words when it is saturated or has lost its connections. */
  private static boolean isPoolOrConnectionTrouble(Throwable failure) {
    String text = String.valueOf(failure.getMessage()).toLowerCase(java.util.Locale.ROOT);
    return failure.getClass().getSimpleName().contains("ConnectionPoolTooBusy")
        || failure instanceof io.vertx.core.VertxException
            && (text.contains("connection") || text.contains("closed"))
        || failure instanceof java.io.IOException;
  }
}
