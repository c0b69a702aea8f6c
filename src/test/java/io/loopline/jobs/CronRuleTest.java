package io.loopline.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopline.platform.bus.StoreFailure;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a schedule enqueues when it is due: on time, after a short delay, and after downtime. */
class CronRuleTest {

  private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

  @Test
  void occurrencesFallOnWholeSecondsWhateverTheClockSays() {
    CronRule everySecond = CronRule.parse("* * * * * *", "UTC");
    assertThat(everySecond.after(T.plusMillis(250))).contains(T.plusSeconds(1));
    assertThat(everySecond.after(T)).contains(T.plusSeconds(1));
    assertThat(everySecond.atOrBefore(T.plusMillis(250))).contains(T);
    assertThat(CronRule.parse("*/15 * * * *", "UTC").after(T.plusSeconds(1)))
        .contains(T.plusSeconds(15 * 60));
  }

  @Test
  void eachOccurrenceOnTimeIsEnqueuedOnce() {
    CronRule rule = CronRule.parse("* * * * * *", "UTC");
    CronRule.Plan plan = rule.plan(T, T.plusMillis(2500), 60_000, true, 100);
    assertThat(plan.enqueue()).containsExactly(T, T.plusSeconds(1), T.plusSeconds(2));
    assertThat(plan.next()).isEqualTo(T.plusSeconds(3));
  }

  @Test
  void missedOccurrencesGiveOneJobWithOnceAndNoneWithSkip() {
    CronRule rule = CronRule.parse("* * * * * *", "UTC");
    Instant now = T.plusSeconds(100);
    CronRule.Plan once = rule.plan(T, now, 5_000, true, 100);
    assertThat(once.enqueue()).first().isEqualTo(T.plusSeconds(95));
    assertThat(once.enqueue())
        .containsExactly(
            T.plusSeconds(95),
            T.plusSeconds(96),
            T.plusSeconds(97),
            T.plusSeconds(98),
            T.plusSeconds(99),
            T.plusSeconds(100));
    CronRule.Plan skip = rule.plan(T, now, 5_000, false, 100);
    assertThat(skip.enqueue())
        .containsExactly(
            T.plusSeconds(96),
            T.plusSeconds(97),
            T.plusSeconds(98),
            T.plusSeconds(99),
            T.plusSeconds(100));
    assertThat(skip.next()).isEqualTo(T.plusSeconds(101));
  }

  @Test
  void aDailyScheduleAfterAWeekDownGivesOneJobOrNone() {
    CronRule daily = CronRule.parse("0 9 * * *", "Europe/Paris");
    Instant due = Instant.parse("2026-12-01T08:00:00Z"); // 09:00 in Paris (UTC+1 in winter)
    Instant now = Instant.parse("2026-12-08T12:00:00Z");
    assertThat(daily.plan(due, now, 60_000, true, 100).enqueue())
        .containsExactly(Instant.parse("2026-12-08T08:00:00Z"));
    assertThat(daily.plan(due, now, 60_000, false, 100).enqueue()).isEmpty();
    assertThat(daily.plan(due, now, 60_000, false, 100).next())
        .isEqualTo(Instant.parse("2026-12-09T08:00:00Z"));
  }

  @Test
  void daylightSavingTimeIsFollowed() {
    CronRule daily = CronRule.parse("0 9 * * *", "Europe/Paris");
    // Summer time starts on 2027-03-28: 09:00 in Paris is 08:00 UTC before, 07:00 UTC after.
    assertThat(daily.after(Instant.parse("2027-03-27T09:00:00Z")))
        .contains(Instant.parse("2027-03-28T07:00:00Z"));
  }

  @Test
  void badExpressionsAndZonesAreRefusedWithTheirReason() {
    for (String bad : List.of("", "* * *", "61 * * * *", "* * * * * * * *", "x".repeat(300))) {
      assertThatThrownBy(() -> CronRule.parse(bad, "UTC"))
          .isInstanceOf(StoreFailure.class)
          .hasMessageStartingWith("cron:");
    }
    assertThatThrownBy(() -> CronRule.parse("0 0 30 2 *", "UTC"))
        .hasMessageContaining("never fires");
    assertThatThrownBy(() -> CronRule.parse("0 9 * * *", "Mars/Olympus"))
        .hasMessageStartingWith("timeZone:");
  }
}
