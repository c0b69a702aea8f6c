package io.loopline.streams;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The {@code loopline_ingest_*} series, named in one place: records accepted (durable) and rejected by source
 * ({@code http}, {@code mqtt}, {@code bus}), the time of each batch write, uploads by outcome, records read
 * by exports, MQTT connections, in-flight messages and dropped messages. Meters are resolved once and kept (vertx-micrometer
 * does not cache them).
 */
public final class IngestMetrics {

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private Timer batchWrite;
  private DistributionSummary mqttBatch;

  public IngestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Records stored durably, by where they came from. */
  public void accepted(String source, long records) {
    counter(
            "loopline.ingest.records.accepted",
            "source",
            source,
            "Records stored durably, by source")
        .increment(records);
  }

  /** Records refused as invalid (or dropped as malformed), by where they came from. */
  public void rejected(String source, long records) {
    counter(
            "loopline.ingest.records.rejected",
            "source",
            source,
            "Records refused as invalid, by source")
        .increment(records);
  }

  /** An HTTP upload that ended: {@code ok}, {@code invalid}, {@code too-large}, {@code disconnected}, {@code unavailable}. */
  public void upload(String outcome) {
    counter("loopline.ingest.uploads", "outcome", outcome, "HTTP uploads that ended, by outcome")
        .increment();
  }

  /** An MQTT message dropped without storing it, by why: {@code topic}, {@code payload}, {@code overload}, {@code qos}. */
  public void mqttDropped(String reason) {
    counter(
            "loopline.ingest.mqtt.dropped",
            "reason",
            reason,
            "MQTT messages dropped without storing, by reason")
        .increment();
  }

  /** A {@code /live} client started; {@link #liveClosed()} when it ends (the difference is the clients connected). */
  public void liveOpened() {
    counter(
            "loopline.ingest.live.clients",
            "event",
            "opened",
            "/live clients that started and that ended, by event")
        .increment();
  }

  /** A {@code /live} client ended, and its event-bus consumer with it. */
  public void liveClosed() {
    counter(
            "loopline.ingest.live.clients",
            "event",
            "closed",
            "/live clients that started and that ended, by event")
        .increment();
  }

  /** Records read by NDJSON exports, chunk by chunk, as clients take them. */
  public void exported(long records) {
    counter(
            "loopline.ingest.export.records",
            "format",
            "ndjson",
            "Records read from PostgreSQL by NDJSON exports")
        .increment(records);
  }

  /** The size of each batch the MQTT role sends to be stored (batches grow with the load). */
  public void mqttBatch(int records) {
    if (mqttBatch == null) {
      mqttBatch =
          DistributionSummary.builder("loopline.ingest.mqtt.batch.records")
              .description("Records in each batch the MQTT role sends to be stored")
              .publishPercentileHistogram()
              .register(registry);
    }
    mqttBatch.record(records);
  }

  /** How long each batch took to store (one statement, or one batch of an atomic upload). */
  public Timer batchWrite() {
    if (batchWrite == null) {
      batchWrite =
          Timer.builder("loopline.ingest.batch.write")
              .description("Time to store one batch of records")
              .publishPercentileHistogram()
              .register(registry);
    }
    return batchWrite;
  }

  /** A gauge read from {@code value}, e.g. {@code loopline.ingest.mqtt.connections}. */
  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }

  private Counter counter(String name, String tag, String value, String description) {
    return counters.computeIfAbsent(
        name + '|' + value,
        k -> Counter.builder(name).description(description).tag(tag, value).register(registry));
  }
}
