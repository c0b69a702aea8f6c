package io.loopline.contract;

/** Event-bus message headers Loopline reads and writes. */
public final class BusHeaders {

  /** The id of the client request a message serves, so every log line of that request carries it. */
  public static final String REQUEST_ID = "loopline-request-id";

  private BusHeaders() {}
}
