package io.loopline.scrape;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The SSRF guard's judgement of one resolved address: which addresses a fetch may not reach unless the
 * allowlist names them. Works on literal addresses only; it never resolves or connects.
 */
final class AddressClassifier {

  private static final List<Range> BLOCKED = List.of(
      Range.parse("0.0.0.0/8"),          // "this network"; 0.0.0.0 reaches the local host
      Range.parse("100.64.0.0/10"),      // carrier-grade NAT
      Range.parse("192.0.0.0/24"),       // IETF protocol assignments
      Range.parse("198.18.0.0/15"),      // benchmarking
      Range.parse("240.0.0.0/4"),        // reserved, and 255.255.255.255
      Range.parse("fc00::/7"),           // unique local
      Range.parse("64:ff9b::/96"),       // NAT64 (a v4 address behind it is checked too)
      Range.parse("2001:db8::/32"));     // documentation
  private static final List<Range> METADATA = List.of(
      Range.parse("169.254.169.254/32"), // AWS, GCP, Azure, OpenStack
      Range.parse("fd00:ec2::254/128"),  // AWS over IPv6
      Range.parse("100.100.100.200/32")); // Alibaba Cloud

  private final List<Range> allowedRanges = new ArrayList<>();
  private final List<String> allowedHosts = new ArrayList<>();

  /** {@code allow}: host names, addresses or CIDR ranges the guard lets through. */
  AddressClassifier(List<String> allow) {
    for (String entry : allow) {
      String e = entry.trim().toLowerCase(Locale.ROOT);
      if (e.contains("/") || isLiteral(e)) {
        allowedRanges.add(Range.parse(e.contains("/") ? e : e + (e.contains(":") ? "/128" : "/32")));
      } else {
        allowedHosts.add(e);
      }
    }
  }

  /** Null when {@code address}, reached as {@code host}, may be fetched; else why not. */
  String refusal(String host, InetAddress address) {
    String reason = blockedReason(address);
    if (reason == null || allowedHosts.contains(host.toLowerCase(Locale.ROOT))) {
      return null;
    }
    for (Range range : allowedRanges) {
      if (range.contains(address)) {
        return null;
      }
    }
    return reason;
  }

  /** Why an address is no public internet target, or null when it is one. */
  static String blockedReason(InetAddress address) {
    InetAddress a = unwrap(address);
    for (Range range : METADATA) {
      if (range.contains(a)) {
        return "cloud metadata address";
      }
    }
    if (a.isLoopbackAddress()) {
      return "loopback address";
    }
    if (a.isAnyLocalAddress()) {
      return "unspecified address";
    }
    if (a.isLinkLocalAddress()) {
      return "link-local address";
    }
    if (a.isSiteLocalAddress()) {
      return "private address";
    }
    if (a.isMulticastAddress()) {
      return "multicast address";
    }
    for (Range range : BLOCKED) {
      if (range.contains(a)) {
        return "reserved or private address (" + range + ")";
      }
    }
    return null;
  }

  /** IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 addresses as the IPv4 address inside. */
  static InetAddress unwrap(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] b = address.getAddress();
    boolean zeroPrefix = true;
    for (int i = 0; i < 10; i++) {
      zeroPrefix &= b[i] == 0;
    }
    boolean mapped = zeroPrefix && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible = zeroPrefix && b[10] == 0 && b[11] == 0 && !allZero(b, 12, 16);
    boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b
        && allZero(b, 4, 12);
    if (mapped || compatible || nat64) {
      try {
        return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e);
      }
    }
    return address;
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** An IPv4 or IPv6 literal (never a name: nothing is resolved). */
  static boolean isLiteral(String host) {
    return host.matches("[0-9.]+") && host.chars().filter(c -> c == '.').count() == 3 || host.contains(":");
  }

  /** Parses a literal address without any lookup. */
  static InetAddress literal(String text) {
    String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    if (!isLiteral(t)) {
      throw new IllegalArgumentException("not an address literal: " + text);
    }
    try {
      return InetAddress.getByName(t); // a literal is parsed, never looked up
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an address: " + text, e);
    }
  }

  /** A CIDR range. */
  record Range(byte[] network, int bits, String text) {

    static Range parse(String cidr) {
      int slash = cidr.indexOf('/');
      InetAddress address = literal(cidr.substring(0, slash));
      int bits = Integer.parseInt(cidr.substring(slash + 1));
      byte[] network = address.getAddress();
      if (bits < 0 || bits > network.length * 8) {
        throw new IllegalArgumentException("bad prefix length in " + cidr);
      }
      return new Range(network, bits, cidr);
    }

    boolean contains(InetAddress address) {
      byte[] a = address.getAddress();
      if (a.length != network.length) {
        return a.length == 16 && network.length == 4 && unwrap(address) != address && contains(unwrap(address));
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (a[i] != network[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xff << (8 - rest) & 0xff;
      return (a[full] & mask) == (network[full] & mask);
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
