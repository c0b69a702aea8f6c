package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;

/**
 * The {@code log} section: the root level, plain or JSON lines, and the access log. The launcher applies the
 * first two before anything starts; the HTTP verticles read {@code access}.
 *
 * @param level the root level by name; a name logback does not know leaves INFO
 * @param format {@code plain} (for people) or {@code json} (one object a line, for collectors)
 * @param access one line per answered request on the logger {@code io.loopline.access}
 */
public record LogSettings(String level, String format, boolean access) {

  public LogSettings {
    if (!format.equals("plain") && !format.equals("json")) {
      throw new ConfigException("log.format: expected plain or json, got " + format);
    }
  }

  /** Reads {@code {"log": {...}}}. */
  public static LogSettings from(JsonObject config) {
    JsonObject log = config.getJsonObject("log");
    return new LogSettings(
        log.getString("level"), log.getString("format"), log.getBoolean("access"));
  }

  /** JSON lines rather than plain text. */
  public boolean json() {
    return format.equals("json");
  }
}
