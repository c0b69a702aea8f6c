package io.loopline.platform.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.platform.config.AccessSettings.Quota;
import org.junit.jupiter.api.Test;

/** The limiter's arithmetic, on a clock the test moves. */
class GcraTest {

  private static final Quota FIVE_PER_TEN_SECONDS = new Quota(5, 10);
  private static final long SECOND = 1_000_000;

  @Test
  void aFullBudgetAllowsExactlyLimitAtOnce() {
    Long tat = null;
    long now = 1_000 * SECOND;
    for (int i = 1; i <= 5; i++) {
      Gcra.Outcome outcome = Gcra.take(tat, now, FIVE_PER_TEN_SECONDS);
      assertThat(outcome.decision().allowed()).isTrue();
      assertThat(outcome.decision().remaining()).isEqualTo(5 - i);
      tat = outcome.tat();
    }

    Gcra.Outcome refused = Gcra.take(tat, now, FIVE_PER_TEN_SECONDS);

    assertThat(refused.decision().allowed()).isFalse();
    assertThat(refused.decision().retryAfterMs()).isEqualTo(2_000);
    assertThat(refused.tat()).isEqualTo(tat);
    assertThat(refused.decision().resetMs()).isEqualTo(10_000);
  }

  @Test
  void oneMoreFitsEachIntervalAndAQuietClientGetsItsBurstBack() {
    Long tat = null;
    long now = 1_000 * SECOND;
    for (int i = 0; i < 5; i++) {
      tat = Gcra.take(tat, now, FIVE_PER_TEN_SECONDS).tat();
    }

    assertThat(Gcra.take(tat, now + 1_999_000, FIVE_PER_TEN_SECONDS).decision().allowed())
        .isFalse();
    Gcra.Outcome later = Gcra.take(tat, now + 2 * SECOND, FIVE_PER_TEN_SECONDS);
    assertThat(later.decision().allowed()).isTrue();
    assertThat(later.decision().remaining()).isZero();
    assertThat(Gcra.take(tat, now + 60 * SECOND, FIVE_PER_TEN_SECONDS).decision().remaining())
        .isEqualTo(4);
  }
}
