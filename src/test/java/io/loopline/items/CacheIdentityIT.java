package io.loopline.items;

import static io.loopline.support.Items.create;
import static io.loopline.support.Items.read;
import static io.loopline.support.Items.version;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.loopline.support.Cleanup;
import io.loopline.support.Items;
import io.loopline.support.Poll;
import io.loopline.support.RedisProbe;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Cache entries are bound to the database they came from: deployments on two databases that share one Redis
 * namespace never read each other's items, and a restored database is never served versions it no longer holds.
 */
class CacheIdentityIT {

  @Test
  void twoDeploymentsOnOneRedisNamespaceNeverReadEachOthersItems() {
    TestNode a = null;
    TestNode b = null;
    try (RedisProbe redis = new RedisProbe()) {
      a = TestNode.start();
      b =
          TestNode.start(
              new JsonObject().put("redis", new JsonObject().put("namespace", a.redisNamespace())));
      assertThat(b.node().config().redis().namespace()).isEqualTo(a.redisNamespace());
      long idA = create(a, "from A");
      long idB = create(b, "from B");
      assertThat(idB).as("both databases number their first item alike").isEqualTo(idA);

      assertThat(read(a, idA).bodyAsJsonObject().getString("name")).isEqualTo("from A");
      String keyA = Items.redisKey(a, idA);
      redis.awaitValue(keyA, v -> v != null && v.contains("from A"), 5);
      assertThat(Items.redisKey(b, idB)).isNotEqualTo(keyA);

      for (int i = 0; i < 5; i++) {
        assertThat(read(b, idB).bodyAsJsonObject().getString("name")).isEqualTo("from B");
        assertThat(read(a, idA).bodyAsJsonObject().getString("name")).isEqualTo("from A");
      }
      // A write on one deployment changes nothing the other reads.
      HttpResponse<Buffer> written =
          await(
              a.client()
                  .patch("/items/" + idA)
                  .sendJsonObject(new JsonObject().put("name", "A again")));
      assertThat(written.statusCode()).as(written.bodyAsString()).isEqualTo(200);
      HttpResponse<Buffer> fromB = read(b, idB);
      assertThat(version(fromB)).isEqualTo(1);
      assertThat(fromB.bodyAsJsonObject().getString("name")).isEqualTo("from B");
      assertThat(read(a, idA).bodyAsJsonObject().getString("name")).isEqualTo("A again");
    } finally {
      Cleanup.closeAll(b, a);
    }
  }

  /** A real dump and restore ({@code pg_restore --clean} recreates the tables): running nodes notice by themselves. */
  @Test
  void aRestoredDatabaseIsNotServedTheVersionsWrittenAfterItsDump() throws Exception {
    assumeTrue(
        onPath("pg_dump") && onPath("pg_restore"),
        "pg_dump and pg_restore are needed for this test");
    JsonObject quickCheck =
        new JsonObject().put("cache", new JsonObject().put("identityCheckMs", 300));
    Path dump = Files.createTempFile("loopline-restore", ".dump");
    try (TestNode a = TestNode.start(quickCheck);
        TestNode b = TestNode.join(a, quickCheck);
        RedisProbe redis = new RedisProbe()) {
      long id = create(a, "dumped");
      assertThat(version(read(a, id))).isEqualTo(1);
      run(List.of("pg_dump", "--format=custom", "--file=" + dump, a.databaseUrl()));

      HttpResponse<Buffer> written =
          await(
              a.client()
                  .patch("/items/" + id)
                  .sendJsonObject(new JsonObject().put("name", "after the dump")));
      assertThat(version(written)).isEqualTo(2);
      assertThat(version(read(a, id))).isEqualTo(2);
      assertThat(version(read(b, id))).isEqualTo(2);
      String before = Items.redisKey(a, id);
      assertThat(redis.get(before))
          .as("Redis holds the version written after the dump")
          .startsWith("2|");

      run(
          List.of(
              "pg_restore",
              "--clean",
              "--if-exists",
              "--no-owner",
              "--dbname=" + a.databaseUrl(),
              dump.toString()));

      for (TestNode node : List.of(a, b)) {
        Poll.until(
            "the restored version on every node",
            Duration.ofSeconds(15),
            () -> version(read(node, id)) == 1);
      }
      assertThat(Items.redisKey(a, id)).isNotEqualTo(before);
      for (int i = 0; i < 5; i++) {
        for (TestNode node : List.of(a, b)) {
          HttpResponse<Buffer> read = read(node, id);
          assertThat(version(read)).isEqualTo(1);
          assertThat(read.bodyAsJsonObject().getString("name")).isEqualTo("dumped");
        }
      }
      assertThat(redis.get(before))
          .as("the old entry is still there, just never read")
          .startsWith("2|");
    } finally {
      Files.deleteIfExists(dump);
    }
  }

  /**
   * A restore that keeps the tables (rows rewound in place, say a data-only restore) is not noticed by itself:
   * the operator's call makes every node drop what it holds at once.
   */
  @Test
  void afterARestoreInPlaceTheOperatorsCallMakesEveryNodeForgetWhatItCached() throws Exception {
    JsonObject slowCheck =
        new JsonObject().put("cache", new JsonObject().put("identityCheckMs", 600_000));
    try (TestNode a = TestNode.start(slowCheck);
        TestNode b = TestNode.join(a, slowCheck)) {
      long id = create(a, "original");
      await(a.client().patch("/items/" + id).sendJsonObject(new JsonObject().put("name", "later")));
      assertThat(version(read(a, id))).isEqualTo(2);
      assertThat(version(read(b, id))).isEqualTo(2);

      try (Connection db = TestServers.jdbc(a.databaseUrl());
          Statement st = db.createStatement()) {
        st.executeUpdate("UPDATE items SET version = 1, name = 'original' WHERE id = " + id);
      }
      assertThat(version(read(b, id)))
          .as("without the call the cache still holds version 2")
          .isEqualTo(2);

      HttpResponse<Buffer> restored =
          await(
              a.client()
                  .post("/admin/cache/restored")
                  .bearerTokenAuthentication(TestNode.ADMIN_KEY)
                  .send());
      assertThat(restored.statusCode()).as(restored.bodyAsString()).isEqualTo(200);
      assertThat(restored.bodyAsJsonObject().getInteger("nodes"))
          .as("both nodes subscribed")
          .isEqualTo(2);

      // Node b hears it through Redis: poll only for the message to arrive, then every read is the
      // restored one.
      Poll.until(
          "node b read the restored version",
          Duration.ofSeconds(10),
          () -> version(read(b, id)) == 1);
      for (int i = 0; i < 5; i++) {
        for (TestNode node : List.of(a, b)) {
          HttpResponse<Buffer> read = read(node, id);
          assertThat(version(read)).isEqualTo(1);
          assertThat(read.bodyAsJsonObject().getString("name")).isEqualTo("original");
        }
      }
      HttpResponse<Buffer> anonymous = await(a.client().post("/admin/cache/restored").send());
      assertThat(anonymous.statusCode()).isEqualTo(401);
    }
  }

  private static boolean onPath(String program) {
    return List.of(System.getenv().getOrDefault("PATH", "").split(":")).stream()
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }

  private static void run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    boolean done = process.waitFor(60, TimeUnit.SECONDS);
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(done).as(command + " finished").isTrue();
    assertThat(process.exitValue()).as(command + ": " + output).isZero();
  }
}
