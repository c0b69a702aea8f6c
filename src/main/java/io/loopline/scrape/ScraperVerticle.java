package io.loopline.scrape;

import io.loopline.contract.Addresses;
import io.loopline.contract.Role;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/** Owns the pooled web client for outgoing fetches. Receives the {@code scraper} section. */
public final class ScraperVerticle extends VerticleBase {

  private WebClient client;

  @Override
  public Future<?> start() {
    JsonObject settings = config().getJsonObject("scraper");
    client = WebClient.create(vertx, new WebClientOptions()
        .setUserAgent(settings.getString("userAgent"))
        .setConnectTimeout(settings.getInteger("connectTimeoutMs"))
        .setKeepAlive(true)
        // Trace context stays inside: third-party sites get no traceparent.
        .setTracingPolicy(TracingPolicy.IGNORE)
        .setFollowRedirects(false));
    return vertx.eventBus().<JsonObject>consumer(Addresses.health(Role.SCRAPER), this::health).completion();
  }

  private void health(Message<JsonObject> message) {
    message.reply(new JsonObject().put("role", Role.SCRAPER.id()));
  }

  @Override
  public Future<?> stop() {
    if (client != null) {
      client.close();
    }
    return Future.succeededFuture();
  }
}
