package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/** The {@code jobs} section, with the log file resolved against the data directory. */
public record JobSettings(
    int concurrency,
    long leaseMs,
    long pollMs,
    long backoffMs,
    long maxBackoffMs,
    long timeoutMs,
    long shutdownTimeoutMs,
    Path logPath) {

  /** Reads {@code {"jobs": {...}, "dataDir": "..."}}. */
  public static JobSettings from(JsonObject config) {
    JsonObject jobs = config.getJsonObject("jobs");
    String logPath = jobs.getString("logPath");
    return new JobSettings(
        jobs.getInteger("concurrency"),
        jobs.getLong("leaseMs"),
        jobs.getLong("pollMs"),
        jobs.getLong("backoffMs"),
        jobs.getLong("maxBackoffMs"),
        jobs.getLong("timeoutMs"),
        jobs.getLong("shutdownTimeoutMs"),
        logPath == null || logPath.isBlank()
            ? Path.of(config.getString("dataDir"), "log.txt")
            : Path.of(logPath));
  }
}
