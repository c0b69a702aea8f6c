package io.loopline.platform.redis;

import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every Redis call goes through here: a circuit breaker with a timeout per call, so a stopped or slow Redis
 * is bypassed after a few failures and tried again by itself ({@code probe} runs when the breaker half-opens).
 *
 * <p>It also tracks whether the item entries in Redis can be trusted. Once Redis may have missed an
 * invalidation (an update failed, or the breaker opened), they are not used until {@code repair} (a flush
 * of the item tier) has succeeded. Each change of trust starts a new epoch; fills must carry the epoch of
 * the lookup they follow, so a read that began before a change cannot fill after it.
 */
public final class RedisGuard {

  private static final Logger log = LoggerFactory.getLogger(RedisGuard.class);

  private final Vertx vertx;
  private final CircuitBreaker breaker;
  private final long resetMs;
  private final Supplier<Future<String>> probe;
  private final Supplier<Future<Void>> repair;
  private boolean trusted = true;
  private boolean repairing;
  private boolean closed;
  private long epoch;

  /** Counts reasons to distrust; a flush that began before the latest one does not restore trust. */
  private long doubts;

  public RedisGuard(
      Vertx vertx,
      long timeoutMs,
      int maxFailures,
      long resetMs,
      Supplier<Future<String>> probe,
      Supplier<Future<Void>> repair) {
    this.vertx = vertx;
    this.resetMs = resetMs;
    this.probe = probe;
    this.repair = repair;
    this.breaker =
        CircuitBreaker.create(
                "loopline-redis",
                vertx,
                new CircuitBreakerOptions()
                    .setTimeout(timeoutMs)
                    .setMaxFailures(maxFailures)
                    .setResetTimeout(resetMs)
                    .setNotificationAddress(null))
            .openHandler(v -> opened())
            .halfOpenHandler(v -> call(probe))
            .closeHandler(v -> closed());
  }

  /** Runs a Redis command under the breaker: fails at once while it is open, and after the timeout. */
  public <T> Future<T> call(Supplier<Future<T>> command) {
    return breaker.execute(command);
  }

  /** True while Redis is used (the breaker is closed). */
  public boolean available() {
    return breaker.state() == CircuitBreakerState.CLOSED;
  }

  /** True while the item entries in Redis may be read and filled. */
  public boolean itemsUsable() {
    return available() && trusted;
  }

  public long epoch() {
    return epoch;
  }

  public String breakerState() {
    return breaker.state().name();
  }

  public boolean trusted() {
    return trusted;
  }

  /** Redis may hold an item version older than the database: stop using the item tier until it is flushed. */
  public void distrust() {
    doubts++;
    if (trusted) {
      trusted = false;
      epoch++;
      log.warn("Redis may hold outdated items: the item tier is bypassed until it is flushed");
    }
    if (available()) {
      repairSoon(0);
    }
  }

  private void opened() {
    log.warn("Redis circuit breaker open: Redis is bypassed, next try in {} ms", resetMs);
    distrust();
  }

  private void closed() {
    log.info("Redis circuit breaker closed: Redis is used again");
    if (!trusted) {
      repairSoon(0);
    }
  }

  private void repairSoon(long delayMs) {
    if (repairing || closed) {
      return;
    }
    repairing = true;
    Runnable run =
        () -> {
          long doubtsAtStart = doubts;
          repair
              .get()
              .onComplete(
                  ar -> {
                    repairing = false;
                    if (closed) {
                      return;
                    }
                    if (ar.failed()) {
                      log.warn("Redis item tier flush failed: {}", ar.cause().getMessage());
                      if (available()) {
                        repairSoon(resetMs);
                      }
                    } else if (doubts != doubtsAtStart) {
                      repairSoon(0);
                    } else {
                      trusted = true;
                      epoch++;
                      log.info("Redis item tier flushed: it is used again");
                    }
                  });
        };
    if (delayMs <= 0) {
      run.run();
    } else {
      vertx.setTimer(delayMs, t -> run.run());
    }
  }

  public void close() {
    closed = true;
    breaker.close();
  }
}
