package io.loopline.users;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /users} as a client uses it. */
class UsersIT {

  private static TestNode node;
  private static WebClient client;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    client = node.client();
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(node);
  }

  @Test
  void createReadChangeDelete() throws Exception {
    HttpResponse<Buffer> created =
        await(client.post("/users").sendJsonObject(user("ada@example.org", "Ada")));
    assertThat(created.statusCode()).isEqualTo(201);
    long id = created.bodyAsJsonObject().getLong("id");
    assertThat(created.getHeader("Location")).isEqualTo("/users/" + id);

    HttpResponse<Buffer> read = await(client.get("/users/" + id).send());
    assertThat(read.bodyAsJsonObject().getString("email")).isEqualTo("ada@example.org");
    assertThat(read.getHeader("ETag")).isEqualTo("\"1\"");
    assertThat(
            await(client.get("/users/" + id).putHeader("If-None-Match", "\"1\"").send())
                .statusCode())
        .isEqualTo(304);

    HttpResponse<Buffer> changed =
        await(
            client
                .patch("/users/" + id)
                .putHeader("If-Match", "\"1\"")
                .sendJsonObject(new JsonObject().put("name", "Ada Lovelace")));
    assertThat(changed.statusCode()).isEqualTo(200);
    assertThat(changed.bodyAsJsonObject().getString("name")).isEqualTo("Ada Lovelace");
    assertThat(changed.bodyAsJsonObject().getString("email")).isEqualTo("ada@example.org");
    assertProblem(
        await(
            client
                .patch("/users/" + id)
                .putHeader("If-Match", "\"1\"")
                .sendJsonObject(new JsonObject().put("name", "Lost"))),
        412);

    assertThat(
            await(client.delete("/users/" + id).putHeader("If-Match", "\"2\"").send()).statusCode())
        .isEqualTo(204);
    assertProblem(await(client.get("/users/" + id).send()), 404);
    try (Connection db = TestServers.jdbc(node.databaseUrl());
        ResultSet rows =
            db.createStatement().executeQuery("SELECT count(*) FROM users WHERE id = " + id)) {
      rows.next();
      assertThat(rows.getInt(1)).isZero();
    }
  }

  @Test
  void anEmailIsRegisteredOnceWhateverItsCase() {
    assertThat(
            await(client.post("/users").sendJsonObject(user("grace@example.org", "Grace")))
                .statusCode())
        .isEqualTo(201);

    JsonObject problem =
        assertProblem(
            await(client.post("/users").sendJsonObject(user("GRACE@example.org", "Other"))), 409);
    assertThat(problem.getString("detail")).contains("email");

    long other =
        await(client.post("/users").sendJsonObject(user("hopper@example.org", "Hopper")))
            .bodyAsJsonObject()
            .getLong("id");
    assertProblem(
        await(
            client
                .patch("/users/" + other)
                .sendJsonObject(new JsonObject().put("email", "Grace@Example.org"))),
        409);
  }

  @Test
  void badInputIs400WithPointers() {
    assertThat(
            assertProblem(
                    await(client.post("/users").sendJsonObject(user("not-an-email", "X"))), 400)
                .getJsonArray("errors")
                .getJsonObject(0)
                .getString("pointer"))
        .isEqualTo("/body/email");
    assertProblem(
        await(client.post("/users").sendJsonObject(new JsonObject().put("email", "a@b.co"))), 400);
    assertProblem(await(client.patch("/users/1").sendJsonObject(new JsonObject())), 400);
    assertThat(
            assertProblem(await(client.get("/users?limit=500").send()), 400)
                .getJsonArray("errors")
                .getJsonObject(0)
                .getString("pointer"))
        .isEqualTo("/query/limit");
    assertThat(
            assertProblem(await(client.get("/users?cursor=%7B%7D").send()), 400)
                .getJsonArray("errors")
                .getJsonObject(0)
                .getString("pointer"))
        .isEqualTo("/query/cursor");
  }

  @Test
  void pagesWalkEveryUserOnce() {
    List<Long> created = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      created.add(
          await(client.post("/users").sendJsonObject(user("page" + i + "@example.org", "P" + i)))
              .bodyAsJsonObject()
              .getLong("id"));
    }
    List<Long> seen = new ArrayList<>();
    String next = null;
    int pages = 0;
    do {
      // Seven users and whatever earlier tests of this class made: a cursor that never ends fails
      // here.
      assertThat(++pages).as("pages walked").isLessThanOrEqualTo(100);
      String uri = "/users?limit=3" + (next == null ? "" : "&cursor=" + next);
      JsonObject page = await(client.get(uri).send()).bodyAsJsonObject();
      assertThat(page.getJsonArray("users").size()).isLessThanOrEqualTo(3);
      page.getJsonArray("users").forEach(u -> seen.add(((JsonObject) u).getLong("id")));
      next = page.getString("next");
    } while (next != null);

    assertThat(seen).doesNotHaveDuplicates().isSorted().containsAll(created);
  }

  private static JsonObject user(String email, String name) {
    return new JsonObject().put("email", email).put("name", name);
  }
}
