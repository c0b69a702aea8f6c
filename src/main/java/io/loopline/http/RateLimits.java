package io.loopline.http;

import io.loopline.config.AccessSettings;
import io.loopline.config.AccessSettings.Quota;
import io.loopline.config.RedisSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
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
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spends one request of a client's budget. With Redis configured, the budget is one Redis key shared by
 * every node (a GCRA script, atomic); when Redis fails or is slow, a circuit breaker hands the decision to
 * this node's own limiter until Redis answers again. Never fails: a request is always decided.
 */
final class RateLimits {

  private static final Logger log = LoggerFactory.getLogger(RateLimits.class);

  private final LocalLimits local;
  private final RedisAPI redis;
  private final Redis client;
  private final CircuitBreaker breaker;
  private final String prefix;
  private final String scriptSha;
  private final Counter fallbacks;

  RateLimits(Vertx vertx, AccessSettings access, RedisSettings redisSettings, MeterRegistry registry) {
    int longestWindow = Stream.concat(access.keyed().values().stream(), access.anonymous().values().stream())
        .mapToInt(Quota::windowSeconds).max().orElse(60);
    this.local = LocalLimits.of(vertx, access.localMaxClients(), Duration.ofSeconds(longestWindow));
    this.prefix = redisSettings.namespace() + "rl:";
    this.scriptSha = sha1(Gcra.SCRIPT);
    this.fallbacks = Counter.builder("loopline.ratelimit.local.decisions")
        .description("Rate-limit decisions this node made alone because Redis did not answer")
        .register(registry);
    if (redisSettings.inProcess()) {
      client = null;
      redis = null;
      breaker = null;
    } else {
      client = Redis.createClient(vertx, new RedisOptions()
          .setConnectionString(redisSettings.url())
          .setMaxPoolSize(4)
          .setMaxPoolWaiting(1024)
          .setPoolRecycleTimeout(15_000));
      redis = RedisAPI.api(client);
      breaker = CircuitBreaker.create("loopline-rate-limits", vertx, new CircuitBreakerOptions()
          .setTimeout(access.redisTimeoutMs())
          .setMaxFailures(5)
          .setResetTimeout(2_000)
          .setNotificationAddress(null))
          .openHandler(v -> log.warn("Redis does not answer rate-limit checks: each node now limits on its own"))
          .closeHandler(v -> log.info("Rate limits are shared through Redis again"));
    }
  }

  Future<Gcra.Decision> take(String client, Quota quota) {
    if (breaker == null) {
      return Future.succeededFuture(local.take(client, quota));
    }
    return breaker.<Gcra.Decision>execute(() -> viaRedis(client, quota))
        .recover(e -> {
          fallbacks.increment();
          return Future.succeededFuture(local.take(client, quota));
        });
  }

  private Future<Gcra.Decision> viaRedis(String client, Quota quota) {
    List<String> args = List.of(scriptSha, "1", prefix + client,
        String.valueOf(quota.limit()), String.valueOf(quota.windowSeconds() * 1_000_000L));
    return redis.evalsha(args)
        .recover(e -> e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")
            ? redis.eval(List.of(Gcra.SCRIPT, "1", prefix + client, args.get(3), args.get(4)))
            : Future.failedFuture(e))
        .map(RateLimits::decision);
  }

  private static Gcra.Decision decision(Response reply) {
    return new Gcra.Decision(reply.get(0).toInteger() == 1, reply.get(1).toLong(), reply.get(2).toLong(), reply.get(3).toLong());
  }

  void close() {
    if (client != null) {
      client.close();
    }
    if (breaker != null) {
      breaker.close();
    }
  }

  private static String sha1(String script) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
