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
  @ValueSource(strings = {
      "127.0.0.1", "127.255.255.254", "::1",                                  // loopback
      "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",            // private
      "169.254.0.1", "fe80::1",                                              // link-local
      "169.254.169.254", "fd00:ec2::254", "100.100.100.200",                 // cloud metadata
      "224.0.0.1", "239.255.255.250", "ff02::1",                             // multicast
      "0.0.0.0", "0.1.2.3", "::",                                            // unspecified, this network
      "100.64.0.1", "100.127.255.254",                                       // carrier-grade NAT
      "fc00::1", "fd12:3456::1",                                             // unique local
      "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",       // IPv4-mapped
      "64:ff9b::a00:1", "255.255.255.255", "240.0.0.1", "198.18.0.1"})
  void nonPublicAddressesAreRefused(String address) {
    assertThat(reason(address)).as(address).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"93.184.215.14", "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "169.253.255.255",
      "2606:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8"})
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
    AddressClassifier guard = new AddressClassifier(List.of("127.0.0.2", "10.1.0.0/16", "intranet.local", "fd00::/8"));

    assertThat(guard.refusal("127.0.0.2", AddressClassifier.literal("127.0.0.2"))).isNull();
    assertThat(guard.refusal("127.0.0.1", AddressClassifier.literal("127.0.0.1"))).isEqualTo("loopback address");
    assertThat(guard.refusal("x", AddressClassifier.literal("10.1.200.3"))).isNull();
    assertThat(guard.refusal("x", AddressClassifier.literal("10.2.0.1"))).isNotNull();
    assertThat(guard.refusal("Intranet.Local", AddressClassifier.literal("192.168.0.5"))).isNull();
    assertThat(guard.refusal("x", AddressClassifier.literal("fd00:ec2::254"))).isNull();
    assertThat(guard.refusal("x", AddressClassifier.literal("8.8.8.8"))).isNull();
    // A mapped address is judged by the IPv4 address inside, and so are ranges.
    assertThat(guard.refusal("x", AddressClassifier.literal("::ffff:10.1.0.9"))).isNull();
    assertThat(new AddressClassifier(List.of()).refusal("x", AddressClassifier.literal("::ffff:127.0.0.2"))).isNotNull();
  }

  @Test
  void namesAreNeverResolved() {
    assertThatThrownBy(() -> AddressClassifier.literal("example.com")).isInstanceOf(IllegalArgumentException.class);
    assertThat(AddressClassifier.isLiteral("127.0.0.2")).isTrue();
    assertThat(AddressClassifier.isLiteral("1.2.3")).isFalse();
    assertThat(AddressClassifier.isLiteral("localhost")).isFalse();
  }

  @Test
  void urlsAreNormalised() {
    assertThat(ScrapeUrls.normalise("HTTP://Example.COM:80/a/../b?q=1#frag").toString()).isEqualTo("http://example.com/b?q=1");
    assertThat(ScrapeUrls.normalise("https://example.com").toString()).isEqualTo("https://example.com/");
    assertThat(ScrapeUrls.normalise("https://example.com:8443/").toString()).isEqualTo("https://example.com:8443/");
    assertThatThrownBy(() -> ScrapeUrls.normalise("ftp://example.com/")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ScrapeUrls.normalise("http://user:pw@example.com/")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ScrapeUrls.normalise("/relative")).isInstanceOf(IllegalArgumentException.class);
  }
}
