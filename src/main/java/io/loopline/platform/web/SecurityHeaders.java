package io.loopline.platform.web;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;

/**
 * Headers every response carries, errors included: no MIME sniffing, no referrer, no framing; and on HTML
 * pages (the docs, the chat page) a Content-Security-Policy that allows only this origin's own scripts.
 */
public final class SecurityHeaders implements PlatformHandler {

  /** Styles may be inline: Swagger UI sets some from its script. Everything else comes from this origin. */
  static final String PAGE_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
          + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
          + "frame-ancestors 'none'";

  // Names and values made once as ASCII strings: no hashing or encoding of them per response.
  private static final CharSequence NOSNIFF_NAME =
      HttpHeaders.createOptimized("X-Content-Type-Options");
  private static final CharSequence NOSNIFF = HttpHeaders.createOptimized("nosniff");
  private static final CharSequence REFERRER_NAME = HttpHeaders.createOptimized("Referrer-Policy");
  private static final CharSequence NO_REFERRER = HttpHeaders.createOptimized("no-referrer");
  private static final CharSequence FRAME_NAME = HttpHeaders.createOptimized("X-Frame-Options");
  private static final CharSequence DENY = HttpHeaders.createOptimized("DENY");

  @Override
  public void handle(RoutingContext ctx) {
    ctx.addHeadersEndHandler(v -> apply(ctx.response().headers()));
    ctx.next();
  }

  static void apply(MultiMap headers) {
    headers.set(NOSNIFF_NAME, NOSNIFF);
    headers.set(REFERRER_NAME, NO_REFERRER);
    headers.set(FRAME_NAME, DENY);
    String type = headers.get(HttpHeaders.CONTENT_TYPE);
    if (type != null
        && type.startsWith("text/html")
        && !headers.contains("Content-Security-Policy")) {
      headers.set("Content-Security-Policy", PAGE_POLICY);
    }
  }
}
