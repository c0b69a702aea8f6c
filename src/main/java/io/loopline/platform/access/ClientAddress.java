package io.loopline.platform.access;

import io.loopline.platform.config.Cidr;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The address a request comes from, for per-client limits. {@code X-Forwarded-For} is believed only when the
 * peer is a configured trusted proxy, and then only as far as the chain of trusted proxies goes: the answer is
 * the rightmost address that is not one of them. A client cannot buy a new budget by sending the header itself.
 */
public final class ClientAddress {

  private final List<Cidr> trustedProxies;

  public ClientAddress(List<String> trustedProxies) {
    this.trustedProxies = trustedProxies.stream().map(Cidr::parse).toList();
  }

  String of(HttpServerRequest request) {
    SocketAddress peer = request.remoteAddress();
    String address = peer == null || peer.hostAddress() == null ? "unknown" : peer.hostAddress();
    if (trustedProxies.isEmpty() || !trusted(address)) {
      return address;
    }
    List<String> forwarded = request.headers().getAll("X-Forwarded-For");
    String[] hops = String.join(",", forwarded).split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (hop.isEmpty()) {
        continue;
      }
      if (!literal(hop)) {
        return address; // garbage in the header: the proxy itself is the client we can name
      }
      if (!trusted(hop)) {
        return hop;
      }
      address = hop;
    }
    return address;
  }

  private boolean trusted(String address) {
    InetAddress parsed = parse(address);
    return parsed != null && trustedProxies.stream().anyMatch(range -> range.contains(parsed));
  }

  private static boolean literal(String text) {
    return parse(text) != null;
  }

  /** Only IP literals are parsed; anything else (a name would mean DNS) is null. */
  private static InetAddress parse(String text) {
    if (text.isEmpty() || text.length() > 45 || !text.matches("[0-9a-fA-F:.]+")) {
      return null;
    }
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
