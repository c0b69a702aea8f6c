package io.loopline.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** The one check of what PostgreSQL can store as text, and the pointer it gives to what it refuses. */
class StorableTextTest {

  @Test
  void nulAndUnpairedSurrogatesAreRefusedAndEverythingElseIsKept() {
    assertThat(StorableText.storable("plain, ünïcödé, 漢字 and 😀")).isTrue();
    assertThat(StorableText.storable("")).isTrue();
    assertThat(StorableText.storable("a\u0000b")).isFalse();
    assertThat(StorableText.storable("\u0000")).isFalse();
    assertThat(StorableText.storable("lone high \ud83d")).isFalse();
    assertThat(StorableText.storable("\ude00 lone low")).isFalse();
    assertThat(StorableText.storable("swapped \ude00\ud83d")).isFalse();
    assertThat(StorableText.storable("tab\tnewline\n\u0001\u007f")).isTrue();
  }

  @Test
  void thePointerNamesTheFirstRefusedValueOrMemberName() {
    assertThat(
            StorableText.firstRefused(
                new JsonObject()
                    .put("name", "ok")
                    .put("tags", new JsonArray().add("a").add("b\u0000"))))
        .isEqualTo("/tags/1");
    assertThat(
            StorableText.firstRefused(
                new JsonObject().put("a/b", new JsonObject().put("c~d", "\u0000"))))
        .isEqualTo("/a~1b/c~0d");
    assertThat(StorableText.firstRefused(new JsonObject().put("pay\u0000load", 1)))
        .isEqualTo("/pay\u0000load");
    assertThat(StorableText.firstRefused("\u0000")).isEqualTo("");
    assertThat(StorableText.firstRefused(new JsonObject().put("n", 1).put("b", true).putNull("z")))
        .isNull();
    assertThat(
            StorableText.refusal(
                new JsonObject().put("changes", new JsonObject().put("name", "x\u0000"))))
        .isEqualTo("changes.name: " + StorableText.REASON);
    assertThat(StorableText.refusal(new JsonObject().put("a\u0000", 1)))
        .isEqualTo("a\\u0000: " + StorableText.REASON)
        .doesNotContain("\u0000");
  }

  @Property(tries = 300)
  void anyTextWithoutNulOrSurrogatesIsStorableAndOneNulAnywhereIsNot(
      @ForAll @StringLength(max = 200) @CharRange(from = '\u0001', to = '\ud7ff') String text,
      @ForAll int at) {
    assertThat(StorableText.storable(text)).isTrue();
    int i = Math.floorMod(at, text.length() + 1);
    String poisoned = text.substring(0, i) + '\u0000' + text.substring(i);
    assertThat(StorableText.storable(poisoned)).isFalse();
    assertThat(StorableText.firstRefused(new JsonArray().add(text).add(poisoned))).isEqualTo("/1");
  }
}
