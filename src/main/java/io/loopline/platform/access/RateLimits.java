package io.loopline.platform.access;

import io.loopline.platform.config.AccessSettings;
import io.loopline.platform.config.AccessSettings.Quota;
import io.loopline.platform.config.RedisSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spends one request of a client's budget. With Redis configured, the budget is one Redis key shared by
 * every node (a GCRA script, atomic). A busy client's requests do not each cost a Redis call: this verticle
 * takes a part of the budget at once (a lease) and spends it locally, 1 request at first, twice as many each
 * time a lease is used up within its life, up to {@code rateLimit.leaseShare} of the limit. What a lease has
 * not spent after {@code rateLimit.leaseMs} is dropped. When Redis fails or is slow, a circuit breaker hands
 * the decision to this node's own limiter until Redis answers again, and says so (log, counter, gauge).
 * Never fails: a request is always decided. Used on its verticle's event loop only.
 */
public final class RateLimits {

  private static final Logger log = LoggerFactory.getLogger(RateLimits.class);

  /** A part of one client's budget held by this verticle. */
  private static final class Lease {
    int tokens;

    /** The size of the last lease asked for; the next one doubles while leases are used up. */
    int size;

    long grantedAt;
    long expiresAt;

    /** What Redis said was left of the budget, and when it would be whole, at the last grant. */
    long redisRemaining;

    long resetMs;

    /** The last answer gave fewer than asked: the budget is spent for now. */
    boolean short_;

    long retryAfterMs;

    /** Requests waiting for the lease in flight: the next lease asks for at least as many. */
    int waiting;

    Future<Void> refill;
  }

  private final LocalLimits local;
  private final RedisAPI redis;
  private final Redis client;
  private final CircuitBreaker breaker;
  private final String prefix;
  private final String scriptSha;
  private final Counter fallbacks;
  private final Counter redisCalls;
  private final double leaseShare;
  private final long leaseNanos;
  private final Map<String, Lease> leases;

  public RateLimits(
      Vertx vertx, AccessSettings access, RedisSettings redisSettings, MeterRegistry registry) {
    int longestWindow =
        Stream.concat(access.keyed().values().stream(), access.anonymous().values().stream())
            .mapToInt(Quota::windowSeconds)
            .max()
            .orElse(60);
    this.local = LocalLimits.of(vertx, access.localMaxClients(), Duration.ofSeconds(longestWindow));
    this.prefix = redisSettings.namespace() + "rl:";
    this.scriptSha = sha1(Gcra.SCRIPT);
    this.leaseShare = access.leaseShare();
    this.leaseNanos = TimeUnit.MILLISECONDS.toNanos(access.leaseMs());
    int maxLeases = access.localMaxClients();
    this.leases =
        new LinkedHashMap<>(256, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Lease> eldest) {
            return size() > maxLeases;
          }
        };
    this.fallbacks =
        Counter.builder("loopline.ratelimit.local.decisions")
            .description("Rate-limit decisions this node made alone because Redis did not answer")
            .register(registry);
    this.redisCalls =
        Counter.builder("loopline.ratelimit.redis.calls")
            .description("Leases of rate-limit budget asked of Redis")
            .register(registry);
    if (redisSettings.inProcess()) {
      client = null;
      redis = null;
      breaker = null;
    } else {
      client =
          Redis.createClient(
              vertx,
              new RedisOptions()
                  .setConnectionString(redisSettings.url())
                  .setMaxPoolSize(4)
                  .setMaxPoolWaiting(1024)
                  .setPoolRecycleTimeout(15_000));
      redis = RedisAPI.api(client);
      breaker =
          CircuitBreaker.create(
                  "loopline-rate-limits",
                  vertx,
                  new CircuitBreakerOptions()
                      .setTimeout(access.redisTimeoutMs())
                      .setMaxFailures(5)
                      .setResetTimeout(2_000)
                      .setNotificationAddress(null))
              .openHandler(
                  v ->
                      log.warn(
                          "Redis does not answer rate-limit checks: each node now limits on its own "
                              + "(budgets are per node until Redis answers again)"))
              .closeHandler(v -> log.info("Rate limits are shared through Redis again"));
      // 1 while budgets are shared through Redis, 0 while this verticle limits on its own.
      Gauge.builder(
              "loopline.ratelimit.shared",
              breaker,
              b -> b.state() == CircuitBreakerState.OPEN ? 0 : 1)
          .description(
              "1 while rate-limit budgets are shared through Redis, 0 while this node limits alone")
          .strongReference(true)
          .register(registry);
    }
  }

  Future<Gcra.Decision> take(String client, Quota quota) {
    if (breaker == null) {
      return Future.succeededFuture(local.take(client, quota));
    }
    Lease lease = leases.get(client);
    if (lease == null) {
      lease = new Lease();
      leases.put(client, lease);
    }
    Gcra.Decision spent = spend(lease, System.nanoTime());
    if (spent != null) {
      return Future.succeededFuture(spent);
    }
    return afterRefill(client, quota, lease);
  }

  /** One request from the lease, or null when it has none left (or it expired). */
  private Gcra.Decision spend(Lease lease, long now) {
    if (lease.tokens > 0 && now - lease.expiresAt < 0) {
      lease.tokens--;
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(now - lease.grantedAt);
      return new Gcra.Decision(
          true, lease.redisRemaining + lease.tokens, 0, Math.max(0, lease.resetMs - elapsedMs));
    }
    lease.tokens = 0;
    return null;
  }

  /**
   * Waits for a new lease (one at a time per client), then spends from it; asks again if others took it all.
   * Each lease that is not short gives at least one request, so every waiter is decided after a few rounds.
   */
  private Future<Gcra.Decision> afterRefill(String client, Quota quota, Lease lease) {
    lease.waiting++;
    if (lease.refill == null) {
      lease.refill = refill(client, quota, lease).andThen(ar -> lease.refill = null);
    }
    return lease.refill.transform(
        ar -> {
          lease.waiting--;
          if (ar.failed()) {
            fallbacks.increment();
            return Future.succeededFuture(local.take(client, quota));
          }
          Gcra.Decision spent = spend(lease, System.nanoTime());
          if (spent != null) {
            return Future.succeededFuture(spent);
          }
          if (lease.short_) {
            return Future.succeededFuture(
                new Gcra.Decision(false, 0, lease.retryAfterMs, lease.resetMs));
          }
          return afterRefill(client, quota, lease);
        });
  }

  private Future<Void> refill(String client, Quota quota, Lease lease) {
    long now = System.nanoTime();
    int max = Math.max(1, (int) Math.min(Integer.MAX_VALUE, (long) (quota.limit() * leaseShare)));
    boolean usedUp = lease.size > 0 && !lease.short_ && now - lease.expiresAt < 0;
    int size = usedUp ? Math.min(max, lease.size * 2) : Math.max(1, Math.min(max, lease.size / 2));
    lease.size = size;
    int want = Math.max(size, Math.min(max, lease.waiting));
    redisCalls.increment();
    return breaker
        .<Response>execute(() -> viaRedis(client, quota, want))
        .map(
            reply -> {
              long at = System.nanoTime();
              int granted = reply.get(0).toInteger();
              lease.tokens = granted;
              lease.grantedAt = at;
              lease.expiresAt = at + leaseNanos;
              lease.short_ = granted < want;
              lease.redisRemaining = reply.get(1).toLong();
              lease.retryAfterMs = reply.get(2).toLong();
              lease.resetMs = reply.get(3).toLong();
              return null;
            });
  }

  private Future<Response> viaRedis(String client, Quota quota, int want) {
    List<String> args =
        List.of(
            scriptSha,
            "1",
            prefix + client,
            String.valueOf(quota.limit()),
            String.valueOf(quota.windowSeconds() * 1_000_000L),
            String.valueOf(want));
    return redis
        .evalsha(args)
        .recover(
            e ->
                e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")
                    ? redis.eval(
                        List.of(
                            Gcra.SCRIPT,
                            "1",
                            prefix + client,
                            args.get(3),
                            args.get(4),
                            args.get(5)))
                    : Future.failedFuture(e));
  }

  public void close() {
    if (client != null) {
      client.close();
    }
    if (breaker != null) {
      breaker.close();
    }
  }

  private static String sha1(String script) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
