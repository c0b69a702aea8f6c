package io.loopline.platform.web;

import io.loopline.platform.observe.RequestIds;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First on every request: gives it an id (the client's {@code X-Request-Id} when plain and short, else a
 * new one), echoes it in the response, and makes it the id of the request's context so every log line
 * and event-bus message of the request carries it. Optionally writes one access-log line per answer.
 */
public final class RequestLog implements PlatformHandler {

  private static final Logger log = LoggerFactory.getLogger(RequestLog.class);
  private static final Logger access = LoggerFactory.getLogger("io.loopline.access");

  private final boolean accessLog;
  private final OpenAPIContract contract;

  public RequestLog(boolean accessLog, OpenAPIContract contract) {
    this.accessLog = accessLog;
    this.contract = contract;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String id = RequestIds.acceptOrCreate(request.getHeader(RequestIds.HEADER));
    RequestIds.set(id);
    SpanContext span = Span.current().getSpanContext();
    if (span.isValid()) {
      RequestIds.setTrace(span.getTraceId());
    }
    ctx.response().putHeader(RequestIds.HEADER, id);
    log.debug("{} {}", request.method(), request.uri());
    if (accessLog) {
      long start = System.nanoTime();
      ctx.addBodyEndHandler(v -> written(ctx, start));
    }
    ctx.next();
  }

  /** One line per answer, by the path the router routed; {@code rawPath} too when the client spelled it otherwise. */
  private void written(RoutingContext ctx, long start) {
    HttpServerRequest request = ctx.request();
    String path = RoutedPath.shown(ctx);
    Operation operation = contract.findOperation(path, request.method());
    access
        .atInfo()
        .addKeyValue("method", request.method().name())
        .addKeyValue("path", path)
        .addKeyValue("rawPath", path.equals(request.path()) ? null : request.path())
        .addKeyValue("route", operation == null ? null : operation.getOpenAPIPath())
        .addKeyValue("status", ctx.response().getStatusCode())
        .addKeyValue("bytes", ctx.response().bytesWritten())
        .addKeyValue("durationMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
        .addKeyValue(
            "client",
            ctx.request().remoteAddress() == null
                ? null
                : ctx.request().remoteAddress().hostAddress())
        .log(request.method() + " " + path + " " + ctx.response().getStatusCode());
  }
}
