package io.loopline.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.ValidatedRequest;
import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The seeds' non-blocking demonstrations: waits are timers, never a sleeping thread. */
public final class DemoRoutes {

  /** The waits of {@code /multiple-sleeps}, run together: the answer comes after the longest. */
  static final List<Integer> MULTIPLE_SLEEPS_SECONDS = List.of(2, 3, 1);

  private final Vertx vertx;

  public DemoRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  public void mount(RouterBuilder builder) {
    builder.getRoute("sleep").addHandler(this::sleep);
    builder.getRoute("multipleSleeps").addHandler(this::multipleSleeps);
  }

  private void sleep(RoutingContext ctx) {
    ValidatedRequest request = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    BigDecimal seconds =
        new BigDecimal(request.getPathParameters().get("seconds").get().toString());
    pause(seconds.movePointRight(3).longValue())
        .onSuccess(
            v ->
                ctx.json(
                    new JsonObject()
                        .put(
                            "message",
                            "Slept for "
                                + seconds.stripTrailingZeros().toPlainString()
                                + " seconds.")))
        .onFailure(ctx::fail);
  }

  private void multipleSleeps(RoutingContext ctx) {
    long start = System.nanoTime();
    List<Future<JsonObject>> tasks =
        MULTIPLE_SLEEPS_SECONDS.stream()
            .map(
                seconds ->
                    pause(seconds * 1000L)
                        .map(
                            v ->
                                new JsonObject()
                                    .put("task", "sleep " + seconds + "s")
                                    .put("seconds", seconds)
                                    .put("elapsedMs", elapsedMs(start))))
            .toList();
    Future.all(tasks)
        .onSuccess(
            all ->
                ctx.json(
                    new JsonObject()
                        .put("tasks", new JsonArray(all.list()))
                        .put("elapsedMs", elapsedMs(start))))
        .onFailure(ctx::fail);
  }

  private Future<Void> pause(long millis) {
    return millis <= 0 ? Future.succeededFuture() : vertx.timer(millis, TimeUnit.MILLISECONDS);
  }

  private static long elapsedMs(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }
}
