package io.loopline.jobs;

import io.loopline.contract.Addresses;
import io.loopline.contract.Role;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * The worker role: deployed with {@code ThreadingModel.WORKER} on its own pool, so the blocking work it
 * is given (file writes, parsing) never runs on an event loop.
 */
public final class WorkerVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    return vertx.eventBus().<JsonObject>consumer(Addresses.health(Role.WORKER), this::health).completion();
  }

  private void health(Message<JsonObject> message) {
    message.reply(new JsonObject().put("role", Role.WORKER.id()).put("thread", Thread.currentThread().getName()));
  }
}
