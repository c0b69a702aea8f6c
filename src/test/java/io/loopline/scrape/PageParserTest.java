package io.loopline.scrape;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;

class PageParserTest {

  private static PageParser.Page parse(String html) throws Exception {
    return PageParser.parse(
        html.getBytes(StandardCharsets.UTF_8), "https://example.com/dir/page", "UTF-8", 300, null);
  }

  @Test
  void readsTitleDescriptionCanonicalLinksAndTextInDocumentOrder() throws Exception {
    PageParser.Page page =
        parse(
            """
        <!doctype html><html><head><title> The   title </title>
        <meta name="Description" content="About it"><link rel="alternate canonical" href="/canon">
        <script>var x = "not text";</script><style>p {}</style></head>
        <body>Before <div>one <p>two <a href="a">three</a> four <b>five</b></p> six</div> seven
        <map><area href="/area"></map><a href="a#frag">again</a><a href="mailto:x@example.com">mail</a>
        <a href="https://other.example/x">out</a><a>no href</a> eight</body></html>""");
    assertThat(page.title()).isEqualTo("The title");
    assertThat(page.description()).isEqualTo("About it");
    assertThat(page.canonical()).isEqualTo("https://example.com/canon");
    assertThat(page.links())
        .containsExactly(
            "https://example.com/dir/a", "https://example.com/area", "https://other.example/x");
    assertThat(page.excerpt())
        .isEqualTo("Before one two three four five six seven again mail out no href eight");
    assertThat(page.fields()).isNull();
  }

  @Test
  void theExcerptIsTheSameAsTheFullDocumentsText() throws Exception {
    String html =
        "<html><head><title>t</title></head><body><table><tr><td>a<td>b</table><ul><li>c<li>d</ul>"
            + "<p>e<i>f<b>g</i>h</b>i</p>j<br>k<!-- no -->l<noscript>m</noscript><template>n</template>o</body></html>";
    Document doc = Jsoup.parse(html);
    PageParser.Page page = parse(html);
    // jsoup's own text of the body, letter for letter (misnested tags included)
    assertThat(page.excerpt().replace(" ", "")).isEqualTo(doc.body().text().replace(" ", ""));
  }

  @Test
  void baseHrefIsHonouredForLinksBeforeAndAfterIt() throws Exception {
    PageParser.Page page =
        parse(
            "<html><head><base href=\"https://cdn.example/root/\"></head><body>"
                + "<a href=\"x\">x</a><a href=\"/y\">y</a></body></html>");
    assertThat(page.links()).containsExactly("https://cdn.example/root/x", "https://cdn.example/y");
  }

  @Test
  void theExcerptStopsAtItsLength() throws Exception {
    PageParser.Page page =
        PageParser.parse(
            ("<p>" + "word ".repeat(1000) + "</p>").getBytes(StandardCharsets.UTF_8),
            "https://example.com/",
            null,
            20,
            null);
    assertThat(page.excerpt()).hasSizeLessThanOrEqualTo(20).startsWith("word word");
  }

  @Test
  void decodesInTheDeclaredCharsetElseTheMetaElseUtf8() {
    byte[] latin =
        "<meta charset=\"iso-8859-1\"><title>café</title>".getBytes(Charset.forName("ISO-8859-1"));
    assertThat(PageParser.decode(latin, null)).contains("café");
    assertThat(PageParser.decode("<title>café</title>".getBytes(StandardCharsets.UTF_8), null))
        .contains("café");
    assertThat(PageParser.decode("é".getBytes(Charset.forName("windows-1252")), "windows-1252"))
        .isEqualTo("é");
    byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, 'h', 'i'};
    assertThat(PageParser.decode(bom, "ISO-8859-1")).isEqualTo("hi");
  }

  @Test
  void hostileNestingAndManyLinksStayBounded() throws Exception {
    String deep = "<div>".repeat(20_000) + "text" + "</div>".repeat(20_000);
    String links = "<a href=\"/l0\">x</a>" + "<a href=/x>".repeat(20_000);
    long start = System.nanoTime();
    PageParser.Page nested = parse(deep);
    PageParser.Page linked = parse(links);
    assertThat(nested.excerpt()).isEqualTo("text");
    assertThat(linked.links()).hasSize(2);
    // jsoup prunes nesting beyond its maximum depth (512), so this stays in seconds at most
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(20_000);
  }

  @Test
  void extractionRulesGiveTextAttributesHtmlOneOrMany() throws Exception {
    ExtractionRules rules =
        ExtractionRules.parse(
            new JsonObject()
                .put("price", new JsonObject().put("css", "span.price").put("text", true))
                .put(
                    "images",
                    new JsonObject().put("css", "img").put("attr", "abs:src").put("all", true))
                .put("box", new JsonObject().put("css", "div.box").put("html", true))
                .put("missing", new JsonObject().put("css", "h6")),
            "options.extract");
    PageParser.Page page =
        PageParser.parse(
            ("<body><div class=box><span class=price> 9.99 </span></div>"
                    + "<img src=/a.png><img src=b.png><img></body>")
                .getBytes(StandardCharsets.UTF_8),
            "https://shop.example/p/1",
            null,
            300,
            rules);
    assertThat(page.fields())
        .isEqualTo(
            new JsonObject()
                .put("price", "9.99")
                .put(
                    "images",
                    new JsonArray()
                        .add("https://shop.example/a.png")
                        .add("https://shop.example/p/b.png"))
                .put("box", "<div class=\"box\">\n <span class=\"price\"> 9.99 </span>\n</div>")
                .putNull("missing"));
    assertThat(page.excerpt()).isEqualTo("9.99");
  }

  @Test
  void badRulesAreRefusedWithThePathOfTheRule() {
    assertThatThrownBy(
            () ->
                ExtractionRules.parse(
                    new JsonObject().put("p", new JsonObject().put("css", "div[")),
                    "options.extract"))
        .hasMessageStartingWith("options.extract.p.css:");
    assertThatThrownBy(
            () ->
                ExtractionRules.parse(
                    new JsonObject()
                        .put(
                            "p",
                            new JsonObject().put("css", "a").put("text", true).put("attr", "href")),
                    "options.extract"))
        .hasMessageContaining("one of text, attr or html");
    assertThatThrownBy(
            () -> ExtractionRules.parse(new JsonObject().put("p", "a"), "options.extract"))
        .hasMessageStartingWith("options.extract.p:");
    assertThatThrownBy(
            () ->
                ExtractionRules.parse(
                    new JsonObject().put("p", new JsonObject().put("css", "a").put("xpath", "//a")),
                    "options.extract"))
        .hasMessageStartingWith("options.extract.p.xpath:");
  }
}
