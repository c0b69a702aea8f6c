package io.loopline.scrape;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The limiter on its own, on one Vert.x context as the scraper uses it. */
class HostLimiterTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    await(vertx.close());
  }

  private <T> T onContext(java.util.function.Supplier<Future<T>> work) {
    Promise<T> done = Promise.promise();
    vertx.runOnContext(v -> work.get().onComplete(done));
    return await(done.future());
  }

  @Test
  void aFullHostDoesNotHoldUpAnotherAndReleasingLetsTheNextIn() {
    List<String> log =
        onContext(
            () -> {
              HostLimiter limiter = new HostLimiter(vertx);
              List<String> granted = new ArrayList<>();
              List<HostLimiter.Limit> a =
                  List.of(new HostLimiter.Limit("node", 3), new HostLimiter.Limit("host:a", 1));
              List<HostLimiter.Limit> b =
                  List.of(new HostLimiter.Limit("node", 3), new HostLimiter.Limit("host:b", 1));
              HostLimiter.Ticket a1 = limiter.acquire("a", a, 0);
              HostLimiter.Ticket a2 = limiter.acquire("a", a, 0);
              HostLimiter.Ticket b1 = limiter.acquire("b", b, 0);
              a1.granted().onSuccess(v -> granted.add("a1"));
              a2.granted().onSuccess(v -> granted.add("a2"));
              b1.granted().onSuccess(v -> granted.add("b1"));
              granted.add(
                  "inUse host:a=" + limiter.inUse("host:a") + " node=" + limiter.inUse("node"));
              a1.release();
              granted.add(
                  "inUse host:a=" + limiter.inUse("host:a") + " node=" + limiter.inUse("node"));
              HostLimiter.Ticket waiting = limiter.acquire("a", a, 0);
              waiting.release(); // leaves the queue: its grant fails, nothing is held
              granted.add("left " + waiting.granted().failed());
              return Future.succeededFuture(granted);
            });

    assertThat(log)
        .containsExactly(
            "a1", "b1", "inUse host:a=1 node=2", "a2", "inUse host:a=1 node=2", "left true");
  }

  @Test
  void startsToOneHostAreSpacedByTheDelay() {
    long asked = System.nanoTime();
    List<Long> starts =
        onContext(
            () -> {
              HostLimiter limiter = new HostLimiter(vertx);
              List<Long> times = new ArrayList<>();
              List<Future<Void>> all = new ArrayList<>();
              for (int i = 0; i < 3; i++) {
                HostLimiter.Ticket t =
                    limiter.acquire("a", List.of(new HostLimiter.Limit("host:a", 10)), 100);
                all.add(
                    t.granted()
                        .onSuccess(
                            v -> {
                              times.add(System.nanoTime());
                              t.release();
                            }));
              }
              return Future.all(all).map(times);
            });

    assertThat(starts).hasSize(3);
    // Measured from before the first acquire, so a grant's callback that runs late can only
    // lengthen what is
    // seen: the n-th start comes no sooner than n-1 delays after the first could.
    assertThat(TimeUnit.NANOSECONDS.toMillis(starts.get(1) - asked)).isGreaterThanOrEqualTo(100);
    assertThat(TimeUnit.NANOSECONDS.toMillis(starts.get(2) - asked)).isGreaterThanOrEqualTo(200);
  }

  @Test
  void aHostThatMustWaitLongDoesNotDelayAnotherWithShorterSpacing() {
    List<String> order =
        onContext(
            () -> {
              HostLimiter limiter = new HostLimiter(vertx);
              List<String> granted = new ArrayList<>();
              List<HostLimiter.Limit> none = List.of();
              limiter.acquire("slow", none, 0).release();
              limiter.acquire("fast", none, 0).release();
              // "slow" must wait 2 s (a Crawl-delay), "fast" 100 ms: the limiter wakes for the
              // earlier one.
              Future<Void> slow =
                  limiter.acquire("slow", none, 2000).granted().onSuccess(v -> granted.add("slow"));
              Future<Void> fast =
                  limiter.acquire("fast", none, 100).granted().onSuccess(v -> granted.add("fast"));
              return Future.any(slow, fast).map(v -> granted);
            });

    assertThat(order).containsExactly("fast");
  }
}
