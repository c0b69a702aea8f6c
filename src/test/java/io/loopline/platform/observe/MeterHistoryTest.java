package io.loopline.platform.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The console's series from the node's own meters: per-step rates, the step's p99, and a bounded window. */
class MeterHistoryTest {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private Timer route(String route, String code) {
    return Timer.builder("vertx.http.server.response.time")
        .tags("route", route, "method", "GET", "code", code)
        .publishPercentileHistogram()
        .register(registry);
  }

  @Test
  void ratesAndTheP99AreOfEachStepAloneAndARoutesFirstRequestsCount() {
    MeterHistory history = new MeterHistory(registry, 10);
    route("/items", "200").record(Duration.ofMillis(5));
    history.sample(0); // the baseline: what happened before it is not charted
    Timer items = route("/items", "200");
    for (int i = 0; i < 98; i++) {
      items.record(Duration.ofMillis(2));
    }
    items.record(Duration.ofMillis(400));
    route("/items", "500").record(Duration.ofMillis(3)); // first seen in this step: counted in full
    history.sample(2_000);
    for (int i = 0; i < 10; i++) {
      items.record(Duration.ofMillis(1));
    }
    history.sample(4_000);

    JsonObject series = history.series(2_000);
    assertThat(series.getJsonArray("t")).containsExactly(2_000L, 4_000L);
    JsonObject stats = series.getJsonObject("routes").getJsonObject("GET /items");
    assertThat(stats.getJsonArray("rate"))
        .containsExactly(50.0, 5.0); // 100 requests in 2 s, then 10
    assertThat(stats.getJsonArray("errors")).containsExactly(0.5, 0.0);
    // 99 of the first step's 100 answers took 3 ms or less: its p99 is a small bucket, not the 400
    // ms one.
    assertThat(stats.getJsonArray("p99").getDouble(0)).isBetween(2.0, 10.0);
    assertThat(stats.getJsonArray("p99").getDouble(1)).isBetween(1.0, 2.0);
  }

  @Test
  void cacheTiersAreCountedPerStepAndTheWindowIsBounded() {
    MeterHistory history = new MeterHistory(registry, 3);
    Counter hits =
        Counter.builder("loopline.cache.item.lookups")
            .tags("tier", "near", "result", "hit")
            .register(registry);
    Counter misses =
        Counter.builder("loopline.cache.item.lookups")
            .tags("tier", "near", "result", "miss")
            .register(registry);
    history.sample(0);
    for (int step = 1; step <= 5; step++) {
      hits.increment(step);
      misses.increment(1);
      history.sample(step * 1000L);
    }
    JsonObject series = history.series(1000);
    assertThat(series.getJsonArray("t")).containsExactly(3000L, 4000L, 5000L);
    JsonObject near = series.getJsonObject("cache").getJsonObject("near");
    assertThat(near.getJsonArray("hit")).containsExactly(3.0, 4.0, 5.0);
    assertThat(near.getJsonArray("miss")).containsExactly(1.0, 1.0, 1.0);
  }
}
