package io.loopline.platform.web;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.http.HttpConnection;

/**
 * Answers 505 (HTTP Version Not Supported) to an HTTP/1.x request line of any version but 1.0 and 1.1.
 * Vert.x answers such requests 501 by itself, with an empty body, before any handler sees them, and offers
 * no option to change it; so a Netty handler placed ahead of Vert.x's own on each connection marks those
 * requests as undecodable, which hands them to the server's invalid-request handler ({@link Problems}).
 *
 * <p>This reaches into one interface of Vert.x's implementation package ({@code HttpServerConnection}, which
 * gives the connection's channel); if a later Vert.x changes it, {@link #watch} does nothing and such
 * requests get Vert.x's 501 again, which {@code HttpEdgeIT} would report.
 */
@ChannelHandler.Sharable
public final class HttpVersions extends ChannelInboundHandlerAdapter {

  /** The cause a refused request carries to the invalid-request handler. */
  static final class Unsupported extends RuntimeException {
    Unsupported(HttpVersion version) {
      super(
          "HTTP version "
              + version.text()
              + " is not supported: this server speaks HTTP/1.0 and HTTP/1.1",
          null,
          false,
          false);
    }
  }

  private static final HttpVersions INSTANCE = new HttpVersions();

  /** Where Vert.x's own handler sits in every HTTP/1.x server pipeline. */
  private static final String VERTX_HANDLER = "handler";

  private HttpVersions() {}

  /** Puts the check on a new connection, before it has read anything. */
  public static void watch(HttpConnection connection) {
    if (connection instanceof io.vertx.core.http.impl.HttpServerConnection server
        && server.channelHandlerContext().pipeline().get(VERTX_HANDLER) != null) {
      server
          .channelHandlerContext()
          .pipeline()
          .addBefore(VERTX_HANDLER, "loopline-http-versions", INSTANCE);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    // Vert.x knows a version by identity with Netty's two constants; anything else it answers 501.
    if (msg instanceof HttpRequest request
        && request.decoderResult().isSuccess()
        && request.protocolVersion() != HttpVersion.HTTP_1_0
        && request.protocolVersion() != HttpVersion.HTTP_1_1) {
      HttpVersion asked = request.protocolVersion();
      request.setProtocolVersion(
          HttpVersion.HTTP_1_1); // the version of the status line that answers it
      request.setDecoderResult(DecoderResult.failure(new Unsupported(asked)));
    }
    ctx.fireChannelRead(msg);
  }
}
