package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;

/**
 * The recurring-jobs keys of the {@code jobs} section, read by the persistence verticle, which enqueues the
 * occurrences that are due. The rest of the section is {@link JobSettings}, read by the worker role; they are
 * apart because that record resolves the log file against {@code dataDir}, which the persistence verticle does
 * not receive.
 *
 * @param schedulePollMs how often due occurrences are looked for
 * @param scheduleGraceMs an occurrence later than this when first seen was missed, and the schedule's {@code
 *     missed} policy decides what happens to it
 */
public record ScheduleSettings(long schedulePollMs, long scheduleGraceMs) {

  /** Reads {@code {"jobs": {...}}}. */
  public static ScheduleSettings from(JsonObject config) {
    JsonObject jobs = config.getJsonObject("jobs");
    return new ScheduleSettings(jobs.getLong("schedulePollMs"), jobs.getLong("scheduleGraceMs"));
  }
}
