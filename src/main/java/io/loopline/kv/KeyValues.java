package io.loopline.kv;

import io.loopline.contract.Failures;
import io.loopline.platform.bus.Fields;
import io.loopline.platform.bus.Operations;
import io.loopline.platform.redis.RedisGuard;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One key space of the key-value store: checks each message, keeps the value with its media type under
 * {@code <prefix><key>}, and answers 503 while the backend is unavailable. Redis calls go through the guard
 * (its breaker); the in-process store needs none.
 *
 * <p>Two spaces exist, apart by their prefix: the public one ({@link #PUBLIC}, {@code loopline.cache.get/put/delete},
 * which {@code /cache/{key}} reaches) and the internal one ({@link #INTERNAL}, {@code loopline.cache.internal.*},
 * where Loopline keeps what it computes for itself, such as scrape results). No key of the public space can
 * name an entry of the internal one.
 */
public final class KeyValues {

  private static final Logger log = LoggerFactory.getLogger(KeyValues.class);

  /** The keys; documented in docs/caching.md and the OpenAPI contract. */
  static final Pattern KEY = Pattern.compile("^[A-Za-z0-9._:-]{1,256}$");

  static final Set<String> CONTENT_TYPES = Set.of("application/json", "text/plain");
  static final long MAX_TTL_SECONDS = 30L * 24 * 3600;

  /** The public space's prefix after the namespace: {@code /cache/{key}} is {@code <namespace>kv:<key>}. */
  public static final String PUBLIC = "kv:";

  /** The internal space's prefix after the namespace. */
  public static final String INTERNAL = "internal:";

  private final CacheBackend backend;
  private final RedisGuard guard;
  private final String prefix;
  private final int maxValueBytes;

  /** {@code prefix} is the namespace and the space ({@link #PUBLIC} or {@link #INTERNAL}); {@code guard} is null for the in-process store. */
  public KeyValues(CacheBackend backend, RedisGuard guard, String prefix, int maxValueBytes) {
    this.backend = backend;
    this.guard = guard;
    this.prefix = prefix;
    this.maxValueBytes = maxValueBytes;
  }

  public Future<JsonObject> get(JsonObject message) {
    String key = key(message);
    return kv(() -> backend.get(kvKey(key)))
        .compose(
            stored -> {
              if (stored == null) {
                return Future.failedFuture(
                    Operations.refusal(Failures.NOT_FOUND, "no value for key " + key));
              }
              StoredValue value = StoredValue.decode(stored);
              return Future.succeededFuture(
                  new JsonObject()
                      .put("key", key)
                      .put("value", value.value())
                      .put("contentType", value.contentType()));
            });
  }

  public Future<JsonObject> put(JsonObject message) {
    String key = key(message);
    Object value = message.getValue("value");
    String contentType = message.getString("contentType", "text/plain");
    Object ttl = message.getValue("ttl");
    if (!(value instanceof String text)) {
      throw Operations.refusal(Failures.BAD_REQUEST, "value: must be a string");
    }
    if (!CONTENT_TYPES.contains(contentType)) {
      throw Operations.refusal(
          Failures.BAD_REQUEST, "contentType: must be one of " + CONTENT_TYPES);
    }
    Long seconds = ttl == null ? null : Fields.wholeNumber(ttl, 1, MAX_TTL_SECONDS);
    if (ttl != null && seconds == null) {
      throw Operations.refusal(
          Failures.BAD_REQUEST,
          "ttl: must be a whole number of seconds from 1 to " + MAX_TTL_SECONDS);
    }
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxValueBytes) {
      throw Operations.refusal(
          Failures.PAYLOAD_TOO_LARGE,
          "the value is " + bytes + " bytes; the limit is " + maxValueBytes);
    }
    Duration expiry = seconds == null ? null : Duration.ofSeconds(seconds);
    return kv(() -> backend.put(kvKey(key), new StoredValue(contentType, text).encode(), expiry))
        .map(
            v ->
                new JsonObject()
                    .put("key", key)
                    .put("contentType", contentType)
                    .put("bytes", bytes)
                    .put("ttl", ttl));
  }

  public Future<JsonObject> delete(JsonObject message) {
    String key = key(message);
    return kv(() -> backend.delete(kvKey(key)))
        .compose(
            removed ->
                removed
                    ? Future.succeededFuture(new JsonObject().put("key", key))
                    : Future.failedFuture(
                        Operations.refusal(Failures.NOT_FOUND, "no value for key " + key)));
  }

  /**
   * The failure path of the cache's addresses: a refusal (400, 404, 413) as it is; anything else is the
   * backend failing, answered 503.
   */
  public static void fail(Message<?> message, Throwable e) {
    if (e instanceof ReplyException refused) {
      message.fail(refused.failureCode(), refused.getMessage());
      return;
    }
    log.debug("cache unavailable: {}", e.toString());
    message.fail(Failures.UNAVAILABLE, "the cache is unavailable");
  }

  /** The message's key; a refusal (400) when it has none. */
  private static String key(JsonObject message) {
    Object key = message.getValue("key");
    if (key instanceof String text && KEY.matcher(text).matches()) {
      return text;
    }
    throw Operations.refusal(
        Failures.BAD_REQUEST,
        "key: must be 1 to 256 characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'");
  }

  private <T> Future<T> kv(Supplier<Future<T>> command) {
    return guard == null ? command.get() : guard.call(command);
  }

  private String kvKey(String key) {
    return prefix + key;
  }
}
