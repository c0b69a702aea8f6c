package io.loopline.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/** Collects what one logger writes, so a test can wait for a line instead of guessing when it appears. */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final Logger logger;
  private final BlockingQueue<ILoggingEvent> events = new LinkedBlockingQueue<>();

  public LogCapture(String loggerName) {
    this.logger = (Logger) LoggerFactory.getLogger(loggerName);
    setContext(logger.getLoggerContext());
    start();
    logger.addAppender(this);
  }

  @Override
  protected void append(ILoggingEvent event) {
    event.prepareForDeferredProcessing(); // keeps the MDC of the thread that logged
    events.add(event);
  }

  /** The first line containing {@code text}, waiting up to 30 s for it. */
  public String await(String text) throws InterruptedException {
    return awaitEvent(text).getFormattedMessage();
  }

  /** The first event whose message contains {@code text}, with its MDC (requestId, traceId). */
  public ILoggingEvent awaitEvent(String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      ILoggingEvent event = events.poll(100, TimeUnit.MILLISECONDS);
      if (event != null && event.getFormattedMessage().contains(text)) {
        return event;
      }
    }
    throw new AssertionError("no log line containing '" + text + "' from " + logger.getName());
  }

  @Override
  public void close() {
    logger.detachAppender(this);
    stop();
  }
}
