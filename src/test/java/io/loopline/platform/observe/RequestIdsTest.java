package io.loopline.platform.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RequestIdsTest {

  @Test
  void newIdsAre32HexDigitsAndDoNotRepeat() {
    Set<String> ids = new HashSet<>();
    IntStream.range(0, 100_000).forEach(i -> ids.add(RequestIds.acceptOrCreate(null)));

    assertThat(ids).hasSize(100_000).allSatisfy(id -> assertThat(id).matches("[0-9a-f]{32}"));
  }

  @Test
  void aPlainShortClientIdIsKeptAndAnythingElseReplaced() {
    assertThat(RequestIds.acceptOrCreate("req-42.a:b_c")).isEqualTo("req-42.a:b_c");
    assertThat(RequestIds.acceptOrCreate("x\"; DROP")).matches("[0-9a-f]{32}");
    assertThat(RequestIds.acceptOrCreate("a".repeat(65))).matches("[0-9a-f]{32}");
  }
}
