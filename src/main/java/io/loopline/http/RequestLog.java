package io.loopline.http;

import io.loopline.observe.RequestIds;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First on every request: gives it an id (the client's {@code X-Request-Id} when plain and short, else a
 * new one), echoes it in the response, and makes it the id of the request's context so every log line
 * and event-bus message of the request carries it. Optionally writes one access-log line per answer.
 */
final class RequestLog implements PlatformHandler {

  private static final Logger log = LoggerFactory.getLogger(RequestLog.class);
  private static final Logger access = LoggerFactory.getLogger("io.loopline.access");

  private final boolean accessLog;

  RequestLog(boolean accessLog) {
    this.accessLog = accessLog;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String id = RequestIds.acceptOrCreate(request.getHeader(RequestIds.HEADER));
    RequestIds.set(id);
    ctx.response().putHeader(RequestIds.HEADER, id);
    log.debug("{} {}", request.method(), request.uri());
    if (accessLog) {
      long start = System.nanoTime();
      ctx.addBodyEndHandler(v -> written(ctx, start));
    }
    ctx.next();
  }

  private static void written(RoutingContext ctx, long start) {
    Route route = ctx.currentRoute();
    access.atInfo()
        .addKeyValue("method", ctx.request().method().name())
        .addKeyValue("path", ctx.request().path())
        .addKeyValue("route", route == null || route.getPath() == null ? null : route.getPath())
        .addKeyValue("status", ctx.response().getStatusCode())
        .addKeyValue("bytes", ctx.response().bytesWritten())
        .addKeyValue("durationMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
        .addKeyValue("client", ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress())
        .log("{} {} {}", ctx.request().method(), ctx.request().path(), ctx.response().getStatusCode());
  }
}
