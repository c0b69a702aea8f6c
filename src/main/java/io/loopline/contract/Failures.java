package io.loopline.contract;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * Failure codes carried by {@code ReplyException.failureCode()} on the event bus. They are HTTP statuses,
 * never {@code ordinal()}, and the HTTP side maps them one to one.
 */
public final class Failures {
  /** The message is malformed or a value is out of range. */
  public static final int BAD_REQUEST = 400;

  /** The addressed resource does not exist. */
  public static final int NOT_FOUND = 404;

  /** The write conflicts with stored data (a duplicate unique value). */
  public static final int CONFLICT = 409;

  /** The expected version does not match the stored one. */
  public static final int PRECONDITION_FAILED = 412;

  /** A value is larger than the configured limit. */
  public static final int PAYLOAD_TOO_LARGE = 413;

  /** The caller is over its budget. */
  public static final int TOO_MANY_REQUESTS = 429;

  /** A backend (database, cache) is down or saturated; try again later. */
  public static final int UNAVAILABLE = 503;

  private Failures() {}

  /**
   * Whether the receiver refused what it was sent (a 4xx other than 429, or a 500 for a value it could not
   * handle): sending the same again cannot succeed. Anything else (503, 429, no answer in time, no handler)
   * may pass later. Batched writers use it to tell a poison value from an outage.
   */
  public static boolean refused(Throwable failure) {
    return failure instanceof ReplyException reply
        && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
        && reply.failureCode() >= 400
        && reply.failureCode() < 600
        && reply.failureCode() != UNAVAILABLE
        && reply.failureCode() != TOO_MANY_REQUESTS;
  }
}
