package io.loopline.platform.cluster;

import io.loopline.platform.config.BridgeSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP event-bus bridge: services in any language send JSON frames (a 4-byte big-endian length, then
 * {@code {"type": "send", "address", "replyAddress", "body"}}) and get replies the same way. Only the
 * addresses matched by {@code bridge.inbound} may be sent to, and only those matched by {@code
 * bridge.outbound} listened to; everything else is refused by the bridge. Receives the {@code bridge} section.
 */
public final class BridgeVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(BridgeVerticle.class);

  private TcpEventBusBridge bridge;

  @Override
  public Future<?> start() {
    BridgeSettings settings = BridgeSettings.from(config());
    BridgeOptions options = new BridgeOptions();
    settings
        .inbound()
        .forEach(
            regex -> options.addInboundPermitted(new PermittedOptions().setAddressRegex(regex)));
    settings
        .outbound()
        .forEach(
            regex -> options.addOutboundPermitted(new PermittedOptions().setAddressRegex(regex)));
    bridge = TcpEventBusBridge.create(vertx, options);
    String host = settings.host();
    int port = settings.port();
    return bridge
        .listen(port, host)
        .onSuccess(
            b ->
                log.info(
                    "Event-bus bridge on {}:{} (inbound {}, outbound {})",
                    host,
                    port,
                    new JsonArray(settings.inbound()),
                    new JsonArray(settings.outbound())));
  }

  @Override
  public Future<?> stop() {
    return bridge == null ? Future.succeededFuture() : bridge.close();
  }
}
