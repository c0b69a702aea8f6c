package io.loopline.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class CidrTest {

  @Test
  void rangesContainTheirAddressesOnly() throws Exception {
    Cidr ten = Cidr.parse("10.0.0.0/8");
    Cidr one = Cidr.parse("192.168.1.7");
    Cidr ula = Cidr.parse("fd00::/8");

    assertThat(ten.contains(InetAddress.getByName("10.200.3.4"))).isTrue();
    assertThat(ten.contains(InetAddress.getByName("11.0.0.1"))).isFalse();
    assertThat(one.contains(InetAddress.getByName("192.168.1.7"))).isTrue();
    assertThat(one.contains(InetAddress.getByName("192.168.1.8"))).isFalse();
    assertThat(ula.contains(InetAddress.getByName("fd12::1"))).isTrue();
    assertThat(ula.contains(InetAddress.getByName("10.0.0.1"))).isFalse();
    assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("203.0.113.9"))).isTrue();
  }

  @Test
  void namesAndBadPrefixesAreRefused() {
    assertThatThrownBy(() -> Cidr.parse("proxy.internal")).isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> Cidr.parse("10.0.0/8")).isInstanceOf(ConfigException.class);
  }
}
