package io.loopline.scrape;

import io.loopline.contract.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import java.io.IOException;

/**
 * Parses HTML ({@link PageParser}), deployed as a worker verticle (several instances on the
 * {@code loopline-parse} pool) so that no parse ever runs on an event loop. Consumes
 * {@link Addresses#SCRAPE_PARSE} on this node only: a {@link ParseTask}, answered with a {@link PageParser.Page}.
 */
public final class ParseVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    ParseTask.registerCodecs(vertx);
    return vertx
        .eventBus()
        .<ParseTask>localConsumer(Addresses.SCRAPE_PARSE, this::parse)
        .completion();
  }

  private void parse(Message<ParseTask> message) {
    ParseTask task = message.body();
    try {
      message.reply(
          PageParser.parse(
              task.body(), task.url(), task.charset(), task.excerptChars(), task.rules()));
    } catch (IOException | RuntimeException e) {
      message.fail(500, "cannot parse: " + e.getMessage());
    }
  }
}
