package io.loopline.contract;

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
}
