package io.loopline;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.Poll;
import io.loopline.support.Responses;
import io.loopline.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With nothing configured, a node brings its own PostgreSQL and an in-process cache, and keeps its data. */
class EmbeddedDefaultIT {

  @TempDir Path dataDir;

  @Test
  void bootsWithNoServersConfiguredAndKeepsItsDataAcrossRestarts() throws Exception {
    try (TestNode node = TestNode.startEmbedded(dataDir)) {
      HttpResponse<Buffer> ready =
          Poll.value(
              "ready",
              Duration.ofSeconds(30),
              () -> await(node.client().get("/health/ready").send()),
              r -> r.statusCode() == 200);

      assertThat(ready.statusCode()).isEqualTo(200);
      Map<String, JsonObject> checks = Responses.checks(ready.bodyAsJsonObject());
      assertThat(checks.get("cache").getJsonObject("data").getString("backend"))
          .isEqualTo("in-process");
      assertThat(checks.get("database").getString("status")).isEqualTo("UP");
      assertThat(node.databaseUrl()).startsWith("postgresql://postgres@127.0.0.1:");
      try (Connection db = io.loopline.support.TestServers.jdbc(node.databaseUrl())) {
        db.createStatement()
            .execute("CREATE TABLE restart_probe(id int); INSERT INTO restart_probe VALUES (42)");
      }
    }
    assertThat(Files.exists(dataDir.resolve("postgres/PG_VERSION"))).isTrue();

    try (TestNode again = TestNode.startEmbedded(dataDir);
        Connection db = io.loopline.support.TestServers.jdbc(again.databaseUrl());
        ResultSet rows = db.createStatement().executeQuery("SELECT id FROM restart_probe")) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getInt(1)).isEqualTo(42);
    }
  }
}
