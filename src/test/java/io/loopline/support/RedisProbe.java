package io.loopline.support;

import static io.loopline.support.TestNode.await;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A direct look into the machine's Redis, for asserting on what Loopline stored there (or did not touch). */
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

  /** Polls {@code key} every 20 ms until its value satisfies {@code condition}, at most {@code seconds}. */
  public String awaitValue(String key, Predicate<String> condition, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String value = get(key);
    while (!condition.test(value)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Redis key " + key + " never reached the expected value; last: " + value);
      }
      Thread.sleep(20);
      value = get(key);
    }
    return value;
  }

  @Override
  public void close() {
    client.close();
    await(vertx.close());
  }
}
