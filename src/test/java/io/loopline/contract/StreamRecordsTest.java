package io.loopline.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamRecordsTest {

  @Test
  void rfc3339TimesBecomeMicrosecondsAsTheJdkReadsThem() {
    for (String text :
        new String[] {
          "2026-12-01T10:15:30Z",
          "2026-12-01t10:15:30z",
          "2026-12-01T10:15:30.5Z",
          "2026-12-01T10:15:30.123456Z",
          "2026-12-01T11:15:30+01:00",
          "2026-12-01T04:45:30-05:30",
          "0001-01-01T00:00:00Z",
          "9999-12-31T23:59:59.999999Z",
          "1969-12-31T23:59:59.999Z",
          "2024-02-29T12:00:00Z",
          "2000-03-01T00:00:00Z"
        }) {
      Instant expected = OffsetDateTime.parse(text.toUpperCase()).toInstant();
      assertThat(StreamRecords.parseTime(text))
          .as(text)
          .isEqualTo(expected.getEpochSecond() * 1_000_000 + expected.getNano() / 1000);
    }
  }

  @Test
  void digitsPastTheMicrosecondAreDropped() {
    assertThat(StreamRecords.parseTime("1970-01-01T00:00:00.123456789Z")).isEqualTo(123_456);
  }

  @Test
  void whatIsNotAnRfc3339TimeIsRefused() {
    for (String text :
        new String[] {
          "",
          "2026-12-01",
          "2026-12-01 10:15:30Z",
          "2026-12-01T10:15:30",
          "2026-13-01T00:00:00Z",
          "2026-02-29T00:00:00Z",
          "2026-12-01T24:00:00Z",
          "2026-12-01T10:60:00Z",
          "2026-12-01T10:15:60Z",
          "2026-12-01T10:15:30.Z",
          "2026-12-01T10:15:30.1234567890Z",
          "2026-12-01T10:15:30+1:00",
          "2026-12-01T10:15:30+24:00",
          "0000-01-01T00:00:00Z",
          "2026-12-01T10:15:30Zjunk",
          "+2026-12-01T10:15:30Z",
          "2026-1a-01T10:15:30Z"
        }) {
      assertThatThrownBy(() -> StreamRecords.parseTime(text))
          .as(text)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("time: ");
    }
  }

  @Test
  void formattedTimesReadBackAndMatchTheJdk() {
    Random random = new Random(7);
    for (int i = 0; i < 10_000; i++) {
      long micros = random.nextLong(-62_135_596_800_000_000L, 253_402_300_799_999_999L);
      if (i % 3 == 0) {
        micros -= micros % 1_000_000; // whole seconds
      } else if (i % 3 == 1) {
        micros -= micros % 1000; // whole milliseconds
      }
      String text = StreamRecords.formatTime(micros);
      assertThat(StreamRecords.parseTime(text)).isEqualTo(micros);
      assertThat(Instant.parse(text))
          .isEqualTo(
              Instant.ofEpochSecond(
                  Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000));
    }
    assertThat(StreamRecords.formatTime(0)).isEqualTo("1970-01-01T00:00:00Z");
    assertThat(StreamRecords.formatTime(1_500_000)).isEqualTo("1970-01-01T00:00:01.500Z");
    assertThat(StreamRecords.formatTime(1_000_001)).isEqualTo("1970-01-01T00:00:01.000001Z");
  }

  @Test
  void devicesAreOneTo128CharactersWithoutControlCharacters() {
    assertThat(StreamRecords.deviceProblem("boiler-7")).isNull();
    assertThat(StreamRecords.deviceProblem("ü".repeat(128))).isNull();
    assertThat(StreamRecords.deviceProblem("😀".repeat(128)))
        .as("128 characters in 256 UTF-16 units")
        .isNull();
    assertThat(StreamRecords.deviceProblem("x".repeat(129))).contains("at most 128");
    assertThat(StreamRecords.deviceProblem("")).contains("not blank");
    assertThat(StreamRecords.deviceProblem("   ")).contains("not blank");
    assertThat(StreamRecords.deviceProblem("a\nb")).contains("control");
    assertThat(StreamRecords.deviceProblem("a\u0000b")).contains("control");
    assertThat(StreamRecords.deviceProblem(null)).contains("required");
  }

  @Test
  void streamNamesAreSafeInUrlsAndTopics() {
    assertThat(StreamRecords.validStream("plant-1.boilers_A")).isTrue();
    assertThat(StreamRecords.validStream("a/b")).isFalse();
    assertThat(StreamRecords.validStream("a+")).isFalse();
    assertThat(StreamRecords.validStream("x".repeat(65))).isFalse();
    assertThat(StreamRecords.validStream(".")).as("a URL dot segment").isFalse();
    assertThat(StreamRecords.validStream("..")).as("a URL dot segment").isFalse();
    assertThat(StreamRecords.validStream("...")).isTrue();
    assertThat(ChatNames.validRoom("..")).as("a URL dot segment").isFalse();
    assertThat(ChatNames.validRoom(".a")).isTrue();
    assertThat(StreamRecords.validStream("")).isFalse();
  }
}
