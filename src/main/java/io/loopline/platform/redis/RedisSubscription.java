package io.loopline.platform.redis;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dedicated Redis connection subscribed to some channels, reconnected whenever it is lost. Tells its
 * owner when it is subscribed to all of them ({@code true}) and when it lost the connection ({@code false});
 * between the two, messages may have been missed. Runs on the context that calls {@link #start()}.
 */
public final class RedisSubscription {

  private static final Logger log = LoggerFactory.getLogger(RedisSubscription.class);

  private final Vertx vertx;
  private final Redis client;
  private final List<String> channels;
  private final long retryMs;
  private final BiConsumer<String, String> onMessage;
  private final Consumer<Boolean> onSubscribed;
  private RedisConnection connection;
  private int confirmed;
  private boolean subscribed;
  private boolean stopped;

  public RedisSubscription(
      Vertx vertx,
      Redis client,
      List<String> channels,
      long retryMs,
      BiConsumer<String, String> onMessage,
      Consumer<Boolean> onSubscribed) {
    this.vertx = vertx;
    this.client = client;
    this.channels = channels;
    this.retryMs = retryMs;
    this.onMessage = onMessage;
    this.onSubscribed = onSubscribed;
  }

  public void start() {
    connect();
  }

  public boolean subscribed() {
    return subscribed;
  }

  /** Drops the connection as lost (the owner hears {@code false}) and connects again. */
  public void reset(String reason) {
    RedisConnection current = connection;
    if (current != null) {
      lost(current, reason);
    }
  }

  public Future<Void> stop() {
    stopped = true;
    RedisConnection current = connection;
    connection = null;
    return current == null ? Future.succeededFuture() : current.close();
  }

  private void connect() {
    if (stopped) {
      return;
    }
    client
        .connect()
        .onSuccess(this::subscribe)
        .onFailure(
            e -> {
              log.debug("Redis subscription: cannot connect: {}", e.getMessage());
              retryLater();
            });
  }

  private void subscribe(RedisConnection opened) {
    if (stopped) {
      opened.close();
      return;
    }
    connection = opened;
    confirmed = 0;
    opened.handler(this::received);
    opened.exceptionHandler(e -> lost(opened, e.getMessage()));
    opened.endHandler(v -> lost(opened, "connection closed"));
    Request subscribe = Request.cmd(Command.SUBSCRIBE);
    channels.forEach(subscribe::arg);
    opened.send(subscribe).onFailure(e -> lost(opened, e.getMessage()));
  }

  private void received(Response push) {
    String kind = push.get(0).toString();
    if ("message".equals(kind)) {
      onMessage.accept(push.get(1).toString(), push.get(2).toString());
    } else if ("subscribe".equals(kind) && ++confirmed == channels.size()) {
      subscribed = true;
      log.info("Redis subscription up: {}", channels);
      onSubscribed.accept(true);
    }
  }

  private void lost(RedisConnection which, String reason) {
    if (which != connection) {
      return;
    }
    connection = null;
    which.close();
    if (subscribed) {
      subscribed = false;
      log.warn("Redis subscription lost ({}); retrying every {} ms", reason, retryMs);
      onSubscribed.accept(false);
    }
    retryLater();
  }

  private void retryLater() {
    if (!stopped) {
      vertx.setTimer(retryMs, t -> connect());
    }
  }
}
