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
  void everySectionHasItsTypedRecord() {
    LooplineConfig config =
        LooplineConfig.load(
            List.of(),
            Map.of(
                "LOOPLINE_LOG_FORMAT", "json",
                "LOOPLINE_METRICS_ENABLED", "false",
                "LOOPLINE_TRACING_SAMPLE_RATIO", "0.25",
                "LOOPLINE_BRIDGE_ENABLED", "true",
                "LOOPLINE_SCRAPE_PARSER_THREADS", "3",
                "LOOPLINE_WORKER_POOL_SIZE", "6",
                "LOOPLINE_JOBS_SCHEDULE_POLL_MS", "250",
                "LOOPLINE_DATA_DIR", "/var/lib/loopline"),
            dir);

    assertThat(config.log().json()).isTrue();
    assertThat(config.metrics().enabled()).isFalse();
    assertThat(config.metrics().sampleMs()).isEqualTo(10_000);
    assertThat(config.tracing().enabled()).isFalse();
    assertThat(config.tracing().sampleRatio()).isEqualTo(0.25);
    assertThat(config.admin().key()).isEmpty();
    assertThat(config.bridge().enabled()).isTrue();
    assertThat(config.bridge().outbound()).containsExactly("loopline\\.jobs\\.available");
    assertThat(config.mqtt().enabled()).isFalse();
    assertThat(config.scrape().parserThreads()).isEqualTo(3);
    assertThat(config.worker().poolSize()).isEqualTo(6);
    assertThat(config.schedules().schedulePollMs()).isEqualTo(250);
    assertThat(config.jobs().logPath()).isEqualTo(Path.of("/var/lib/loopline", "log.txt"));
    assertThat(config.chat().maxFrameBytes()).isEqualTo(16384);
    assertThat(config.ingest().batchSize()).isEqualTo(2000);
  }

  @Test
  void aBadLogFormatOrAdminKeyIsRefusedAndTheKeyNeverPrinted() {
    assertThatThrownBy(
            () -> LooplineConfig.load(List.of(), Map.of("LOOPLINE_LOG_FORMAT", "xml"), dir).log())
        .isInstanceOf(ConfigException.class)
        .hasMessage("log.format: expected plain or json, got xml");
    assertThatThrownBy(
            () ->
                LooplineConfig.load(List.of(), Map.of("LOOPLINE_ADMIN_KEY", "short"), dir).admin())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("admin.key (LOOPLINE_ADMIN_KEY) must be 24 to");
    assertThat(new AdminSettings("an-admin-key-of-enough-length").toString())
        .doesNotContain("an-admin-key");
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
