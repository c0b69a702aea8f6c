package io.loopline.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Supplier;

/**
 * Ports for tests. Servers the tests start bind port 0 and report the port the OS chose (test nodes,
 * proxies, the test site); this class is for the few that cannot.
 */
public final class Ports {

  private Ports() {}

  /**
   * A port that was free a moment ago. Another process may take it before it is used: only for a server
   * that cannot bind port 0 and tell its port, and then inside {@link #retryOnConflict}.
   */
  public static int free() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A loopback port where nothing listens, reserved while the returned socket stays open: connecting to it
   * is refused at once. Close it when the test is done.
   */
  public static Socket closed() {
    try {
      Socket socket = new Socket();
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code start} again (up to three times) while it fails because a port it picked was taken meanwhile. */
  public static <T> T retryOnConflict(Supplier<T> start) {
    for (int attempt = 1; ; attempt++) {
      try {
        return start.get();
      } catch (RuntimeException e) {
        if (attempt == 3 || !isBindFailure(e)) {
          throw e;
        }
      }
    }
  }

  private static boolean isBindFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException
          || String.valueOf(t.getMessage()).contains("Address already in use")) {
        return true;
      }
    }
    return false;
  }
}
