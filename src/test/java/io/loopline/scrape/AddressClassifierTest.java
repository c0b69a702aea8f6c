package io.loopline.scrape;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SSRF guard's classifier, on literal addresses only: nothing is resolved, nothing connected. */
class AddressClassifierTest {

  private static String reason(String address) {
    return AddressClassifier.blockedReason(AddressClassifier.literal(address));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "127.255.255.254",
        "::1", // loopback
        "10.0.0.1",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1", // private
        "169.254.0.1",
        "fe80::1", // link-local
        "169.254.169.254",
        "fd00:ec2::254",
        "100.100.100.200", // cloud metadata
        "224.0.0.1",
        "239.255.255.250",
        "ff02::1", // multicast
        "0.0.0.0",
        "0.1.2.3",
        "::", // unspecified, this network
        "100.64.0.1",
        "100.127.255.254", // carrier-grade NAT
        "fc00::1",
        "fd12:3456::1", // unique local
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254", // IPv4-mapped
        "64:ff9b::a00:1",
        "255.255.255.255",
        "240.0.0.1",
        "198.18.0.1",
        "192.0.2.1",
        "198.51.100.7",
        "203.0.113.9",
        "192.88.99.1"
      }) // documentation, 6to4 relay
  void nonPublicAddressesAreRefused(String address) {
    assertThat(reason(address)).as(address).isNotNull();
  }

  /**
   * IPv6 forms that reach, or may be routed to, an IPv4 address, and the other special ranges: refused
   * whatever IPv4 address they carry, or (ISATAP) when the IPv4 address inside is refused.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "2002:a00:1::1",
        "2002:7f00:1::",
        "2002:a9fe:a9fe::1",
        "2002:808:808::1", // 6to4, private or not
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        "2001::1", // Teredo
        "64:ff9b::7f00:1",
        "64:ff9b::808:808",
        "64:ff9b:1::a00:1",
        "64:ff9b:1:ffff::1", // NAT64, well-known and local
        "::127.0.0.1",
        "::10.0.0.1",
        "::8.8.8.8", // IPv4-compatible (deprecated)
        "::ffff:0:127.0.0.1",
        "::ffff:0:a00:1", // IPv4-translated (SIIT)
        "2a00:1450:4001::5efe:7f00:1",
        "2a00:1450:4001::200:5efe:a00:1", // ISATAP around 127.0.0.1, 10.0.0.1
        "2a00:1450:4001::5efe:a9fe:a9fe", // ISATAP around the metadata address
        "100::1",
        "2001:2::1",
        "2001:10::1",
        "2001:20::1",
        "3fff::1",
        "5f00::1", // discard, benchmarking, ORCHID, docs, SRv6
        "fec0::1",
        "4000::1",
        "1000::1"
      }) // site-local, outside 2000::/3
  void ipv6FormsThatEmbedOrReachAnIpv4AddressAreRefused(String address) {
    assertThat(reason(address)).as(address).isNotNull();
  }

  @Test
  void ipv6RefusalsSayWhatTheAddressIs() {
    assertThat(reason("2002:a00:1::1")).isEqualTo("6to4 address");
    assertThat(reason("2001:0:4136:e378:8000:63bf:3fff:fdd2")).isEqualTo("Teredo address");
    assertThat(reason("64:ff9b:1::a00:1")).isEqualTo("NAT64 address (local use)");
    assertThat(reason("::127.0.0.1")).isEqualTo("IPv4-compatible address (deprecated)");
    assertThat(reason("2a00:1450:4001::5efe:7f00:1"))
        .isEqualTo("ISATAP address carrying a refused IPv4 address (loopback address)");
    // An ISATAP address around a public IPv4 address is an ordinary global address.
    assertThat(reason("2a00:1450:4001::5efe:808:808")).isNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "93.184.215.14",
        "8.8.8.8",
        "1.1.1.1",
        "172.32.0.1",
        "100.128.0.1",
        "169.253.255.255",
        "2606:4700::1111",
        "2a00:1450:4001::200e",
        "::ffff:8.8.8.8",
        "2003::1",
        "2001:4860:4860::8888"
      })
  void publicAddressesPass(String address) {
    assertThat(reason(address)).as(address).isNull();
  }

  @Test
  void metadataIsNamedAsSuch() {
    assertThat(reason("169.254.169.254")).isEqualTo("cloud metadata address");
    assertThat(reason("fd00:ec2::254")).isEqualTo("cloud metadata address");
    assertThat(reason("127.0.0.1")).isEqualTo("loopback address");
    assertThat(reason("10.1.2.3")).isEqualTo("private address");
  }

  @Test
  void theAllowlistOpensChosenAddressesRangesAndNamesOnly() {
    AddressClassifier guard =
        new AddressClassifier(List.of("127.0.0.2", "10.1.0.0/16", "intranet.local", "fd00::/8"));

    assertThat(guard.refusal("127.0.0.2", AddressClassifier.literal("127.0.0.2"))).isNull();
    assertThat(guard.refusal("127.0.0.1", AddressClassifier.literal("127.0.0.1")))
        .isEqualTo("loopback address");
    assertThat(guard.refusal("x", AddressClassifier.literal("10.1.200.3"))).isNull();
    assertThat(guard.refusal("x", AddressClassifier.literal("10.2.0.1"))).isNotNull();
    assertThat(guard.refusal("Intranet.Local", AddressClassifier.literal("192.168.0.5"))).isNull();
    assertThat(guard.refusal("x", AddressClassifier.literal("fd00:ec2::254"))).isNull();
    assertThat(guard.refusal("x", AddressClassifier.literal("8.8.8.8"))).isNull();
    // A mapped address is judged by the IPv4 address inside, and so are ranges.
    assertThat(guard.refusal("x", AddressClassifier.literal("::ffff:10.1.0.9"))).isNull();
    assertThat(
            new AddressClassifier(List.of())
                .refusal("x", AddressClassifier.literal("::ffff:127.0.0.2")))
        .isNotNull();
  }

  @Test
  void namesAreNeverResolved() {
    assertThatThrownBy(() -> AddressClassifier.literal("example.com"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(AddressClassifier.isLiteral("127.0.0.2")).isTrue();
    assertThat(AddressClassifier.isLiteral("1.2.3")).isFalse();
    assertThat(AddressClassifier.isLiteral("localhost")).isFalse();
  }

  @Test
  void urlsAreNormalised() {
    assertThat(ScrapeUrls.normalise("HTTP://Example.COM:80/a/../b?q=1#frag").toString())
        .isEqualTo("http://example.com/b?q=1");
    assertThat(ScrapeUrls.normalise("https://example.com").toString())
        .isEqualTo("https://example.com/");
    assertThat(ScrapeUrls.normalise("https://example.com:8443/").toString())
        .isEqualTo("https://example.com:8443/");
    assertThatThrownBy(() -> ScrapeUrls.normalise("ftp://example.com/"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ScrapeUrls.normalise("http://user:pw@example.com/"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ScrapeUrls.normalise("/relative"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
