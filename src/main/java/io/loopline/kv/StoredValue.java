package io.loopline.kv;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * A key-value entry as the backends keep it: the content type on the first line, then the value, so a
 * read answers with the media type it was stored with.
 */
record StoredValue(String contentType, String value) {

  Buffer encode() {
    return Buffer.buffer(contentType + "\n" + value, StandardCharsets.UTF_8.name());
  }

  static StoredValue decode(Buffer stored) {
    String text = stored.toString(StandardCharsets.UTF_8);
    int newline = text.indexOf('\n');
    return newline < 0
        ? new StoredValue("text/plain", text)
        : new StoredValue(text.substring(0, newline), text.substring(newline + 1));
  }
}
