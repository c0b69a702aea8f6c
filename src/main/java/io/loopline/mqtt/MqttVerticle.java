package io.loopline.mqtt;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/** Placeholder, replaced below. */
public final class MqttVerticle extends VerticleBase {
  public static final String[] SECTIONS = {"mqtt", "ingest", "auth"};

  @Override
  public Future<?> start() {
    return Future.succeededFuture();
  }
}
