package io.loopline.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopline.contract.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LooplineConfigTest {

  @TempDir Path dir;

  @Test
  void defaultsAreTheEmbeddedSingleNode() {
    LooplineConfig config = LooplineConfig.load(List.of(), Map.of(), dir);

    assertThat(config.roles()).containsExactlyInAnyOrder(Role.values());
    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.db().embedded()).isTrue();
    assertThat(config.redis().inProcess()).isTrue();
    assertThat(config.clusterEnabled()).isFalse();
    assertThat(config.dataDir()).isEqualTo(Path.of("./data"));
  }

  @Test
  void theScrapeAllowlistComesFromLooplineScrapeAllow() {
    LooplineConfig config =
        LooplineConfig.load(
            List.of(),
            Map.of(
                "LOOPLINE_SCRAPE_ALLOW", "127.0.0.2, intranet.example,10.0.0.0/8",
                "LOOPLINE_SCRAPE_PER_HOST_CONCURRENCY", "2"),
            dir);

    ScrapeSettings scrape = ScrapeSettings.from(config.sections("scrape"));
    assertThat(scrape.allow()).containsExactly("127.0.0.2", "intranet.example", "10.0.0.0/8");
    assertThat(scrape.perHostConcurrency()).isEqualTo(2);
    assertThat(ScrapeSettings.from(LooplineConfig.defaults().sections("scrape")).allow()).isEmpty();
    assertThat(ScrapeSettings.from(LooplineConfig.defaults().sections("scrape")).maxBodyBytes())
        .isEqualTo(5L * 1024 * 1024);
  }

  @Test
  void environmentVariablesOverrideTypedValues() {
    LooplineConfig config =
        LooplineConfig.load(
            List.of(),
            Map.of(
                "LOOPLINE_HTTP_PORT", "9090",
                "LOOPLINE_DB_URL", "postgresql://u:p@db:5433/app",
                "LOOPLINE_REDIS_URL", "redis://cache:6380",
                "LOOPLINE_ROLES", "http, cache",
                "LOOPLINE_CLUSTER_ENABLED", "true",
                "LOOPLINE_DATA_DIR", "/var/lib/loopline",
                "LOOPLINE_HTTP_MAX_BODY_SIZE", "2048",
                "PATH", "/usr/bin"),
            dir);

    assertThat(config.http().port()).isEqualTo(9090);
    assertThat(config.http().maxBodySize()).isEqualTo(2048);
    assertThat(config.db().url()).isEqualTo("postgresql://u:p@db:5433/app");
    assertThat(config.redis().url()).isEqualTo("redis://cache:6380");
    assertThat(config.roles()).containsExactlyInAnyOrder(Role.HTTP, Role.CACHE);
    assertThat(config.clusterEnabled()).isTrue();
    assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/loopline"));
  }

  @Test
  void accessSettingsComeFromTheirOwnVariables() {
    LooplineConfig config =
        LooplineConfig.load(
            List.of(),
            Map.of(
                "LOOPLINE_ADMIN_KEY", "an-admin-key-of-enough-length",
                "LOOPLINE_AUTH_REQUIRED", "true",
                "LOOPLINE_RATE_LIMIT_ANONYMOUS_READ_LIMIT", "42",
                "LOOPLINE_RATE_LIMIT_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1"),
            dir);

    assertThat(config.json().getJsonObject("admin").getString("key"))
        .isEqualTo("an-admin-key-of-enough-length");
    AccessSettings access = config.access();
    assertThat(access.authRequired()).isTrue();
    assertThat(access.anonymous().get("read")).isEqualTo(new AccessSettings.Quota(42, 60));
    assertThat(access.trustedProxies()).containsExactly("10.0.0.0/8", "192.168.1.1");
  }

  @Test
  void aBudgetOfNothingIsRefused() {
    assertThatThrownBy(
            () ->
                LooplineConfig.load(
                        List.of(), Map.of("LOOPLINE_RATE_LIMIT_KEYED_WRITE_LIMIT", "0"), dir)
                    .access())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rateLimit");
  }

  @Test
  void configFileOverridesEnvironmentAndLocalFileOverridesDefaults() throws IOException {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(
        dir.resolve("conf/loopline.yaml"), "http:\n  port: 7000\n  compression: false\n");
    Path file = dir.resolve("override.yaml");
    Files.writeString(file, "http:\n  port: 7001\n");

    LooplineConfig config =
        LooplineConfig.load(
            List.of("--config", file.toString()), Map.of("LOOPLINE_HTTP_PORT", "7002"), dir);

    assertThat(config.http().port()).isEqualTo(7001);
    assertThat(config.http().compression()).isFalse();
  }

  @Test
  void clusterFlagTurnsClusteringOn() {
    assertThat(LooplineConfig.load(List.of("--cluster"), Map.of(), dir).clusterEnabled()).isTrue();
  }

  @Test
  void typosAndBadValuesFailTheStart() throws IOException {
    Path file = dir.resolve("typo.yaml");
    Files.writeString(file, "http:\n  prot: 7001\n");

    assertThatThrownBy(
            () -> LooplineConfig.load(List.of("--config", file.toString()), Map.of(), dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.prot");
    assertThatThrownBy(() -> LooplineConfig.load(List.of(), Map.of("LOOPLINE_HTTP_PROT", "1"), dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("LOOPLINE_HTTP_PROT");
    assertThatThrownBy(
            () -> LooplineConfig.load(List.of(), Map.of("LOOPLINE_HTTP_PORT", "eighty"), dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("LOOPLINE_HTTP_PORT");
    assertThatThrownBy(
            () ->
                LooplineConfig.load(List.of(), Map.of("LOOPLINE_ROLES", "http,chef"), dir).roles())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("chef");
    Files.writeString(file, "http:\n  port: eighty\n");
    assertThatThrownBy(
            () -> LooplineConfig.load(List.of("--config", file.toString()), Map.of(), dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.port: expected a number");
    assertThatThrownBy(() -> LooplineConfig.load(List.of("--port"), Map.of(), dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--port");
  }

  @Test
  void everyKeyHasOneEnvironmentName() {
    assertThat(LooplineConfig.envName(List.of("http", "maxBodySize")))
        .isEqualTo("LOOPLINE_HTTP_MAX_BODY_SIZE");
    assertThat(LooplineConfig.envName(List.of("dataDir"))).isEqualTo("LOOPLINE_DATA_DIR");
  }
}
