package io.loopline.jobs;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.loopline.platform.bus.StoreFailure;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A schedule's cron expression in its time zone (cron-utils): five fields (minute hour day-of-month month
 * day-of-week, as in crontab) or six (a second first, as in Spring). Computing occurrences can take
 * milliseconds for sparse expressions, so callers run it off the event loop.
 */
final class CronRule {

  static final int EXPRESSION_MAX = 200;
  private static final CronParser MINUTES =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final CronParser SECONDS =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING));

  private final ExecutionTime times;
  private final ZoneId zone;

  private CronRule(ExecutionTime times, ZoneId zone) {
    this.times = times;
    this.zone = zone;
  }

  /** Parses and checks an expression; a bad one, a bad zone, or one that never fires is a 400 naming why. */
  static CronRule parse(String expression, String zoneName) {
    if (expression == null || expression.isBlank() || expression.length() > EXPRESSION_MAX) {
      throw StoreFailure.invalid("cron: must be 1 to " + EXPRESSION_MAX + " characters");
    }
    ZoneId zone;
    try {
      zone = ZoneId.of(zoneName == null ? "UTC" : zoneName);
    } catch (DateTimeException e) {
      throw StoreFailure.invalid(
          "timeZone: '" + zoneName + "' is not an IANA time zone (e.g. Europe/Paris)");
    }
    String trimmed = expression.trim();
    int fields = trimmed.split("\\s+").length;
    if (fields != 5 && fields != 6) {
      throw StoreFailure.invalid(
          "cron: must have 5 fields (minute hour day month weekday) or 6 (second first)");
    }
    CronRule rule;
    try {
      rule =
          new CronRule(
              ExecutionTime.forCron((fields == 5 ? MINUTES : SECONDS).parse(trimmed).validate()),
              zone);
    } catch (IllegalArgumentException e) {
      throw StoreFailure.invalid("cron: " + e.getMessage());
    }
    if (rule.after(Instant.now()).isEmpty()) {
      throw StoreFailure.invalid("cron: '" + trimmed + "' never fires");
    }
    return rule;
  }

  /** The first occurrence strictly after {@code time}, if there is one. Occurrences fall on whole seconds. */
  Optional<Instant> after(Instant time) {
    // cron-utils keeps the fraction of a second it is given: start from the whole second.
    return times
        .nextExecution(ZonedDateTime.ofInstant(time.truncatedTo(ChronoUnit.SECONDS), zone))
        .map(t -> t.toInstant().truncatedTo(ChronoUnit.SECONDS));
  }

  /** The last occurrence at or before {@code time}, if there is one. */
  Optional<Instant> atOrBefore(Instant time) {
    return times
        .lastExecution(
            ZonedDateTime.ofInstant(time.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1), zone))
        .map(t -> t.toInstant().truncatedTo(ChronoUnit.SECONDS));
  }

  /**
   * What is due at {@code now} for a schedule whose next occurrence was {@code due}: the occurrences to
   * enqueue and the next one after {@code now}. Occurrences older than {@code now - graceMs} are missed (no
   * node was enqueuing then): with {@code catchUp}, the latest of them is enqueued once; else none is.
   * At most {@code max} occurrences on time are returned; any others are skipped.
   */
  Plan plan(Instant due, Instant now, long graceMs, boolean catchUp, int max) {
    List<Instant> enqueue = new ArrayList<>();
    Instant cutoff = now.minusMillis(graceMs);
    Instant onTime = due;
    if (due.isBefore(cutoff)) {
      if (catchUp) {
        // The latest missed occurrence: the last one at or before the cutoff (and not before
        // `due`).
        Instant latest = atOrBefore(cutoff).filter(t -> !t.isBefore(due)).orElse(due);
        enqueue.add(latest);
      }
      onTime = after(cutoff).orElse(null);
    }
    while (onTime != null && !onTime.isAfter(now) && enqueue.size() < max) {
      enqueue.add(onTime);
      onTime = after(onTime).orElse(null);
    }
    Instant next = after(now).orElse(null);
    return new Plan(enqueue, next);
  }

  /** Occurrences to enqueue now, and the next one to wait for (null when the expression fires no more). */
  record Plan(List<Instant> enqueue, Instant next) {}
}
