package io.loopline.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.HashMap;
import java.util.Map;

/**
 * Cuts off clients that send too slowly. Headers (slowloris): from the moment an HTTP/1.x connection opens,
 * or its previous response ended, the next request's headers must be complete within {@code
 * headerTimeoutMs}. Bodies: once the headers are in, the whole request must have arrived within {@code
 * bodyTimeoutMs}. The idle timeout covers clients that send nothing at all. One instance per HTTP server
 * instance, so its map is only touched from that server's event loop.
 *
 * <p>The header clock also ends idle keep-alive connections. A client that reuses a pooled connection just
 * as it is closed sees "connection closed", so HTTP/1.x answers say {@code Keep-Alive: timeout=N}, a second
 * under the header timeout: clients that read it (Vert.x, curl, most pools) retire the connection first.
 */
final class SlowClients {

  private final Vertx vertx;
  private final long headerTimeoutMs;
  private final long bodyTimeoutMs;
  private final String keepAlive;
  private final Map<HttpConnection, Long> deadlines = new HashMap<>();

  SlowClients(Vertx vertx, long headerTimeoutMs, long bodyTimeoutMs) {
    this.vertx = vertx;
    this.headerTimeoutMs = headerTimeoutMs;
    this.bodyTimeoutMs = bodyTimeoutMs;
    this.keepAlive = keepAliveHint(headerTimeoutMs);
  }

  /**
   * {@code timeout=N} in whole seconds, at least a second under the header timeout; none when that leaves
   * less than a second (the header cannot say it, and {@code timeout=0} reads as "no limit" to some clients).
   */
  static String keepAliveHint(long headerTimeoutMs) {
    long seconds = headerTimeoutMs / 1000 - 1;
    return seconds >= 1 ? "timeout=" + seconds : null;
  }

  void connected(HttpConnection connection) {
    arm(connection);
    connection.closeHandler(v -> disarm(connection));
  }

  /** Wraps the server's request handler: headers arrived in time; the clock starts again when the answer ends. */
  Handler<HttpServerRequest> around(Handler<HttpServerRequest> next) {
    return request -> {
      HttpConnection connection = request.connection();
      disarm(connection);
      // Only a request that announces a body can send it slowly; most (GETs, WebSocket upgrades) need no timer.
      long body = request.isEnded() || !announcesBody(request) ? -1 : vertx.setTimer(bodyTimeoutMs, t -> {
        if (!request.isEnded()) {
          connection.close();
        }
      });
      if (keepAlive != null && request.version() != HttpVersion.HTTP_2) {
        request.response().putHeader(HttpHeaders.KEEP_ALIVE, keepAlive);
      }
      request.response().endHandler(v -> {
        vertx.cancelTimer(body);
        if (request.version() != HttpVersion.HTTP_2) {
          arm(connection);
        }
      });
      next.handle(request);
    };
  }

  /** HTTP/1.1 framing: a body follows only with Transfer-Encoding or a Content-Length other than 0. */
  private static boolean announcesBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return request.headers().contains(HttpHeaders.TRANSFER_ENCODING) || length != null && !length.trim().equals("0");
  }

  private void arm(HttpConnection connection) {
    disarm(connection);
    long timer = vertx.setTimer(headerTimeoutMs, t -> {
      deadlines.remove(connection);
      connection.close();
    });
    deadlines.put(connection, timer);
  }

  private void disarm(HttpConnection connection) {
    Long timer = deadlines.remove(connection);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }
}
