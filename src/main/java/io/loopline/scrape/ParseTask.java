package io.loopline.scrape;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * A page for the parse workers and, as the reply, what they read from it. Both stay on the node (the parse
 * address is local), so they travel by reference: no copy of the body, and no JSON built only to be read
 * back on the other side.
 */
record ParseTask(byte[] body, String url, String charset, int excerptChars, ExtractionRules rules) {

  /** Makes {@link ParseTask} and {@link PageParser.Page} types the event bus carries on this Vert.x instance. */
  static void registerCodecs(Vertx vertx) {
    try {
      vertx
          .eventBus()
          .registerDefaultCodec(ParseTask.class, new ByReference<>("loopline.ParseTask"));
      vertx
          .eventBus()
          .registerDefaultCodec(PageParser.Page.class, new ByReference<>("loopline.ParsedPage"));
    } catch (IllegalStateException alreadyRegistered) {
      // another scraper or parse verticle of this instance did it
    }
  }

  /** A codec for messages that never leave the node. */
  private record ByReference<T>(String name) implements MessageCodec<T, T> {
    @Override
    public void encodeToWire(Buffer buffer, T value) {
      throw new UnsupportedOperationException(name + " is delivered on its own node only");
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException(name + " is delivered on its own node only");
    }

    @Override
    public T transform(T value) {
      return value;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
