package io.loopline.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.RecordBatch;
import io.loopline.contract.StreamRecords;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RecordLinesTest {

  private final RecordBatch.Builder batch = RecordBatch.builder("s", RecordBatch.HTTP, 100);

  @Test
  void contentTypesPickTheReader() {
    assertThat(RecordLines.forContentType("application/x-ndjson"))
        .isInstanceOf(RecordLines.Ndjson.class);
    assertThat(RecordLines.forContentType("Application/X-NDJSON; charset=UTF-8"))
        .isInstanceOf(RecordLines.Ndjson.class);
    assertThat(RecordLines.forContentType("text/csv;charset=utf-8"))
        .isInstanceOf(RecordLines.Csv.class);
    assertThat(RecordLines.forContentType("text/csv; charset=iso-8859-1")).isNull();
    assertThat(RecordLines.forContentType("application/json")).isNull();
    assertThat(RecordLines.forContentType(null)).isNull();
  }

  @Test
  void ndjsonRecordsKeepTheirFieldsAndAttrsAsSent() {
    RecordLines lines = new RecordLines.Ndjson();
    assertThat(
            add(
                lines,
                "{\"device\":\"d1\",\"time\":\"2026-12-01T10:00:00.25Z\",\"value\":-1.5e2,"
                    + "\"attrs\":{\"unit\":\"C\",\"n\":[1,{\"x\":null}]}}"))
        .isNull();
    assertThat(add(lines, "{\"value\":7,\"device\":\"d2\"}")).isNull();
    RecordBatch records = batch.build();
    assertThat(records.size()).isEqualTo(2);
    assertThat(records.device(0)).isEqualTo("d1");
    assertThat(records.time(0)).isEqualTo(StreamRecords.parseTime("2026-12-01T10:00:00.25Z"));
    assertThat(records.value(0)).isEqualTo(-150.0);
    assertThat(records.attrs(0)).isEqualTo("{\"unit\":\"C\",\"n\":[1,{\"x\":null}]}");
    assertThat(records.attrs(1)).isNull();
    assertThat(records.time(1))
        .as("the server's time")
        .isCloseTo(StreamRecords.nowMicros(), org.assertj.core.data.Offset.offset(60_000_000L));
  }

  @Test
  void ndjsonLinesThatAreNotRecordsSayWhy() {
    RecordLines lines = new RecordLines.Ndjson();
    assertThat(add(lines, "[1,2]")).isEqualTo("a line must be a JSON object");
    assertThat(add(lines, "{\"device\":\"d\",\"value\":1")).startsWith("not valid JSON");
    assertThat(add(lines, "{\"device\":\"d\",\"value\":1} {}")).contains("nothing after it");
    assertThat(add(lines, "{\"device\":\"d\"}")).isEqualTo("value: is required");
    assertThat(add(lines, "{\"device\":\"d\",\"value\":\"1\"}"))
        .isEqualTo("value: must be a finite number");
    assertThat(add(lines, "{\"device\":\"d\",\"value\":1e999}"))
        .isEqualTo("value: must be a finite number");
    assertThat(add(lines, "{\"device\":\"d\",\"value\":NaN}")).startsWith("not valid JSON");
    assertThat(add(lines, "{\"device\":3,\"value\":1}")).isEqualTo("device: must be a string");
    assertThat(add(lines, "{\"value\":1}")).isEqualTo("device: is required");
    assertThat(add(lines, "{\"device\":\"d\",\"value\":1,\"vaule\":2}"))
        .startsWith("vaule: is not a known field");
    assertThat(add(lines, "{\"device\":\"d\",\"value\":1,\"value\":2}"))
        .isEqualTo("value: appears twice");
    assertThat(add(lines, "{\"device\":\"d\",\"value\":1,\"time\":\"yesterday\"}"))
        .startsWith("time: must be an RFC 3339");
    assertThat(add(lines, "{\"device\":\"d\",\"value\":1,\"attrs\":[1]}"))
        .isEqualTo("attrs: must be a JSON object");
    String big =
        "{\"device\":\"d\",\"value\":1,\"attrs\":{\"k\":\""
            + "x".repeat(StreamRecords.ATTRS_MAX_BYTES)
            + "\"}}";
    assertThat(add(lines, big)).startsWith("attrs: must be at most 4096 bytes");
    assertThat(batch.size()).isZero();
  }

  @Test
  void csvColumnsAreNamedByTheHeaderAndExtraColumnsBecomeAttributes() {
    RecordLines lines = new RecordLines.Csv();
    assertThat(lines.wantsHeader()).isTrue();
    assertThat(
            lines.header(
                bytes("\uFEFFvalue, device ,site,time"),
                bytes("\uFEFFvalue, device ,site,time").length))
        .isNull();
    assertThat(lines.wantsHeader()).isFalse();
    assertThat(add(lines, "1.5,d1,north,2026-12-01T10:00:00Z")).isNull();
    assertThat(add(lines, "2,\"d,2\",\"say \"\"hi\"\"\",")).isNull();
    assertThat(add(lines, "3,d3,,")).isNull();
    RecordBatch records = batch.build();
    assertThat(records.device(0)).isEqualTo("d1");
    assertThat(records.attrs(0)).isEqualTo("{\"site\":\"north\"}");
    assertThat(records.device(1)).isEqualTo("d,2");
    assertThat(records.attrs(1)).isEqualTo("{\"site\":\"say \\\"hi\\\"\"}");
    assertThat(records.attrs(2)).isNull();
  }

  @Test
  void csvLinesThatAreNotRecordsSayWhy() {
    RecordLines lines = new RecordLines.Csv();
    assertThat(lines.header(bytes("device,time"), 11))
        .startsWith("header: must name the columns device and value");
    assertThat(lines.header(bytes("device,value,value"), 18))
        .startsWith("header: column names must be present and different");
    assertThat(lines.header(bytes("device,value,time"), 17)).isNull();
    assertThat(add(lines, "d,1")).isEqualTo("expected 3 fields (as the header), found 2");
    assertThat(add(lines, "d,abc,")).isEqualTo("value: must be a finite number");
    assertThat(add(lines, "d,NaN,")).isEqualTo("value: must be a finite number");
    assertThat(add(lines, "d,0x10,")).isEqualTo("value: must be a finite number");
    assertThat(add(lines, "d,1.5d,")).isEqualTo("value: must be a finite number");
    assertThat(add(lines, "\"d,1,")).startsWith("a quoted field is not closed");
    assertThat(add(lines, "\"d\"x,1,")).startsWith("a quoted field must be followed by a comma");
    assertThat(add(lines, "d\"x,1,")).startsWith("a field with a double quote must be quoted");
    assertThat(add(lines, ",1,")).startsWith("device: must be 1 to 128 characters");
    assertThat(add(lines, "d,1,2026-12-01")).startsWith("time: must be an RFC 3339");
    RecordLines withAttribute = new RecordLines.Csv();
    assertThat(withAttribute.header(bytes("device,value,site"), 17)).isNull();
    assertThat(add(withAttribute, "d,1,a\u0000b")).startsWith("site: must not contain U+0000");
    byte[] latin1 = {'d', (byte) 0xe9, ',', '1', ','};
    assertThat(lines.add(latin1, latin1.length, batch)).isEqualTo("not valid UTF-8");
    assertThat(batch.size()).isZero();
  }

  @Test
  void numbersAreWhatJsonCallsNumbers() {
    for (String yes : new String[] {"0", "-0", "12", "-12.5", "1e3", "1E-3", "1.5e+10", "0.001"}) {
      assertThat(RecordLines.isNumber(yes)).as(yes).isTrue();
    }
    for (String no :
        new String[] {
          "", "-", "01", "1.", ".5", "1e", "+1", "1e999", "Infinity", "NaN", " 1", "1 ", "1,5"
        }) {
      assertThat(RecordLines.isNumber(no)).as(no).isFalse();
    }
  }

  private String add(RecordLines lines, String line) {
    byte[] bytes = bytes(line);
    return lines.add(bytes, bytes.length, batch);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
