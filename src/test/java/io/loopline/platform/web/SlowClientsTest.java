package io.loopline.platform.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SlowClientsTest {

  @Test
  void theKeepAliveHintIsAWholeSecondUnderTheHeaderTimeout() {
    assertThat(SlowClients.keepAliveHint(10_000)).isEqualTo("timeout=9");
    assertThat(SlowClients.keepAliveHint(2_999)).isEqualTo("timeout=1");
    assertThat(SlowClients.keepAliveHint(2_000)).isEqualTo("timeout=1");
  }

  @Test
  void noHintWhenLessThanASecondWouldBeLeft() {
    assertThat(SlowClients.keepAliveHint(1_999)).isNull();
    assertThat(SlowClients.keepAliveHint(500)).isNull();
  }
}
