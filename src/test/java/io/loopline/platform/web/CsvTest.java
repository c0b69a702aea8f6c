package io.loopline.platform.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CsvTest {

  @Test
  void quotesWhatNeedsItAndDefusesFormulas() {
    StringBuilder out = new StringBuilder();
    Csv.row(
        out,
        1L,
        "plain",
        "a,b",
        "say \"hi\"",
        "two\nlines",
        null,
        "=HYPERLINK(\"x\")",
        "@cmd",
        "-1+2",
        200);
    assertThat(out.toString())
        .isEqualTo(
            "1,plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,"
                + "\"'=HYPERLINK(\"\"x\"\")\",'@cmd,'-1+2,200\r\n");
  }
}
