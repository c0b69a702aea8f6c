package io.loopline.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Scraped text cleaned of what PostgreSQL refuses and cut to its field's bound, never in half a character. */
class ScrapedTextTest {

  @Test
  void nulIsDroppedAndALoneSurrogateReplaced() {
    assertThat(ScrapedText.clean("a\u0000b", 10)).isEqualTo("ab");
    assertThat(ScrapedText.clean("a\uD83Db", 10)).isEqualTo("a\uFFFDb");
    assertThat(ScrapedText.clean("a\uDE00", 10)).isEqualTo("a\uFFFD");
    assertThat(ScrapedText.clean("\uD83D\uDE00", 10)).isEqualTo("\uD83D\uDE00");
    String plain = "nothing to change";
    assertThat(ScrapedText.clean(plain, 100)).isSameAs(plain);
  }

  @Test
  void textIsCutInCodePointsAndNeverSplitsAPair() {
    assertThat(ScrapedText.clean("abcdef", 3)).isEqualTo("abc");
    assertThat(ScrapedText.clean("ab\uD83D\uDE00cd", 3)).isEqualTo("ab\uD83D\uDE00");
    assertThat(ScrapedText.clean("\u0000\u0000abc", 2))
        .isEqualTo("ab"); // a dropped NUL takes no room
    assertThat(ScrapedText.clean("x", 0)).isEmpty();
  }

  @Test
  void everyStringOfAResultIsCleanedWithItsFieldsBound() {
    JsonObject result =
        new JsonObject()
            .put("title", "t".repeat(1500))
            .put("description", "d".repeat(2500) + "\u0000")
            .put("contentType", "text/html\u0000" + "x".repeat(500))
            .put("links", new JsonArray().add("http://a/\u0000"))
            .put(
                "error",
                new JsonObject()
                    .put("code", "invalid-redirect")
                    .put("message", "to \uD800" + "m".repeat(2000)))
            .put(
                "fields",
                new JsonObject()
                    .put("price", new JsonArray().add("9\u0000.99").add("p".repeat(20_000))))
            .put("status", 200);

    ScrapedText.result(result);

    assertThat(result.getString("title")).hasSize(ScrapedText.TITLE);
    assertThat(result.getString("description"))
        .hasSize(ScrapedText.DESCRIPTION)
        .doesNotContain("\u0000");
    assertThat(result.getString("contentType"))
        .hasSize(ScrapedText.CONTENT_TYPE)
        .startsWith("text/html" + "x");
    assertThat(result.getJsonArray("links").getString(0)).isEqualTo("http://a/");
    assertThat(result.getJsonObject("error").getString("message"))
        .hasSize(ScrapedText.MESSAGE)
        .startsWith("to \uFFFDm");
    assertThat(result.getJsonObject("fields").getJsonArray("price").getString(0)).isEqualTo("9.99");
    assertThat(result.getJsonObject("fields").getJsonArray("price").getString(1))
        .hasSize(ScrapedText.OTHER);
    assertThat(result.getInteger("status")).isEqualTo(200);
  }

  @Test
  void decodedJsonIsCleanedToo() {
    JsonObject decoded =
        new JsonObject("{\"deep\": {\"list\": [\"a\\u0000b\", {\"x\": \"\\ud800\"}]}}");

    ScrapedText.result(decoded);

    assertThat(decoded.encode()).isEqualTo("{\"deep\":{\"list\":[\"ab\",{\"x\":\"\uFFFD\"}]}}");
  }
}
