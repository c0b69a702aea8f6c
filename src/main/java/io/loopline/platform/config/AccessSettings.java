package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code auth} and {@code rateLimit} sections: who may call what, and how often.
 *
 * @param keyed budgets per route class ({@code read}, {@code write}, {@code scrape}, {@code admin}) for
 *     clients with an API key
 * @param anonymous the same for clients without one, counted per IP address
 * @param leaseShare the largest part of a budget one HTTP verticle takes from Redis at once (0 to 1)
 * @param leaseMs how long a leased part may be spent; what is left after that is dropped
 */
public record AccessSettings(
    boolean authRequired,
    long keyCacheMs,
    boolean rateLimitEnabled,
    List<String> trustedProxies,
    long redisTimeoutMs,
    int localMaxClients,
    double leaseShare,
    long leaseMs,
    Map<String, Quota> keyed,
    Map<String, Quota> anonymous) {

  /** {@code limit} requests per {@code windowSeconds}. */
  public record Quota(int limit, int windowSeconds) {
    public Quota {
      if (limit < 1 || windowSeconds < 1) {
        throw new ConfigException(
            "rateLimit: limit and windowSeconds must be at least 1, got "
                + limit
                + "/"
                + windowSeconds);
      }
      if ((long) limit > windowSeconds * 1_000_000L) {
        // The limiters count in microseconds: one request per microsecond is the finest budget they
        // keep.
        throw new ConfigException(
            "rateLimit: at most one request per microsecond, got "
                + limit
                + " per "
                + windowSeconds
                + " s");
      }
    }
  }

  public static AccessSettings from(JsonObject config) {
    JsonObject auth = config.getJsonObject("auth");
    JsonObject limits = config.getJsonObject("rateLimit");
    double share = limits.getDouble("leaseShare");
    if (!(share > 0 && share <= 1) || limits.getLong("leaseMs") < 1) {
      throw new ConfigException(
          "rateLimit: leaseShare must be above 0 and at most 1, leaseMs at least 1; got "
              + share
              + " and "
              + limits.getLong("leaseMs"));
    }
    return new AccessSettings(
        auth.getBoolean("required"),
        auth.getLong("keyCacheMs"),
        limits.getBoolean("enabled"),
        limits.getJsonArray("trustedProxies").stream().map(String::valueOf).toList(),
        limits.getLong("redisTimeoutMs"),
        limits.getInteger("localMaxClients"),
        limits.getDouble("leaseShare"),
        limits.getLong("leaseMs"),
        quotas(limits.getJsonObject("keyed")),
        quotas(limits.getJsonObject("anonymous")));
  }

  private static Map<String, Quota> quotas(JsonObject section) {
    Map<String, Quota> out = new LinkedHashMap<>();
    for (String routeClass : section.fieldNames()) {
      JsonObject quota = section.getJsonObject(routeClass);
      out.put(routeClass, new Quota(quota.getInteger("limit"), quota.getInteger("windowSeconds")));
    }
    return Map.copyOf(out);
  }
}
