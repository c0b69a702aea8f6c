package io.loopline.contract;

/**
 * Event-bus addresses: the public event-bus API of Loopline. Message shapes are documented beside each
 * address here and in {@code docs/event-bus.md}.
 */
public final class Addresses {

  /** Every Loopline address starts with this. */
  public static final String PREFIX = "loopline.";

  private Addresses() {}

  /**
   * Health of one role: {@code loopline.<role>.health}, answered by that role's verticle.
   * Request: an empty object. Reply: {@code {"role": "persistence", ...details}} when the role and its
   * backend answer, else a failure with code {@link Failures#UNAVAILABLE} and the reason.
   */
  public static String health(Role role) {
    return PREFIX + role.id() + ".health";
  }
}
