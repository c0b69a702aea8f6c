package io.loopline.items;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared tier of the item cache in Redis. An entry is {@code "<version>|<item json>"} under
 * {@code <namespace>db:<database identity>:item:<id>}; a deleted item leaves a tombstone {@code "2147483647|"} for a while. A store
 * never replaces an entry of the same or a newer version, so a read that raced a write cannot put the old
 * version back. The caller bounds each call.
 */
public final class RedisItems {

  /** The version of a tombstone: higher than any real version, so nothing replaces it until it expires. */
  public static final int DELETED = Integer.MAX_VALUE;

  /**
   * KEYS[1] item key; ARGV version, json ("" for a tombstone), ttl ms, channel ("" for none), message.
   * Returns the number of subscribers that got the message, or 1/0 (stored or not) without a channel.
   */
  private static final String STORE_IF_NEWER =
      """
      local current = redis.call('GET', KEYS[1])
      local stored = 0
      local held = current and tonumber(string.match(current, '^(%d+)|'))
      if not held or held < tonumber(ARGV[1]) then
        redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
        stored = 1
      end
      if ARGV[4] ~= '' then
        return redis.call('PUBLISH', ARGV[4], ARGV[5])
      end
      return stored
      """;

  /** An item as Redis holds it. */
  public record Cached(int version, String json) {}

  private final RedisAPI redis;
  private final String prefix;

  /** {@code prefix} comes before the id in every key; a flush removes every key that starts with it. */
  public RedisItems(Redis client, String prefix) {
    this.redis = RedisAPI.api(client);
    this.prefix = prefix;
  }

  /** The cached item, or null on a miss or a tombstone. */
  public Future<Cached> get(long id) {
    return redis.get(prefix + id).map(RedisItems::parse);
  }

  /** Stores a version read from the database, unless the same or a newer one (or a tombstone) is there. */
  public Future<Boolean> fill(long id, int version, String json, long ttlMs) {
    return eval(id, version, json, ttlMs, "", "").map(r -> r.toInteger() == 1);
  }

  /**
   * Stores a version just written (or a tombstone) and, in the same step, publishes {@code message} on
   * {@code channel}. Answers how many subscribers got it.
   */
  public Future<Integer> replaceAndPublish(
      long id, int version, String json, long ttlMs, String channel, String message) {
    return eval(id, version, json, ttlMs, channel, message).map(Response::toInteger);
  }

  /** Publishes a message on a channel; answers how many subscribers got it. */
  public Future<Integer> publish(String channel, String message) {
    return redis.publish(channel, message).map(Response::toInteger);
  }

  /** Removes one page of item entries; answers the cursor of the next page, "0" after the last. */
  public Future<String> flushPage(String cursor) {
    return redis
        .scan(List.of(cursor, "MATCH", glob(prefix) + "*", "COUNT", "500"))
        .compose(
            page -> {
              List<String> keys = new ArrayList<>();
              page.get(1).forEach(k -> keys.add(k.toString()));
              String next = page.get(0).toString();
              return keys.isEmpty() ? Future.succeededFuture(next) : redis.unlink(keys).map(next);
            });
  }

  private Future<Response> eval(
      long id, int version, String json, long ttlMs, String channel, String message) {
    return redis.eval(
        List.of(
            STORE_IF_NEWER,
            "1",
            prefix + id,
            Integer.toString(version),
            json,
            Long.toString(ttlMs),
            channel,
            message));
  }

  private static Cached parse(Response stored) {
    if (stored == null) {
      return null;
    }
    String text = stored.toString();
    int bar = text.indexOf('|');
    if (bar < 1 || bar == text.length() - 1) {
      return null;
    }
    return new Cached(Integer.parseInt(text.substring(0, bar)), text.substring(bar + 1));
  }

  /** The namespace as a literal in a SCAN pattern. */
  private static String glob(String literal) {
    return literal.replaceAll("([\\\\*?\\[\\]])", "\\\\$1");
  }
}
