package io.loopline.support;

import static io.loopline.support.TestNode.await;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/** A direct look into the tests' Redis, for asserting on what Loopline stored there (or did not touch). */
public final class RedisProbe implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final Redis client = Redis.createClient(vertx, TestServers.REDIS);
  private final RedisAPI redis = RedisAPI.api(client);

  /** The value at {@code key} as text, or null. */
  public String get(String key) {
    Response value = await(redis.get(key));
    return value == null ? null : value.toString();
  }

  public void set(String key, String value) {
    await(redis.set(List.of(key, value)));
  }

  /** Milliseconds left to live: -1 without expiry, -2 when absent. */
  public long pttl(String key) {
    return await(redis.pttl(key)).toLong();
  }

  public void delete(String key) {
    await(redis.del(List.of(key)));
  }

  /** Polls {@code key} until its value satisfies {@code condition}, at most {@code seconds}. */
  public String awaitValue(String key, Predicate<String> condition, int seconds) {
    return Poll.value(
        "Redis key " + key + " reaches the expected value",
        Duration.ofSeconds(seconds),
        () -> get(key),
        condition);
  }

  @Override
  public void close() {
    Cleanup.run(client::close, () -> await(vertx.close()));
  }
}
