package io.loopline.platform.config;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An address range written {@code 10.0.0.0/8}, {@code fd00::/8}, or a single address. Only literals are
 * accepted: a host name here would mean a DNS lookup at start, and a range that changes with DNS.
 */
public record Cidr(byte[] network, int prefixLength) {

  private static final Pattern LITERAL = Pattern.compile("^[0-9a-fA-F:.]+$");

  public static Cidr parse(String text) {
    String trimmed = text.trim();
    int slash = trimmed.indexOf('/');
    String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
    if (!LITERAL.matcher(address).matches()
        || !(address.contains(":") || address.chars().filter(c -> c == '.').count() == 3)) {
      throw new ConfigException("'" + text + "' is not an IP address or CIDR range");
    }
    byte[] bytes;
    try {
      bytes = InetAddress.getByName(address).getAddress(); // a literal: no lookup
    } catch (UnknownHostException e) {
      throw new ConfigException("'" + text + "' is not an IP address or CIDR range");
    }
    int bits = bytes.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(trimmed.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > bits) {
        throw new ConfigException("'" + text + "': the prefix length must be 0 to " + bits);
      }
    }
    return new Cidr(bytes, prefix);
  }

  public boolean contains(InetAddress address) {
    byte[] candidate = address.getAddress();
    if (candidate.length != network.length) {
      return false;
    }
    int shift = network.length * 8 - prefixLength;
    return new BigInteger(1, candidate)
        .shiftRight(shift)
        .equals(new BigInteger(1, network).shiftRight(shift));
  }
}
