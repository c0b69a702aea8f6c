package io.loopline.scrape;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.IDN;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScrapeUrlsTest {

  @Test
  void oneSpellingPerPage() {
    assertThat(ScrapeUrls.normalise("HTTP://Example.COM:80/a?b=1#top"))
        .hasToString("http://example.com/a?b=1");
    assertThat(ScrapeUrls.normalise("https://example.com.:443"))
        .hasToString("https://example.com/");
    assertThat(ScrapeUrls.normalise("http://example.com:8080/x"))
        .hasToString("http://example.com:8080/x");
    assertThatThrownBy(() -> ScrapeUrls.normalise("ftp://example.com/"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ScrapeUrls.normalise("http://user:pw@example.com/"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aUrlIsKeptInAsciiAndBoundedOnceNormalised() {
    assertThat(ScrapeUrls.normalise("http://example.com/caf\u00e9?q=\u00e9"))
        .hasToString("http://example.com/caf%C3%A9?q=%C3%A9");
    // 700 characters that take 6 each once encoded: over the bound, so no page URL outgrows its
    // index.
    assertThatThrownBy(() -> ScrapeUrls.normalise("http://example.com/" + "\u00e9".repeat(700)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2048");
    assertThatThrownBy(() -> ScrapeUrls.normalise("http://example.com/\uD800"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ScrapeUrls.normalise("http://example.com/a\u0000b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(ScrapeUrls.resolve(java.net.URI.create("http://example.com/"), "/\uD800")).isNull();
  }

  @Test
  void theAsciiShortcutOnlyTakesHostsThatIdnWouldLeaveAsTheyAre() {
    for (String host :
        List.of(
            "example.com",
            "Sub.Example.COM",
            "a-b.c-d.example",
            "x".repeat(63) + ".example",
            "127.0.0.2")) {
      assertThat(ScrapeUrls.plainAscii(host)).as(host).isTrue();
      assertThat(IDN.toASCII(host, IDN.ALLOW_UNASSIGNED)).isEqualTo(host);
    }
    assertThat(ScrapeUrls.plainAscii("x".repeat(64) + ".example"))
        .isFalse(); // IDN refuses it: the slow path says so
    assertThatThrownBy(() -> IDN.toASCII("x".repeat(64) + ".example", IDN.ALLOW_UNASSIGNED))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(ScrapeUrls.plainAscii("bücher.example")).isFalse();
    assertThat(IDN.toASCII("bücher.example", IDN.ALLOW_UNASSIGNED))
        .isEqualTo("xn--bcher-kva.example");
  }
}
