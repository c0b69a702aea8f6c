package io.loopline.kv;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.List;

/** The Redis backend of the key-value API, on the cache verticle's pooled client; its caller bounds each call. */
public final class RedisCache implements CacheBackend {

  private final Redis client;
  private final RedisAPI redis;

  public RedisCache(Redis client) {
    this.client = client;
    this.redis = RedisAPI.api(client);
  }

  @Override
  public Future<Buffer> get(String key) {
    return redis.get(key).map(r -> r == null ? null : r.toBuffer());
  }

  @Override
  public Future<Void> put(String key, Buffer value, Duration ttl) {
    Request set = Request.cmd(Command.SET).arg(key).arg(value);
    if (ttl != null) {
      set.arg("PX").arg(ttl.toMillis());
    }
    return client.send(set).mapEmpty();
  }

  @Override
  public Future<Boolean> delete(String key) {
    return redis.del(List.of(key)).map(r -> r.toInteger() > 0);
  }

  @Override
  public Future<String> ping() {
    return redis.ping(List.of()).map(Response::toString);
  }

  @Override
  public String kind() {
    return "redis";
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
