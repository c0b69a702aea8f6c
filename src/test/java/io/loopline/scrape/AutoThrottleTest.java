package io.loopline.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AutoThrottleTest {

  @Test
  void theDelayMovesHalfwayTowardsTheLatencyAndStaysWithinItsBounds() {
    AutoThrottle throttle = new AutoThrottle(10_000);
    assertThat(throttle.delayMs("a", 0)).isZero();
    throttle.answered("a", 200, 400, 0);
    assertThat(throttle.delayMs("a", 0)).isEqualTo(200);
    throttle.answered("a", 200, 400, 0);
    assertThat(throttle.delayMs("a", 0)).isEqualTo(300);
    throttle.answered("a", 200, 0, 0);
    assertThat(throttle.delayMs("a", 0)).isEqualTo(150);
    assertThat(throttle.delayMs("a", 1000)).as("Crawl-delay is a floor").isEqualTo(1000);
    assertThat(throttle.delayMs("b", 0)).as("per host").isZero();
  }

  @Test
  void errorsNeverLowerItAndA429RaisesItToItsRetryAfter() {
    AutoThrottle throttle = new AutoThrottle(5_000);
    throttle.answered("a", 200, 400, 0);
    throttle.answered("a", 500, 0, 0);
    assertThat(throttle.delayMs("a", 0)).isEqualTo(200);
    throttle.answered("a", 429, 10, 2_000);
    assertThat(throttle.delayMs("a", 0)).isEqualTo(2_000);
    throttle.answered("a", 503, 10, 0);
    assertThat(throttle.delayMs("a", 0)).as("doubled").isEqualTo(4_000);
    throttle.answered("a", 503, 10, 60_000);
    assertThat(throttle.delayMs("a", 0)).as("capped at maxCrawlDelayMs").isEqualTo(5_000);
  }
}
