package io.loopline.items;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The near cache's rules, without a server: when it serves, when a fill is refused, how loads are shared. */
class NearCacheTest {

  private static NearCache.Entry version(int version) {
    return new NearCache.Entry(version, Buffer.buffer("{\"version\":" + version + "}"));
  }

  private static NearCache active(long maxEntries) {
    NearCache near = new NearCache(maxEntries, Duration.ofMinutes(1));
    near.activate();
    return near;
  }

  @Test
  void servesNothingAndKeepsNothingWhileInactive() {
    NearCache near = new NearCache(100, Duration.ofMinutes(1));

    assertThat(near.fill(1, version(1), near.begin())).isFalse();
    assertThat(near.get(1)).isNull();

    near.activate();
    assertThat(near.fill(1, version(1), near.begin())).isTrue();
    assertThat(near.get(1).version()).isEqualTo(1);

    near.deactivate();
    assertThat(near.get(1)).isNull();
    near.activate();
    assertThat(near.get(1)).as("reactivated empty").isNull();
  }

  @Test
  void aReadThatBeganBeforeAnInvalidationCannotFill() {
    NearCache near = active(100);
    long before = near.begin();

    near.invalidate(7);

    assertThat(near.fill(7, version(1), before)).isFalse();
    assertThat(near.get(7)).isNull();
    assertThat(near.fill(7, version(2), near.begin())).isTrue();
    assertThat(near.get(7).version()).isEqualTo(2);
    // Other items are not affected by the invalidation of item 7.
    assertThat(near.fill(8, version(1), before)).isTrue();
  }

  @Test
  void anOlderVersionNeverReplacesANewerOne() {
    NearCache near = active(100);

    assertThat(near.fill(3, version(5), near.begin())).isTrue();
    assertThat(near.fill(3, version(4), near.begin())).isFalse();
    assertThat(near.get(3).version()).isEqualTo(5);
  }

  @Test
  void aReadThatBeganBeforeAClearCannotFill() {
    NearCache near = active(100);
    long before = near.begin();

    near.clear();

    assertThat(near.fill(1, version(1), before)).isFalse();
    assertThat(near.fill(1, version(1), near.begin())).isTrue();
  }

  @Test
  void forgettingOldInvalidationsStillRefusesReadsThatBeganBeforeThem() {
    NearCache near = active(2);
    long before = near.begin();
    near.invalidate(1);

    // Far more invalidations than the cache remembers: the record of item 1 is evicted on the way.
    for (long id = 2; id < 2000; id++) {
      near.invalidate(id);
    }

    assertThat(near.fill(1, version(1), before)).isFalse();
  }

  @Test
  void concurrentMissesShareOneLoadUntilTheItemIsInvalidated() {
    NearCache near = active(100);
    AtomicInteger loads = new AtomicInteger();
    CompletableFuture<NearCache.Entry> slow = new CompletableFuture<>();

    CompletableFuture<NearCache.Entry> first =
        near.loadOnce(
            9,
            () -> {
              loads.incrementAndGet();
              return slow;
            });
    CompletableFuture<NearCache.Entry> second =
        near.loadOnce(
            9,
            () -> {
              loads.incrementAndGet();
              return new CompletableFuture<>();
            });
    assertThat(loads).hasValue(1);

    near.invalidate(9);
    near.loadOnce(
        9,
        () -> {
          loads.incrementAndGet();
          return CompletableFuture.completedFuture(version(2));
        });
    assertThat(loads).as("a read after the invalidation does not join the older load").hasValue(2);

    slow.complete(version(1));
    assertThat(first.join().version()).isEqualTo(1);
    assertThat(second.join().version()).isEqualTo(1);
  }

  @Test
  void inactiveLoadsAreNotShared() {
    NearCache near = new NearCache(100, Duration.ofMinutes(1));
    AtomicInteger loads = new AtomicInteger();

    near.loadOnce(
        1,
        () -> {
          loads.incrementAndGet();
          return new CompletableFuture<>();
        });
    near.loadOnce(
        1,
        () -> {
          loads.incrementAndGet();
          return new CompletableFuture<>();
        });

    assertThat(loads).hasValue(2);
  }
}
