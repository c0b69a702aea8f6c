package io.loopline.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RecordJsonTest {

  private final RecordBatch.Builder batch = RecordBatch.builder("s", RecordBatch.MQTT, 100);

  @Test
  void anMqttPayloadIsAnObjectWithoutDeviceOrABareNumber() {
    assertThat(add("{\"value\": 1.5, \"time\": \"2026-12-01T10:00:00Z\"}", "boiler-7")).isNull();
    assertThat(add("42", "boiler-7")).isNull();
    assertThat(add(" -0.5e1 ", "boiler-7")).isNull();
    RecordBatch records = batch.build();
    assertThat(records.device(0)).isEqualTo("boiler-7");
    assertThat(records.time(0)).isEqualTo(StreamRecords.parseTime("2026-12-01T10:00:00Z"));
    assertThat(records.value(1)).isEqualTo(42.0);
    assertThat(records.value(2)).isEqualTo(-5.0);
  }

  @Test
  void anMqttPayloadThatIsNotARecordSaysWhy() {
    assertThat(add("{\"device\": \"x\", \"value\": 1}", "d"))
        .startsWith("device: comes from the topic");
    assertThat(add("\"1.5\"", "d")).isEqualTo("a payload must be a JSON object or a number");
    assertThat(add("1 2", "d")).startsWith("a payload must hold one JSON value");
    assertThat(add("", "d")).isEqualTo("a payload must be a JSON object or a number");
    assertThat(add("{\"value\": 1, \"unit\": \"C\"}", "d"))
        .isEqualTo("unit: is not a known field (time, value, attrs)");
    assertThat(add("1e400", "d")).isEqualTo("value: must be a finite number");
    assertThat(batch.size()).isZero();
  }

  @Test
  void textPostgresqlCannotStoreIsRefusedWhereverItIs() {
    assertThat(add("{\"device\": \"d\", \"value\": 1, \"attrs\": {\"k\": \"a\\u0000b\"}}", null))
        .startsWith("attrs: must not contain U+0000");
    assertThat(
            add("{\"device\": \"d\", \"value\": 1, \"attrs\": {\"n\": [{\"\\ud800\": 1}]}}", null))
        .startsWith("attrs: must not contain");
    assertThat(add("{\"device\": \"d\\udc00\", \"value\": 1}", null))
        .startsWith("device: must not contain");
    assertThat(
            add(
                "{\"device\": \"d\", \"value\": 1, \"attrs\": {\"emoji\": \"\\ud83d\\ude00\"}}",
                null))
        .as("a surrogate pair is fine")
        .isNull();
    assertThat(batch.size()).isEqualTo(1);
  }

  private String add(String json, String device) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    return RecordJson.add(bytes, bytes.length, device, batch);
  }
}
