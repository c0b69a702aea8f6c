package io.loopline.platform.access;

import io.loopline.platform.config.AccessSettings.Quota;

/**
 * The generic cell rate algorithm, the one rule both limiters follow (the Redis script is the same
 * arithmetic). A budget of {@code limit} requests per {@code window} lets one request through every
 * {@code window / limit}, and up to {@code limit} at once after a quiet spell. The only state per client is
 * the theoretical arrival time ({@code tat}) of its next request, in microseconds.
 */
final class Gcra {

  private Gcra() {}

  /** What one request was told, and the client's new {@code tat} (unchanged when refused). */
  record Outcome(Decision decision, long tat) {}

  /** Allowed or not; remaining requests of the burst; when to retry; when the whole budget is back (ms). */
  record Decision(boolean allowed, long remaining, long retryAfterMs, long resetMs) {}

  static Outcome take(Long storedTat, long nowMicros, Quota quota) {
    long window = quota.windowSeconds() * 1_000_000L;
    long interval = window / quota.limit();
    long tat = storedTat == null ? nowMicros : Math.max(storedTat, nowMicros);
    long newTat = tat + interval;
    long allowAt = newTat - window;
    if (allowAt > nowMicros) {
      return new Outcome(
          new Decision(false, 0, ceilMillis(allowAt - nowMicros), ceilMillis(tat - nowMicros)),
          tat);
    }
    long remaining = (window - (newTat - nowMicros)) / interval;
    return new Outcome(new Decision(true, remaining, 0, ceilMillis(newTat - nowMicros)), newTat);
  }

  private static long ceilMillis(long micros) {
    return (micros + 999) / 1000;
  }

  /**
   * The same rule as a Redis script, so that every node spends one shared budget atomically, taking up to
   * {@code want} requests at once (a lease the node then spends locally, see {@link RateLimits}): as many as fit,
   * each exactly as {@link #take} would have let it through one after the other. KEYS[1]: the client's key;
   * ARGV: limit, window in microseconds, want. Redis's own clock is used, so nodes' clocks need not agree.
   * Returns {granted (0 when refused), remaining after the grant, retryAfterMs, resetMs}.
   */
  static final String SCRIPT =
      """
      local limit = tonumber(ARGV[1])
      local window = tonumber(ARGV[2])
      local want = tonumber(ARGV[3])
      local interval = math.floor(window / limit)
      local time = redis.call('TIME')
      local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
      local tat = tonumber(redis.call('GET', KEYS[1]))
      if not tat or tat < now then tat = now end
      local granted = math.min(want, math.floor((now + window - tat) / interval))
      if granted < 1 then
        return {0, 0, math.ceil((tat + interval - window - now) / 1000), math.ceil((tat - now) / 1000)}
      end
      local new_tat = tat + granted * interval
      redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
      return {granted, math.floor((window - (new_tat - now)) / interval), 0, math.ceil((new_tat - now) / 1000)}
      """;
}
