package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;

/**
 * The {@code worker} section: the thread pool ({@code loopline-worker}) of the worker role's verticle, which
 * runs the job handlers that block. The launcher reads it when it deploys that verticle.
 */
public record WorkerSettings(int poolSize) {

  /** Reads {@code {"worker": {...}}}. */
  public static WorkerSettings from(JsonObject config) {
    return new WorkerSettings(config.getJsonObject("worker").getInteger("poolSize"));
  }
}
