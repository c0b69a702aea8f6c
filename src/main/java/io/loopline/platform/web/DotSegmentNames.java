package io.loopline.platform.web;

import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;

/**
 * Refuses a stream or chat room named {@code .} or {@code ..} (also written {@code %2e}) with 400 before routing.
 * Such a name is a URL dot segment: the router removes it ({@link RoutedPath}), so {@code POST
 * /streams/../records} would otherwise reach another route, or none, under a path the client did not mean.
 * Only a path shaped exactly as one of those routes with the dot segment as its name is refused
 * ({@code /streams/{stream}/records|series|live}, {@code /chat/rooms/{room}/ws|messages|members}): a dot segment
 * elsewhere, or added to a path that names its stream, is just another spelling of the path it normalizes to,
 * routed and checked as that path (SecurityIT).
 */
public final class DotSegmentNames implements PlatformHandler {

  /** What follows the name in the routes of a stream and of a room (openapi/loopline.yaml). */
  private static final java.util.Set<String> STREAM_ROUTES =
      java.util.Set.of("records", "series", "live");

  private static final java.util.Set<String> ROOM_ROUTES =
      java.util.Set.of("ws", "messages", "members");

  @Override
  public void handle(RoutingContext ctx) {
    String[] segments = ctx.request().path().split("/", -1);
    if (segments.length == 4
        && decoded(segments[1]).equals("streams")
        && dotSegment(segments[2])
        && STREAM_ROUTES.contains(decoded(segments[3]))) {
      refuse(ctx, "stream");
    } else if (segments.length == 5
        && decoded(segments[1]).equals("chat")
        && decoded(segments[2]).equals("rooms")
        && dotSegment(segments[3])
        && ROOM_ROUTES.contains(decoded(segments[4]))) {
      refuse(ctx, "room");
    } else {
      ctx.next();
    }
  }

  private static void refuse(RoutingContext ctx, String name) {
    String detail = "must not be . or .. (a URL dot segment)";
    ctx.fail(
        Problem.validation(
                name + ": " + detail,
                new JsonArray().add(Problem.fieldError("/path/" + name, detail)))
            .exception());
  }

  private static boolean dotSegment(String raw) {
    String name = decoded(raw);
    return name.equals(".") || name.equals("..");
  }

  /** The segment as the router reads it: escapes of unreserved characters decoded (others left as they are). */
  private static String decoded(String segment) {
    if (segment.indexOf('%') < 0) {
      return segment;
    }
    StringBuilder out = new StringBuilder(segment.length());
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (c == '%' && i + 2 < segment.length()) {
        int value =
            Character.digit(segment.charAt(i + 1), 16) * 16
                + Character.digit(segment.charAt(i + 2), 16);
        if (Character.digit(segment.charAt(i + 1), 16) >= 0
            && Character.digit(segment.charAt(i + 2), 16) >= 0
            && unreserved((char) value)) {
          out.append((char) value);
          i += 2;
          continue;
        }
      }
      out.append(c);
    }
    return out.toString();
  }

  private static boolean unreserved(char c) {
    return c >= 'A' && c <= 'Z'
        || c >= 'a' && c <= 'z'
        || c >= '0' && c <= '9'
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }
}
