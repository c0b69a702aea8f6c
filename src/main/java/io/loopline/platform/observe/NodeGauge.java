package io.loopline.platform.observe;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A count that several verticle instances of one node move together (open streams of every HTTP event
 * loop, say), exported as one gauge. A gauge holds on to the first object it was built with, so each
 * instance must move the same counter: the node's Vert.x keeps it in its local shared data.
 */
public final class NodeGauge implements Shareable {

  private static final String MAP = "loopline.node.gauges";

  private final AtomicLong value = new AtomicLong();

  private NodeGauge() {}

  /** The node's gauge of this name, registered in {@code registry} by whichever instance asks first. */
  public static NodeGauge of(Vertx vertx, MeterRegistry registry, String name, String description) {
    LocalMap<String, NodeGauge> gauges = vertx.sharedData().getLocalMap(MAP);
    NodeGauge fresh = new NodeGauge();
    NodeGauge existing = gauges.putIfAbsent(name, fresh);
    if (existing != null) {
      return existing;
    }
    Gauge.builder(name, fresh.value, AtomicLong::get)
        .description(description)
        .strongReference(true)
        .register(registry);
    return fresh;
  }

  public void increment() {
    value.incrementAndGet();
  }

  public void decrement() {
    value.decrementAndGet();
  }

  public void set(long to) {
    value.set(to);
  }

  public long value() {
    return value.get();
  }
}
