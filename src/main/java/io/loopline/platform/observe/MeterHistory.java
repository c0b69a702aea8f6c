package io.loopline.platform.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The node's own meters over the last minutes, for the console: sampled every step into a bounded ring of
 * points (no other store, nothing kept past the window). Rates and the p99 are of each step alone: counter
 * and histogram-bucket deltas between two samples. Per route (method and template): requests/s, 5xx/s and
 * p99; per cache tier: hits and misses; event-bus pending and delivered/s; per pool: in use and queued;
 * heap and CPU; job attempts and scrape fetches per second. Used on one event loop only.
 */
final class MeterHistory {

  /** Vert.x's meter names (its MetricsNaming gives them without the prefix of their kind). */
  private static final String HTTP_RESPONSE_TIME = "vertx.http.server.response.time";

  private static final String BUS_PENDING = "vertx.eventbus.pending";
  private static final String BUS_DELIVERED = "vertx.eventbus.delivered";
  private static final String POOL_IN_USE = "vertx.pool.in.use";
  private static final String POOL_QUEUED = "vertx.pool.queue.pending";

  private final MeterRegistry registry;
  private final int capacity;
  private final ArrayDeque<JsonObject> points = new ArrayDeque<>();

  /** The cumulative value of each counter (and timer count) at the last sample. */
  private final Map<Meter.Id, Double> lastTotals = new HashMap<>();

  /** The cumulative bucket counts of each timer at the last sample. */
  private final Map<Meter.Id, double[]> lastBuckets = new HashMap<>();

  private long lastSample = -1;

  /** True during the first sample, which only records where every meter stands. */
  private boolean baseline;

  MeterHistory(MeterRegistry registry, int capacity) {
    this.registry = registry;
    this.capacity = capacity;
  }

  /** Takes one point: what happened since the last call. The first call only sets the baseline. */
  void sample(long now) {
    baseline = lastSample < 0;
    double seconds = baseline ? 1 : Math.max(0.001, (now - lastSample) / 1000.0);
    lastSample = now;
    JsonObject point =
        new JsonObject()
            .put("t", now)
            .put("routes", routes(seconds))
            .put("cache", cacheTiers())
            .put(
                "eventBus",
                new JsonObject()
                    .put("pending", gaugeSum(BUS_PENDING))
                    .put("deliveredPerSecond", rate(counters(BUS_DELIVERED), seconds)))
            .put("pools", pools())
            .put("heapBytes", gaugeSum("jvm.memory.used", "area", "heap"))
            .put("cpu", gaugeSum("process.cpu.usage"))
            .put("jobs", byTag("loopline.jobs.attempts", "outcome", seconds))
            .put("scrapeFetchesPerSecond", rate(counters("loopline.scrape.fetches"), seconds));
    if (baseline) {
      return;
    }
    points.addLast(point);
    while (points.size() > capacity) {
      points.removeFirst();
    }
  }

  /** The window as columns: {@code t} (epoch ms) and one array per series, each as long as {@code t}. */
  JsonObject series(long stepMs) {
    JsonArray times = new JsonArray();
    JsonObject routes = new JsonObject();
    int i = 0;
    for (JsonObject point : points) {
      times.add(point.getLong("t"));
      for (String route : point.getJsonObject("routes").fieldNames()) {
        JsonObject stats = point.getJsonObject("routes").getJsonObject(route);
        JsonObject columns = routes.getJsonObject(route);
        if (columns == null) {
          columns =
              new JsonObject().put("rate", zeroes(i)).put("errors", zeroes(i)).put("p99", nulls(i));
          routes.put(route, columns);
        }
        pad(columns, i);
        columns.getJsonArray("rate").add(stats.getDouble("rate"));
        columns.getJsonArray("errors").add(stats.getDouble("errors"));
        columns.getJsonArray("p99").add(stats.getValue("p99"));
      }
      i++;
      for (String route : routes.fieldNames()) {
        pad(routes.getJsonObject(route), i);
      }
    }
    return new JsonObject()
        .put("stepMs", stepMs)
        .put("t", times)
        .put("routes", routes)
        .put("cache", column("cache"))
        .put("eventBus", column("eventBus"))
        .put("pools", column("pools"))
        .put("heapBytes", scalar("heapBytes"))
        .put("cpu", scalar("cpu"))
        .put("jobs", column("jobs"))
        .put("scrapeFetchesPerSecond", scalar("scrapeFetchesPerSecond"));
  }

  /** Per method and route template: requests/s, 5xx/s and the p99 (ms) of this step, over every status code. */
  private JsonObject routes(double seconds) {
    Map<String, double[]> counts = new TreeMap<>();
    Map<String, double[]> buckets = new HashMap<>();
    Map<String, double[]> bounds = new HashMap<>();
    for (Timer timer : registry.find(HTTP_RESPONSE_TIME).timers()) {
      Meter.Id id = timer.getId();
      String route = id.getTag("route");
      String key =
          id.getTag("method") + " " + (route == null || route.isEmpty() ? "(no route)" : route);
      HistogramSnapshot snapshot = timer.takeSnapshot();
      double requests = delta(id, snapshot.count());
      String code = id.getTag("code");
      double[] c = counts.computeIfAbsent(key, k -> new double[2]);
      c[0] += requests;
      if (code != null && code.startsWith("5")) {
        c[1] += requests;
      }
      CountAtBucket[] histogram = snapshot.histogramCounts();
      double[] previous = lastBuckets.get(id);
      double[] current = new double[histogram.length];
      double[] summed = buckets.computeIfAbsent(key, k -> new double[histogram.length]);
      if (summed.length == histogram.length) {
        for (int b = 0; b < histogram.length; b++) {
          current[b] = histogram[b].count();
          summed[b] +=
              baseline
                  ? 0
                  : current[b]
                      - (previous == null || previous.length != current.length ? 0 : previous[b]);
        }
        bounds.computeIfAbsent(
            key,
            k -> {
              double[] ms = new double[histogram.length];
              for (int b = 0; b < histogram.length; b++) {
                ms[b] = histogram[b].bucket(TimeUnit.MILLISECONDS);
              }
              return ms;
            });
      }
      lastBuckets.put(id, current);
    }
    JsonObject routes = new JsonObject();
    counts.forEach(
        (key, c) -> {
          if (c[0] > 0) {
            routes.put(
                key,
                new JsonObject()
                    .put("rate", round(c[0] / seconds))
                    .put("errors", round(c[1] / seconds))
                    .put("p99", percentile(buckets.get(key), bounds.get(key), c[0], 0.99)));
          }
        });
    return routes;
  }

  /** The upper bound of the first bucket holding the quantile, from cumulative bucket deltas; null without buckets. */
  private static Double percentile(
      double[] cumulative, double[] boundsMs, double total, double quantile) {
    if (cumulative == null || boundsMs == null || cumulative.length == 0 || total <= 0) {
      return null;
    }
    double target = quantile * total;
    for (int b = 0; b < cumulative.length; b++) {
      if (cumulative[b] >= target) {
        return round(boundsMs[b]);
      }
    }
    return round(boundsMs[boundsMs.length - 1]);
  }

  /** Per cache tier: the hits and misses of this step. */
  private JsonObject cacheTiers() {
    JsonObject tiers = new JsonObject();
    for (Counter counter : registry.find("loopline.cache.item.lookups").counters()) {
      String tier = counter.getId().getTag("tier");
      String result = counter.getId().getTag("result");
      JsonObject t = tiers.getJsonObject(tier);
      if (t == null) {
        t = new JsonObject().put("hit", 0.0).put("miss", 0.0);
        tiers.put(tier, t);
      }
      t.put(result, t.getDouble(result, 0.0) + delta(counter.getId(), counter.count()));
    }
    return tiers;
  }

  /** Per pool ({@code type/name}): connections or threads in use, and requests waiting for one. */
  private JsonObject pools() {
    JsonObject pools = new JsonObject();
    addPoolGauges(pools, POOL_IN_USE, "inUse");
    addPoolGauges(pools, POOL_QUEUED, "queued");
    return pools;
  }

  private void addPoolGauges(JsonObject pools, String name, String field) {
    for (Gauge gauge : registry.find(name).gauges()) {
      String key = gauge.getId().getTag("pool_type") + "/" + gauge.getId().getTag("pool_name");
      JsonObject pool = pools.getJsonObject(key);
      if (pool == null) {
        pool = new JsonObject();
        pools.put(key, pool);
      }
      pool.put(field, round(pool.getDouble(field, 0.0) + finite(gauge.value())));
    }
  }

  /** Counters named {@code name}, summed per value of {@code tag}, as rates of this step. */
  private JsonObject byTag(String name, String tag, double seconds) {
    JsonObject rates = new JsonObject();
    for (Counter counter : registry.find(name).counters()) {
      String value = counter.getId().getTag(tag);
      rates.put(
          value,
          round(rates.getDouble(value, 0.0) + delta(counter.getId(), counter.count()) / seconds));
    }
    return rates;
  }

  private double rate(Collection<Meter> meters, double seconds) {
    double sum = 0;
    for (Meter meter : meters) {
      double total =
          meter instanceof Counter c
              ? c.count()
              : meter instanceof FunctionCounter f ? f.count() : 0;
      sum += delta(meter.getId(), total);
    }
    return round(sum / seconds);
  }

  private Collection<Meter> counters(String name) {
    return registry.find(name).meters();
  }

  private double gaugeSum(String name, String... tags) {
    double sum = 0;
    for (Gauge gauge : registry.find(name).tags(tags).gauges()) {
      sum += finite(gauge.value());
    }
    return round(sum);
  }

  /**
   * How much a cumulative value grew since the last sample. A meter first seen now was made since the last
   * sample (a route's first request), so all of it counts; at the baseline, none of it does.
   */
  private double delta(Meter.Id id, double total) {
    Double previous = lastTotals.put(id, total);
    if (previous == null) {
      return baseline ? 0 : total;
    }
    return Math.max(0, total - previous);
  }

  private JsonObject column(String field) {
    JsonObject out = new JsonObject();
    int i = 0;
    for (JsonObject point : points) {
      JsonObject value = point.getJsonObject(field);
      for (String key : value.fieldNames()) {
        Object v = value.getValue(key);
        if (v instanceof JsonObject nested) {
          JsonObject target = out.getJsonObject(key);
          if (target == null) {
            target = new JsonObject();
            out.put(key, target);
          }
          for (String inner : nested.fieldNames()) {
            series(target, inner, i).add(nested.getValue(inner));
          }
        } else {
          series(out, key, i).add(v);
        }
      }
      i++;
      padAll(out, i);
    }
    return out;
  }

  private JsonArray scalar(String field) {
    JsonArray out = new JsonArray();
    points.forEach(point -> out.add(point.getValue(field)));
    return out;
  }

  private static JsonArray series(JsonObject target, String key, int length) {
    JsonArray values = target.getJsonArray(key);
    if (values == null) {
      values = nulls(length);
      target.put(key, values);
    }
    while (values.size() < length) {
      values.addNull();
    }
    return values;
  }

  private static void padAll(JsonObject out, int length) {
    for (String key : out.fieldNames()) {
      Object v = out.getValue(key);
      if (v instanceof JsonArray values) {
        while (values.size() < length) {
          values.addNull();
        }
      } else if (v instanceof JsonObject nested) {
        padAll(nested, length);
      }
    }
  }

  private static void pad(JsonObject columns, int length) {
    for (String field : new String[] {"rate", "errors"}) {
      while (columns.getJsonArray(field).size() < length) {
        columns.getJsonArray(field).add(0.0);
      }
    }
    while (columns.getJsonArray("p99").size() < length) {
      columns.getJsonArray("p99").addNull();
    }
  }

  private static JsonArray zeroes(int n) {
    JsonArray a = new JsonArray();
    for (int i = 0; i < n; i++) {
      a.add(0.0);
    }
    return a;
  }

  private static JsonArray nulls(int n) {
    JsonArray a = new JsonArray();
    for (int i = 0; i < n; i++) {
      a.addNull();
    }
    return a;
  }

  private static double finite(double value) {
    return Double.isFinite(value) ? value : 0;
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
