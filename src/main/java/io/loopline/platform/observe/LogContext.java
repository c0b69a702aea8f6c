package io.loopline.platform.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.MDC;
import org.slf4j.Marker;

/**
 * Puts the request id and trace id of the work at hand into the MDC of each log event, so that every line,
 * plain or JSON, says which request it belongs to. On an event loop many requests share a thread, so the
 * ids come from the Vert.x context rather than from a thread-local set once per request. Also counts
 * Vert.x's blocked-thread warnings for the metrics.
 */
public final class LogContext extends TurboFilter {

  /** Vert.x's warnings that an event loop or worker was blocked too long, since the JVM started. */
  static final AtomicLong BLOCKED_THREAD_WARNINGS = new AtomicLong();

  private static final String BLOCKED_THREAD_CHECKER = "io.vertx.core.impl.BlockedThreadChecker";

  @Override
  public FilterReply decide(
      Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level == null || !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
      return FilterReply.NEUTRAL;
    }
    if (level == Level.WARN && logger.getName().equals(BLOCKED_THREAD_CHECKER)) {
      BLOCKED_THREAD_WARNINGS.incrementAndGet();
    }
    put("requestId", RequestIds.current());
    SpanContext span = Span.current().getSpanContext();
    put("traceId", span.isValid() ? span.getTraceId() : RequestIds.currentTrace());
    put("spanId", span.isValid() ? span.getSpanId() : null);
    return FilterReply.NEUTRAL;
  }

  private static void put(String key, String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }
}
