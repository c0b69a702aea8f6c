package io.loopline.platform.web;

import io.vertx.ext.web.RoutingContext;

/**
 * The one notion of a request's path: the router's own ({@link RoutingContext#normalizedPath()}: unreserved
 * {@code %xx} escapes decoded, dot segments removed, {@code //} collapsed). Access control, rate-limit
 * classes, the access log and problem documents decide and report by it, so no spelling of a path can be
 * routed to one operation while it is classified as another. The raw {@code request.path()} is kept only
 * as a record of what the client sent.
 */
public final class RoutedPath {

  private RoutedPath() {}

  /** The normalized path, or null when the path has a broken {@code %}-escape (the router refuses it with 400). */
  public static String of(RoutingContext ctx) {
    try {
      return ctx.normalizedPath();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** For logs and problem documents: the normalized path, else the raw one it could not be made from. */
  static String shown(RoutingContext ctx) {
    String normalized = of(ctx);
    return normalized != null ? normalized : ctx.request().path();
  }
}
