package io.loopline.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.HashMap;
import java.util.Map;

/**
 * Cuts off clients that open a connection and then send a request's headers too slowly (slowloris): from
 * the moment an HTTP/1.x connection opens, or its previous response ended, the next request's headers must
 * be complete within {@code headerTimeoutMs}. The idle timeout covers clients that send nothing at all.
 * One instance per HTTP server instance, so its map is only touched from that server's event loop.
 */
final class SlowClients {

  private final Vertx vertx;
  private final long headerTimeoutMs;
  private final Map<HttpConnection, Long> deadlines = new HashMap<>();

  SlowClients(Vertx vertx, long headerTimeoutMs) {
    this.vertx = vertx;
    this.headerTimeoutMs = headerTimeoutMs;
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
      if (request.version() != HttpVersion.HTTP_2) {
        request.response().endHandler(v -> arm(connection));
      }
      next.handle(request);
    };
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
