package io.loopline.scrape;

import io.loopline.scrape.Exchange.Answer;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * Which failed attempts are tried again, and after how long: a connection error ({@link FetchFailure#retryable}),
 * a 429 or a 5xx, at most {@code scrape.retries} more times, after an exponential backoff with equal jitter
 * or the answer's {@code Retry-After} when that is longer. A {@code Retry-After} longer than {@code
 * maxBackoffMs} is not waited for: that answer is the result. Timeouts are not retried (a silent server would
 * multiply the wait). The wait is a timer that stopping the fetch cancels.
 */
final class RetryPolicy {

  private final Vertx vertx;
  private final int retries;
  private final long backoffMs;
  private final long maxBackoffMs;

  RetryPolicy(Vertx vertx, int retries, long backoffMs, long maxBackoffMs) {
    this.vertx = vertx;
    this.retries = retries;
    this.backoffMs = backoffMs;
    this.maxBackoffMs = maxBackoffMs;
  }

  /**
   * {@code attempt}, and up to {@code retries} more while {@link #delayMs} says so. {@code attempt} is given
   * whether its answer may still be retried (it then need not keep the body of an answer that will be).
   */
  Future<Answer> run(Fetcher.Abort abort, Function<Boolean, Future<Answer>> attempt) {
    return run(abort, attempt, 0);
  }

  private Future<Answer> run(
      Fetcher.Abort abort, Function<Boolean, Future<Answer>> attempt, int tries) {
    boolean mayRetry = tries < retries;
    return attempt
        .apply(mayRetry)
        .transform(
            done -> {
              if (abort.stopped() != null) {
                return Future.failedFuture(abort.stopped());
              }
              Long delay = mayRetry ? delayMs(done, tries) : null;
              if (delay == null) {
                return done.succeeded()
                    ? Future.succeededFuture(done.result())
                    : Future.failedFuture(done.cause());
              }
              Promise<Answer> later = Promise.promise();
              long timer =
                  vertx.setTimer(
                      Math.max(1, delay), t -> run(abort, attempt, tries + 1).onComplete(later));
              abort.onStop(
                  why -> {
                    vertx.cancelTimer(timer);
                    later.tryFail(why);
                  });
              return later.future();
            });
  }

  /**
   * The wait before trying again after attempt {@code tries} (0 for the first) ended in {@code done}, or
   * null when it is not tried again. Only asked while a retry is left.
   */
  Long delayMs(AsyncResult<Answer> done, int tries) {
    if (done.failed() && done.cause() instanceof FetchFailure f && f.retryable) {
      return backoff(tries);
    }
    if (done.succeeded() && retriesAfter(done.result().status(), done.result().headers())) {
      return Math.max(retryAfterMs(done.result().headers().get("Retry-After")), backoff(tries));
    }
    return null;
  }

  /** A 429 or 5xx is retried unless its Retry-After asks for a longer wait than {@code maxBackoffMs}. */
  boolean retriesAfter(int status, MultiMap headers) {
    return (status == 429 || status >= 500 && status <= 599)
        && retryAfterMs(headers.get("Retry-After")) <= maxBackoffMs;
  }

  /** Exponential backoff with equal jitter: half the delay fixed, half random. */
  long backoff(int attempt) {
    long delay = Math.min(maxBackoffMs, backoffMs << Math.min(20, attempt));
    return delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
  }

  /** Retry-After as delay-seconds or an HTTP date; 0 when absent or unreadable. */
  static long retryAfterMs(String value) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(value.trim()) * 1000);
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, at.toInstant().toEpochMilli() - System.currentTimeMillis());
      } catch (RuntimeException notADate) {
        return 0;
      }
    }
  }
}
