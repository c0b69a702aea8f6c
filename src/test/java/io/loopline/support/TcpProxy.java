package io.loopline.support;

import static io.loopline.support.TestNode.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy in front of a real server, so a test can make that server "go away" (close the
 * port and every open connection) and "come back" without stopping the tests' PostgreSQL or Redis. It
 * listens on a port the OS chose, and comes back on the same one.
 */
public final class TcpProxy implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final NetClient client = vertx.createNetClient();
  private int port;
  private final String targetHost;
  private final int targetPort;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private NetServer server;

  /** False between {@link #stop} and {@link #start}: a connection the proxy took before it stopped is cut. */
  private boolean up;

  public TcpProxy(String targetHost, int targetPort) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    start();
  }

  /** A proxy in front of the tests' PostgreSQL. */
  public static TcpProxy toPostgres() {
    return new TcpProxy(TestServers.POSTGRES_HOST, TestServers.POSTGRES_PORT);
  }

  /** A proxy in front of the tests' Redis. */
  public static TcpProxy toRedis() {
    return new TcpProxy(TestServers.REDIS_HOST, TestServers.REDIS_PORT);
  }

  public int port() {
    return port;
  }

  /** Listens: first on a port the OS chooses, then again on that same port. */
  public void start() {
    synchronized (this) {
      up = true;
    }
    server = vertx.createNetServer().connectHandler(this::relay);
    port = await(server.listen(port, "127.0.0.1")).actualPort();
  }

  /**
   * Stops listening and cuts every open connection, as a server that died would, and returns only once they
   * are closed: bytes a client writes after this reach no server (a close merely begun would still relay
   * them, and a statement could be committed while its client sees the connection fail).
   */
  public void stop() {
    List<NetSocket> open;
    synchronized (this) {
      up = false;
      open = new ArrayList<>(sockets);
      sockets.clear();
    }
    await(server.close());
    await(Future.join(open.stream().map(NetSocket::close).toList()));
  }

  /**
   * Every open connection stops carrying data in both directions and stays open, as behind a network path that
   * silently drops everything: neither end is told. New connections work.
   */
  public void silence() {
    List<NetSocket> open;
    synchronized (this) {
      open = new ArrayList<>(sockets);
      sockets.clear();
    }
    open.forEach(NetSocket::pause);
  }

  private void relay(NetSocket inbound) {
    inbound.pause();
    synchronized (this) {
      if (!up) {
        inbound.close();
        return;
      }
      sockets.add(inbound);
    }
    client
        .connect(targetPort, targetHost)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                inbound.close();
                return;
              }
              NetSocket outbound = ar.result();
              synchronized (this) {
                if (!up) {
                  // The proxy stopped while this connection was being made: it never relays.
                  inbound.close();
                  outbound.close();
                  return;
                }
                sockets.add(outbound);
              }
              inbound.pipeTo(outbound);
              outbound.pipeTo(inbound);
              inbound.closeHandler(v -> outbound.close());
              outbound.closeHandler(v -> inbound.close());
              inbound.resume();
            });
  }

  @Override
  public void close() {
    await(vertx.close());
  }

  /** {@code url} (a {@code postgresql://} or {@code redis://} URL of the target) through this proxy. */
  public String url(String url) {
    return TestServers.viaPort(url, port);
  }
}
