package io.loopline.scrape;

import io.loopline.contract.Addresses;
import io.loopline.platform.bus.Operations;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
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
    return Operations.answerLocally(
            vertx.eventBus(),
            Addresses.SCRAPE_PARSE,
            this::parse,
            (message, e) -> message.fail(500, "cannot parse: " + e.getMessage()))
        .completion();
  }

  private Future<PageParser.Page> parse(ParseTask task) {
    try {
      return Future.succeededFuture(
          PageParser.parse(
              task.body(), task.url(), task.charset(), task.excerptChars(), task.rules()));
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
  }
}
