package io.loopline.platform.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import io.loopline.platform.config.LogSettings;
import java.net.URL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the {@code log} section: the root level, and plain ({@code logback.xml}) or JSON lines. The format
 * was checked when the settings were read ({@link LogSettings}).
 */
public final class LogSetup {

  private LogSetup() {}

  public static void apply(LogSettings log) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    if (log.json()) {
      URL json = LogSetup.class.getClassLoader().getResource("logback-json.xml");
      context.reset();
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      try {
        configurator.doConfigure(json);
      } catch (JoranException e) {
        throw new IllegalStateException("logback-json.xml is broken", e);
      }
    }
    context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(log.level(), Level.INFO));
  }
}
