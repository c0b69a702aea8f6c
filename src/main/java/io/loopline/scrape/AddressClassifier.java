package io.loopline.scrape;

import io.loopline.platform.config.Cidr;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The SSRF guard's judgement of one resolved address: which addresses a fetch may not reach unless the
 * allowlist names them. IPv4: everything that is not public unicast. IPv6: everything outside global
 * unicast (2000::/3), the transition and documentation ranges inside it (Teredo, 6to4, ORCHID, ...), and
 * any form that carries an IPv4 address the guard refuses (IPv4-mapped, ISATAP). Works on literal
 * addresses only; it never resolves or connects.
 */
final class AddressClassifier {

  /** A range and why it is refused. */
  private record Refused(Cidr range, String reason) {
    static Refused of(String cidr, String reason) {
      return new Refused(Cidr.parse(cidr), reason);
    }
  }

  private static final List<Refused> METADATA =
      List.of(
          Refused.of("169.254.169.254/32", "cloud metadata address"), // AWS, GCP, Azure, OpenStack
          Refused.of("fd00:ec2::254/128", "cloud metadata address"), // AWS over IPv6
          Refused.of("100.100.100.200/32", "cloud metadata address")); // Alibaba Cloud

  private static final List<Refused> IPV4 =
      List.of(
          Refused.of(
              "0.0.0.0/8",
              "unspecified or \"this network\" address"), // 0.0.0.0 reaches the local host
          Refused.of("10.0.0.0/8", "private address"),
          Refused.of("100.64.0.0/10", "carrier-grade NAT address"),
          Refused.of("127.0.0.0/8", "loopback address"),
          Refused.of("169.254.0.0/16", "link-local address"),
          Refused.of("172.16.0.0/12", "private address"),
          Refused.of("192.0.0.0/24", "IETF protocol assignment"),
          Refused.of("192.0.2.0/24", "documentation address"),
          Refused.of("192.88.99.0/24", "6to4 relay address (deprecated)"),
          Refused.of("192.168.0.0/16", "private address"),
          Refused.of("198.18.0.0/15", "benchmarking address"),
          Refused.of("198.51.100.0/24", "documentation address"),
          Refused.of("203.0.113.0/24", "documentation address"),
          Refused.of("224.0.0.0/4", "multicast address"),
          Refused.of("240.0.0.0/4", "reserved or broadcast address")); // 255.255.255.255 included

  /** IPv6 outside global unicast (2000::/3), named where a name helps; the last entry catches the rest. */
  private static final List<Refused> IPV6_SPECIAL =
      List.of(
          Refused.of("::/128", "unspecified address"),
          Refused.of("::1/128", "loopback address"),
          Refused.of("::/96", "IPv4-compatible address (deprecated)"),
          Refused.of("64:ff9b::/96", "NAT64 address"),
          Refused.of("64:ff9b:1::/48", "NAT64 address (local use)"),
          Refused.of("100::/64", "discard-only address"),
          Refused.of("fc00::/7", "unique local address"),
          Refused.of("fe80::/10", "link-local address"),
          Refused.of("fec0::/10", "site-local address (deprecated)"),
          Refused.of("ff00::/8", "multicast address"),
          Refused.of("::/0", "not a global unicast address"));

  /** Ranges inside 2000::/3 that are not ordinary internet hosts. */
  private static final List<Refused> IPV6_GLOBAL =
      List.of(
          Refused.of("2001::/32", "Teredo address"),
          Refused.of("2001:2::/48", "benchmarking address"),
          Refused.of("2001:10::/28", "ORCHID address (deprecated)"),
          Refused.of("2001:20::/28", "ORCHIDv2 address"),
          Refused.of("2001:db8::/32", "documentation address"),
          Refused.of("2002::/16", "6to4 address"),
          Refused.of("3fff::/20", "documentation address"));

  private static final Cidr GLOBAL_UNICAST = Cidr.parse("2000::/3");

  private final List<Cidr> allowedRanges = new ArrayList<>();
  private final List<String> allowedHosts = new ArrayList<>();

  /** {@code allow}: host names, addresses or CIDR ranges the guard lets through. */
  AddressClassifier(List<String> allow) {
    for (String entry : allow) {
      String e = entry.trim().toLowerCase(Locale.ROOT);
      if (e.contains("/") || isLiteral(e)) {
        allowedRanges.add(Cidr.parse(e));
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
    InetAddress mapped = unwrapMapped(address);
    for (Cidr range : allowedRanges) {
      if (range.contains(address) || range.contains(mapped)) {
        return null;
      }
    }
    return reason;
  }

  /** Why an address is no public internet target, or null when it is one. */
  static String blockedReason(InetAddress address) {
    InetAddress a = unwrapMapped(address);
    String metadata = first(METADATA, a);
    if (metadata != null) {
      return metadata;
    }
    if (a instanceof Inet4Address) {
      return first(IPV4, a);
    }
    if (!GLOBAL_UNICAST.contains(a)) {
      return first(IPV6_SPECIAL, a);
    }
    String special = first(IPV6_GLOBAL, a);
    if (special != null) {
      return special;
    }
    InetAddress isatap = isatapIpv4(a);
    String inner = isatap == null ? null : blockedReason(isatap);
    return inner == null ? null : "ISATAP address carrying a refused IPv4 address (" + inner + ")";
  }

  private static String first(List<Refused> ranges, InetAddress address) {
    for (Refused r : ranges) {
      if (r.range().contains(address)) {
        return r.reason();
      }
    }
    return null;
  }

  /** The IPv4 address an IPv4-mapped address ({@code ::ffff:a.b.c.d}) stands for; any other address as it is. */
  static InetAddress unwrapMapped(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length != 16 || !allZero(b, 0, 10) || (b[10] & 0xff) != 0xff || (b[11] & 0xff) != 0xff) {
      return address;
    }
    return ipv4(b);
  }

  /** The IPv4 address in an ISATAP interface identifier ({@code ...:0:5efe:a.b.c.d} or {@code ...:200:5efe:...}). */
  private static InetAddress isatapIpv4(InetAddress address) {
    byte[] b = address.getAddress();
    boolean isatap =
        ((b[8] & 0xff) == 0x00 || (b[8] & 0xff) == 0x02)
            && b[9] == 0
            && (b[10] & 0xff) == 0x5e
            && (b[11] & 0xff) == 0xfe;
    return isatap ? ipv4(b) : null;
  }

  private static InetAddress ipv4(byte[] b) {
    try {
      return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
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
    return host.matches("[0-9.]+") && host.chars().filter(c -> c == '.').count() == 3
        || host.contains(":");
  }

  /** Parses a literal address without any lookup. */
  static InetAddress literal(String text) {
    String t =
        text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    if (!isLiteral(t)) {
      throw new IllegalArgumentException("not an address literal: " + text);
    }
    try {
      return InetAddress.getByName(t); // a literal is parsed, never looked up
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an address: " + text, e);
    }
  }
}
