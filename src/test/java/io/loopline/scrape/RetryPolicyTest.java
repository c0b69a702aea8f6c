package io.loopline.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.scrape.Exchange.Answer;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  private final RetryPolicy policy = new RetryPolicy(null, 2, 500, 10_000);

  private static Future<Answer> answer(int status, String retryAfter) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (retryAfter != null) {
      headers.add("Retry-After", retryAfter);
    }
    return Future.succeededFuture(
        new Answer(
            URI.create("http://example.com/"), status, headers, Buffer.buffer(), 0, false, null));
  }

  @Test
  void connectionErrorsAre429And5xxAreRetriedAndNothingElse() {
    assertThat(policy.delayMs(answer(429, null), 0)).isBetween(250L, 500L);
    assertThat(policy.delayMs(answer(503, null), 1)).isBetween(500L, 1_000L);
    assertThat(policy.delayMs(answer(599, null), 0)).isNotNull();
    assertThat(policy.delayMs(answer(200, null), 0)).isNull();
    assertThat(policy.delayMs(answer(404, null), 0)).isNull();
    assertThat(policy.delayMs(answer(600, null), 0)).isNull();
    assertThat(
            policy.delayMs(Future.failedFuture(new FetchFailure("connection", "refused", true)), 0))
        .isBetween(250L, 500L);
    assertThat(policy.delayMs(Future.failedFuture(new FetchFailure("timeout", "idle", false)), 0))
        .as("a silent server is not asked again")
        .isNull();
    assertThat(policy.delayMs(Future.failedFuture(new IllegalStateException("bug")), 0)).isNull();
  }

  @Test
  void retryAfterIsTheLongerWaitAndTooLongARetryAfterIsTheResult() {
    assertThat(policy.delayMs(answer(429, "3"), 0)).isEqualTo(3_000);
    assertThat(policy.delayMs(answer(503, "10"), 0)).isEqualTo(10_000);
    assertThat(policy.delayMs(answer(503, "11"), 0)).isNull();
    assertThat(policy.retriesAfter(429, MultiMap.caseInsensitiveMultiMap())).isTrue();
    assertThat(
            policy.retriesAfter(500, MultiMap.caseInsensitiveMultiMap().add("Retry-After", "60")))
        .isFalse();
  }

  @Test
  void theBackoffDoublesWithEqualJitterUpToItsCap() {
    for (int i = 0; i < 100; i++) {
      assertThat(policy.backoff(0)).isBetween(250L, 500L);
      assertThat(policy.backoff(2)).isBetween(1_000L, 2_000L);
      assertThat(policy.backoff(10)).isBetween(5_000L, 10_000L);
      assertThat(policy.backoff(1_000)).isBetween(5_000L, 10_000L);
    }
  }

  @Test
  void retryAfterIsSecondsOrAnHttpDate() {
    assertThat(RetryPolicy.retryAfterMs(null)).isZero();
    assertThat(RetryPolicy.retryAfterMs(" ")).isZero();
    assertThat(RetryPolicy.retryAfterMs(" 2 ")).isEqualTo(2_000);
    assertThat(RetryPolicy.retryAfterMs("-5")).isZero();
    assertThat(RetryPolicy.retryAfterMs("soon")).isZero();
    String inAMinute =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(60));
    assertThat(RetryPolicy.retryAfterMs(inAMinute)).isBetween(55_000L, 60_000L);
    String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().minusDays(1));
    assertThat(RetryPolicy.retryAfterMs(past)).isZero();
  }
}
