package io.loopline.contract;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kinds of durable job, registered in this one place. A blocking type runs on a worker verticle, a
 * non-blocking one on the runner's event loop. Each has its own attempt limit.
 */
public enum JobType {
  /** Appends {@code payload.message}, with a timestamp, to the jobs log file (the seeds' {@code write_log}). */
  LOG("log", true, 5);

  private final String id;
  private final boolean blocking;
  private final int maxAttempts;

  JobType(String id, boolean blocking, int maxAttempts) {
    this.id = id;
    this.blocking = blocking;
    this.maxAttempts = maxAttempts;
  }

  /** The type's name in messages and in the {@code jobs.type} column. */
  public String id() {
    return id;
  }

  public boolean blocking() {
    return blocking;
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  /** Where a blocking job of this type is run: a worker verticle consumes it. */
  public String runAddress() {
    return Addresses.PREFIX + "jobs.run." + id;
  }

  public static Optional<JobType> find(String id) {
    return Arrays.stream(values()).filter(t -> t.id.equals(id)).findFirst();
  }
}
