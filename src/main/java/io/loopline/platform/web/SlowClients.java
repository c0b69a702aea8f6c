package io.loopline.platform.web;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Cuts off clients that send too slowly. Headers (slowloris): from the moment an HTTP/1.x connection opens,
 * or its previous response ended, the next request's headers must be complete within {@code
 * headerTimeoutMs}. Bodies: once the headers are in, the whole request must have arrived within {@code
 * bodyTimeoutMs}. The idle timeout covers clients that send nothing at all. One instance per HTTP server
 * instance, so its map is only touched from that server's event loop.
 *
 * <p>Deadlines are fields of each connection's entry, checked by one periodic sweep, every quarter of the
 * shorter timeout (25 ms to 1 s): a request costs two clock reads, not a timer set and cancelled (that was
 * a tenth of the CPU of the thinnest request). A connection is cut off up to a quarter of its timeout late.
 *
 * <p>The header clock also ends idle keep-alive connections. A client that reuses a pooled connection just
 * as it is closed sees "connection closed", so HTTP/1.x answers say {@code Keep-Alive: timeout=N}, a second
 * under the header timeout: clients that read it (Vert.x, curl, most pools) retire the connection first.
 */
public final class SlowClients {

  private static final long NONE = Long.MAX_VALUE;

  private final Vertx vertx;
  private final long headerTimeoutNanos;
  private final long bodyTimeoutNanos;
  private final String keepAlive;
  private final Map<HttpConnection, Deadlines> connections = new HashMap<>();
  private final long sweeper;

  /**
   * What one connection must do by when: its next headers ({@code NONE} while a request is answered), and
   * the body of the request it is {@code receiving}, if that announced one.
   */
  private static final class Deadlines {
    long headersBy = NONE;
    HttpServerRequest receiving;
    long bodyBy;
  }

  public SlowClients(Vertx vertx, long headerTimeoutMs, long bodyTimeoutMs) {
    this.vertx = vertx;
    this.headerTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(headerTimeoutMs);
    this.bodyTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(bodyTimeoutMs);
    this.keepAlive = keepAliveHint(headerTimeoutMs);
    long every = Math.max(25, Math.min(1000, Math.min(headerTimeoutMs, bodyTimeoutMs) / 4));
    this.sweeper = vertx.setPeriodic(every, t -> sweep());
  }

  /**
   * {@code timeout=N} in whole seconds, at least a second under the header timeout; none when that leaves
   * less than a second (the header cannot say it, and {@code timeout=0} reads as "no limit" to some clients).
   */
  static String keepAliveHint(long headerTimeoutMs) {
    long seconds = headerTimeoutMs / 1000 - 1;
    return seconds >= 1 ? "timeout=" + seconds : null;
  }

  public void connected(HttpConnection connection) {
    Deadlines deadlines = new Deadlines();
    deadlines.headersBy = System.nanoTime() + headerTimeoutNanos;
    connections.put(connection, deadlines);
    connection.closeHandler(v -> connections.remove(connection));
  }

  /** Wraps the server's request handler: headers arrived in time; the clock starts again when the answer ends. */
  public Handler<HttpServerRequest> around(Handler<HttpServerRequest> next) {
    return request -> {
      Deadlines deadlines = connections.get(request.connection());
      if (deadlines != null) {
        deadlines.headersBy = NONE;
        // Only a request that announces a body can send it slowly; most (GETs, WebSocket upgrades)
        // owe nothing.
        if (!request.isEnded() && announcesBody(request)) {
          deadlines.receiving = request;
          deadlines.bodyBy = System.nanoTime() + bodyTimeoutNanos;
        }
        if (request.version() != HttpVersion.HTTP_2) {
          request
              .response()
              .endHandler(
                  v -> {
                    deadlines.receiving = null;
                    deadlines.headersBy = System.nanoTime() + headerTimeoutNanos;
                  });
        }
      }
      if (keepAlive != null && request.version() != HttpVersion.HTTP_2) {
        request.response().putHeader("Keep-Alive", keepAlive);
      }
      next.handle(request);
    };
  }

  /**
   * A request whose body is streamed to its handler, which may take far longer than {@code bodyTimeoutMs} (a
   * 1 GiB upload) and stops reading on purpose when it writes slower than the client sends: no whole-body
   * deadline; the connection's idle timeout still ends a client that stops sending.
   */
  public void streamed(HttpServerRequest request) {
    Deadlines deadlines = connections.get(request.connection());
    if (deadlines != null) {
      deadlines.receiving = null; // an HTTP/1.x connection receives one body at a time: this one
    }
  }

  /** Stops the sweep; connections are closed by the server's shutdown. */
  public void close() {
    vertx.cancelTimer(sweeper);
  }

  /** HTTP/1.1 framing: a body follows only with Transfer-Encoding or a Content-Length other than 0. */
  private static boolean announcesBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
        || length != null && !length.trim().equals("0");
  }

  private void sweep() {
    long now = System.nanoTime();
    List<HttpConnection> late = null;
    for (Map.Entry<HttpConnection, Deadlines> entry : connections.entrySet()) {
      Deadlines deadlines = entry.getValue();
      boolean headersLate = now - deadlines.headersBy > 0 && deadlines.headersBy != NONE;
      boolean bodyLate =
          deadlines.receiving != null
              && now - deadlines.bodyBy > 0
              && !deadlines.receiving.isEnded();
      if (headersLate || bodyLate) {
        late = late == null ? new ArrayList<>() : late;
        late.add(entry.getKey());
      }
    }
    if (late != null) {
      late.forEach(
          connection -> {
            connections.remove(connection);
            connection.close();
          });
    }
  }
}
