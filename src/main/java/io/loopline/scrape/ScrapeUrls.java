package io.loopline.scrape;

import java.net.IDN;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * URL normalisation, so that one page has one spelling within a job: scheme and host in lower case
 * (international names in ASCII), default port and fragment dropped, an empty path made {@code /}, other
 * characters beyond ASCII percent-encoded as UTF-8. Only http and https are accepted, and at most
 * {@link #MAX_LENGTH} characters once normalised.
 */
final class ScrapeUrls {

  static final int MAX_LENGTH = 2048;

  private ScrapeUrls() {}

  /** The normal form of an absolute http(s) URL; {@link IllegalArgumentException} says why it is refused. */
  static URI normalise(String raw) {
    if (raw == null || raw.isBlank() || raw.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("not a URL of 1 to " + MAX_LENGTH + " characters");
    }
    try {
      return normalise(new URI(raw.trim()));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("malformed URL: " + e.getReason());
    }
  }

  static URI normalise(URI uri) {
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new IllegalArgumentException("only http and https URLs can be fetched");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("URLs with credentials are refused");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("the URL has no host");
    }
    host =
        host.startsWith("[") || plainAscii(host)
            ? host.toLowerCase(Locale.ROOT)
            : IDN.toASCII(host, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    int port = uri.getPort();
    if (port == 80 && scheme.equals("http") || port == 443 && scheme.equals("https")) {
      port = -1;
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery();
    StringBuilder out = new StringBuilder(scheme).append("://").append(host);
    if (port != -1) {
      out.append(':').append(port);
    }
    out.append(path);
    if (query != null) {
      out.append('?').append(query);
    }
    URI normal;
    try {
      normal = new URI(out.toString()).normalize();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("malformed URL: " + e.getReason());
    }
    // One spelling, in ASCII: characters beyond it percent-encoded as UTF-8.
    String ascii;
    try {
      ascii = normal.toASCIIString();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "malformed URL: not valid Unicode"); // a lone surrogate fails the JDK's encoder
    }
    if (ascii.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("longer than " + MAX_LENGTH + " characters");
    }
    return ascii.equals(normal.toString()) ? normal : URI.create(ascii);
  }

  /** {@code href} resolved against {@code base} and normalised, or null when it is no fetchable URL. */
  static URI resolve(URI base, String href) {
    try {
      return normalise(base.resolve(new URI(href.trim())));
    } catch (URISyntaxException | IllegalArgumentException e) {
      return null;
    }
  }

  /** The host a per-host limit and robots.txt apply to: the lower-case host name (or address). */
  static String host(URI uri) {
    return uri.getHost();
  }

  /** scheme://host[:port], where robots.txt lives. */
  static String origin(URI uri) {
    return uri.getScheme() + "://" + uri.getRawAuthority();
  }

  static int port(URI uri) {
    return uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
  }

  /** Path and query, as sent in the request line. */
  static String requestTarget(URI uri) {
    return uri.getRawQuery() == null
        ? uri.getRawPath()
        : uri.getRawPath() + "?" + uri.getRawQuery();
  }

  /**
   * A host that {@link IDN#toASCII} would return unchanged: ASCII only, no label over 63 characters. Most
   * links are; the JDK's IDN conversion cost a twentieth of a scrape's CPU.
   */
  static boolean plainAscii(String host) {
    int label = 0;
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c >= 0x80) {
        return false;
      }
      label = c == '.' ? 0 : label + 1;
      if (label > 63) {
        return false;
      }
    }
    return true;
  }
}
