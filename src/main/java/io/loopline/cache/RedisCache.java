package io.loopline.cache;

import io.loopline.config.RedisSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The Redis backend: a pooled client; every command is bounded by the configured timeout. */
final class RedisCache implements CacheBackend {

  private final Redis client;
  private final RedisAPI redis;
  private final long timeoutMs;

  RedisCache(Vertx vertx, RedisSettings settings) {
    RedisOptions options = new RedisOptions()
        .setConnectionString(settings.url())
        .setMaxPoolSize(settings.poolSize())
        .setMaxPoolWaiting(settings.poolSize() * 64)
        .setMaxWaitingHandlers(settings.poolSize() * 256)
        .setNetClientOptions(new NetClientOptions().setConnectTimeout((int) settings.timeoutMs()).setTcpNoDelay(true));
    this.client = Redis.createClient(vertx, options);
    this.redis = RedisAPI.api(client);
    this.timeoutMs = settings.timeoutMs();
  }

  @Override
  public Future<Buffer> get(String key) {
    return bounded(redis.get(key)).map(r -> r == null ? null : r.toBuffer());
  }

  @Override
  public Future<Void> put(String key, Buffer value, Duration ttl) {
    Request set = Request.cmd(Command.SET).arg(key).arg(value);
    if (ttl != null) {
      set.arg("PX").arg(ttl.toMillis());
    }
    return bounded(client.send(set)).mapEmpty();
  }

  @Override
  public Future<Boolean> delete(String key) {
    return bounded(redis.del(List.of(key))).map(r -> r.toInteger() > 0);
  }

  @Override
  public Future<String> ping() {
    return bounded(redis.ping(List.of())).map(Response::toString);
  }

  @Override
  public String kind() {
    return "redis";
  }

  private <T> Future<T> bounded(Future<T> call) {
    return call.timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  @Override
  public Future<Void> close() {
    client.close();
    return Future.succeededFuture();
  }
}
