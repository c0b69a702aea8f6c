package io.loopline.platform.web;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads request bodies whole (Vert.x Web's {@link BodyHandler}, up to {@code http.maxBodySize}), except for
 * the operations the contract marks {@code x-streamed-body: true}: their requests are paused here, unread, and
 * their handler streams the body (an upload of up to {@code ingest.maxBodyBytes}). Which requests those are is
 * decided on the normalized path, the one the router matches routes on, with the router's own pattern for a
 * templated path, so no spelling of a path can reach a streamed route with its body already read, or the
 * other way round.
 */
public final class RequestBodies implements Handler<RoutingContext> {

  /** The operation extension that marks a streamed body. */
  static final String STREAMED = "x-streamed-body";

  private static final Pattern PARAMETER = Pattern.compile("\\{[^}/]+}");

  /** A streamed operation: its method and the pattern the router builds for its path. */
  record Streamed(HttpMethod method, Pattern path) {
    boolean matches(RoutingContext ctx) {
      return method.equals(ctx.request().method()) && path.matcher(ctx.normalizedPath()).matches();
    }
  }

  /** What a client may still send after an early answer, read and dropped, before its connection closes. */
  static final long LINGER_BYTES = 1024 * 1024;

  static final long LINGER_MS = 2000;

  private final Vertx vertx;
  private final BodyHandler whole;
  private final List<Streamed> streamed;

  public RequestBodies(Vertx vertx, BodyHandler whole, List<Streamed> streamed) {
    this.vertx = vertx;
    this.whole = whole;
    this.streamed = streamed;
  }

  @Override
  public void handle(RoutingContext ctx) {
    for (Streamed route : streamed) {
      if (route.matches(ctx)) {
        // Nothing reads it until the operation's handler: the access check may take a bus round
        // trip first.
        ctx.request().pause();
        answeredEarly(ctx);
        ctx.next();
        return;
      }
    }
    whole.handle(ctx);
  }

  /**
   * An answer given before the body was read (refused by the access check or the contract, too large, a
   * failed upload) ends the connection: the client is told ({@code Connection: close}), and what it still
   * sends is read and dropped, up to {@link #LINGER_BYTES} or {@link #LINGER_MS}, before the connection closes,
   * so that it can read the answer instead of a reset (what servers call a lingering close).
   */
  private void answeredEarly(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    ctx.addHeadersEndHandler(
        v -> {
          if (!request.isEnded()) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
          }
        });
    ctx.addEndHandler(
        v -> {
          if (!request.isEnded()) {
            new Linger(request).start();
          }
        });
  }

  /** Reads and drops the rest of a body answered early, then closes its connection. */
  private final class Linger implements Handler<Buffer> {
    private final HttpServerRequest request;
    private final HttpConnection connection;
    private long dropped;
    private long timer;

    Linger(HttpServerRequest request) {
      this.request = request;
      this.connection = request.connection();
    }

    void start() {
      timer = vertx.setTimer(LINGER_MS, t -> connection.close());
      request.handler(this);
      request.endHandler(
          end -> {
            vertx.cancelTimer(timer);
            connection.close();
          });
      request.resume();
    }

    @Override
    public void handle(Buffer chunk) {
      dropped += chunk.length();
      if (dropped > LINGER_BYTES) {
        vertx.cancelTimer(timer);
        connection.close();
      }
    }
  }

  /** The streamed operations of a contract (the router's copy: paths and methods as in the file). */
  static List<Streamed> streamed(JsonObject contract) {
    List<Streamed> found = new ArrayList<>();
    JsonObject paths = contract.getJsonObject("paths", new JsonObject());
    for (String path : paths.fieldNames()) {
      JsonObject operations = paths.getJsonObject(path);
      for (String method : operations.fieldNames()) {
        if (operations.getValue(method) instanceof JsonObject operation
            && Boolean.TRUE.equals(operation.getValue(STREAMED))) {
          found.add(
              new Streamed(
                  HttpMethod.valueOf(method.toUpperCase(java.util.Locale.ROOT)),
                  routerPattern(path)));
        }
      }
    }
    return List.copyOf(found);
  }

  /** As Vert.x Web's router compiles a path: a parameter is one segment ({@code [^/]+}), a trailing slash optional. */
  static Pattern routerPattern(String path) {
    StringBuilder regex = new StringBuilder();
    Matcher parameter = PARAMETER.matcher(path);
    int at = 0;
    while (parameter.find()) {
      regex.append(Pattern.quote(path.substring(at, parameter.start()))).append("[^/]+");
      at = parameter.end();
    }
    regex.append(Pattern.quote(path.substring(at)));
    if (!path.endsWith("/")) {
      regex.append("/?");
    }
    return Pattern.compile(regex.toString());
  }
}
