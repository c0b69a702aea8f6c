package io.loopline.platform.observe;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import java.util.UUID;

/**
 * One Prometheus registry per node, filled by Vert.x (HTTP server and client by method, templated route
 * and status; event bus; pools; JVM and GC) and by Loopline's own meters. Verticles find it by the name
 * the launcher puts in their config under {@link #CONFIG_KEY}.
 */
public final class Metrics {

  /** Verticle config key holding the node's registry name; absent when metrics are off. */
  public static final String CONFIG_KEY = "metricsRegistry";

  private final String name = "loopline-" + UUID.randomUUID();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public String name() {
    return name;
  }

  public MicrometerMetricsFactory factory() {
    return new MicrometerMetricsFactory(registry);
  }

  /** Loopline's node-wide meters; after Vert.x is built, which configures the registry first. */
  public void registerNodeMeters() {
    FunctionCounter.builder(
            "loopline_blocked_thread_warnings",
            LogContext.BLOCKED_THREAD_WARNINGS,
            Number::doubleValue)
        .description("Vert.x warnings that an event loop or worker thread was blocked too long")
        .register(registry);
  }

  /** Vert.x's side: labels by templated route, never by raw path, so ids do not make new series. */
  public MicrometerMetricsOptions options() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .setRegistryName(name)
        .setJvmMetricsEnabled(true)
        .addLabels(Label.HTTP_ROUTE)
        // Histogram buckets, so dashboards can compute percentiles across nodes.
        .setPrometheusOptions(
            new VertxPrometheusOptions().setEnabled(true).setPublishQuantiles(true));
  }

  /** The node's registry for a verticle's own meters, or one that records nothing when metrics are off. */
  public static MeterRegistry registry(JsonObject verticleConfig) {
    String name = verticleConfig.getString(CONFIG_KEY);
    MeterRegistry found = name == null ? null : BackendRegistries.getNow(name);
    return found != null ? found : new CompositeMeterRegistry();
  }
}
