package io.loopline.kv;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;

/** Where cached values live: Redis when configured, else this process. Keys arrive namespaced. */
public interface CacheBackend {

  /** The value, or {@code null} when absent or expired. */
  Future<Buffer> get(String key);

  /** Stores the value; {@code ttl} null means no expiry. */
  Future<Void> put(String key, Buffer value, Duration ttl);

  /** True when a value was removed. */
  Future<Boolean> delete(String key);

  /** Answers when the backend is reachable; details for the health report. */
  Future<String> ping();

  /** A name for logs and health: {@code redis} or {@code in-process}. */
  String kind();

  Future<Void> close();
}
