package io.loopline.platform.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.loopline.platform.config.AccessSettings.Quota;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.time.Duration;

/**
 * The per-node limiter: one table of clients for every HTTP verticle of this Vert.x instance (kept in its
 * local shared data), used when no Redis is configured or while Redis does not answer. Bounded: the least
 * recently seen clients are forgotten first, which only ever gives a forgotten client a fresh budget.
 */
final class LocalLimits implements Shareable {

  private final Cache<String, Long> tats;

  private LocalLimits(int maxClients, Duration longestWindow) {
    this.tats =
        Caffeine.newBuilder()
            .maximumSize(maxClients)
            .expireAfterAccess(longestWindow)
            .executor(Runnable::run)
            .build();
  }

  /** This node's limiter, made by the first HTTP verticle that asks. */
  static LocalLimits of(Vertx vertx, int maxClients, Duration longestWindow) {
    LocalMap<String, LocalLimits> map = vertx.sharedData().getLocalMap("loopline.http.rateLimits");
    LocalLimits fresh = new LocalLimits(maxClients, longestWindow);
    LocalLimits existing = map.putIfAbsent("local", fresh);
    return existing != null ? existing : fresh;
  }

  Gcra.Decision take(String client, Quota quota) {
    Gcra.Decision[] decision = new Gcra.Decision[1];
    long now = System.nanoTime() / 1000;
    tats.asMap()
        .compute(
            client,
            (k, tat) -> {
              Gcra.Outcome outcome = Gcra.take(tat, now, quota);
              decision[0] = outcome.decision();
              return outcome.tat();
            });
    return decision[0];
  }
}
