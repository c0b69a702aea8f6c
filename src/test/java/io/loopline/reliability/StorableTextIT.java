package io.loopline.reliability;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.contract.StorableText;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Text PostgreSQL cannot store (U+0000, an unpaired surrogate) is refused where it comes in, with a 400
 * naming the field, on every resource that stores text over HTTP and on the event bus; nothing of the
 * request is stored. The key-value API, stored in Redis only, keeps such text.
 */
class StorableTextIT {

  private static final String NUL = "a\u0000b";
  private static TestNode node;
  private static long item;
  private static long user;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    item =
        await(
                node.client()
                    .post("/items")
                    .sendJsonObject(new JsonObject().put("name", "target").put("price", "1.00")))
            .bodyAsJsonObject()
            .getLong("id");
    user =
        await(
                node.client()
                    .post("/users")
                    .sendJsonObject(
                        new JsonObject().put("email", "t@example.org").put("name", "t")))
            .bodyAsJsonObject()
            .getLong("id");
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(node);
  }

  @Test
  void everyHttpWriteOfTextIsRefusedNamingTheFieldAndStoresNothing() throws Exception {
    Map<String, JsonObject> writes = new LinkedHashMap<>();
    writes.put(
        "POST /users /body/name", new JsonObject().put("email", "n@example.org").put("name", NUL));
    writes.put(
        "POST /users /body/email",
        new JsonObject().put("email", "n\u0000@example.org").put("name", "n"));
    writes.put("PATCH /users/" + user + " /body/name", new JsonObject().put("name", NUL));
    writes.put("POST /items /body/name", new JsonObject().put("name", NUL).put("price", "1.00"));
    writes.put(
        "POST /items /body/description",
        new JsonObject().put("name", "n").put("price", "1.00").put("description", NUL));
    writes.put(
        "PUT /items/" + item + " /body/name",
        new JsonObject().put("name", "lone \ud800 surrogate").put("price", "1.00"));
    writes.put(
        "PATCH /items/" + item + " /body/description", new JsonObject().put("description", NUL));
    writes.put("POST /log /body/message", new JsonObject().put("message", NUL));
    writes.put(
        "POST /chat/rooms/r/messages /body/text",
        new JsonObject().put("sender", "ada").put("text", NUL));
    writes.put(
        "POST /scrape-jobs /body/urls/1",
        new JsonObject()
            .put("urls", new JsonArray().add("http://127.0.0.2/").add("http://127.0.0.2/" + NUL)));
    writes.put(
        "POST /admin/api-keys /body/name",
        new JsonObject().put("name", NUL).put("scopes", new JsonArray().add("read")));
    for (Map.Entry<String, JsonObject> write : writes.entrySet()) {
      String[] target = write.getKey().split(" ");
      HttpResponse<Buffer> answer =
          await(
              node.client()
                  .request(HttpMethod.valueOf(target[0]), target[1])
                  .bearerTokenAuthentication(TestNode.ADMIN_KEY)
                  .sendJsonObject(write.getValue()));
      JsonObject problem = assertProblem(answer, 400);
      assertThat(problem.getString("type"))
          .as(write.getKey())
          .isEqualTo("urn:loopline:problem:validation");
      assertThat(problem.getJsonArray("errors").getJsonObject(0).getString("pointer"))
          .as(write.getKey())
          .isEqualTo(target[2]);
      assertThat(problem.getJsonArray("errors").getJsonObject(0).getString("detail"))
          .isEqualTo(StorableText.REASON);
    }
    try (Connection db = TestServers.jdbc(node.databaseUrl());
        Statement st = db.createStatement()) {
      assertThat(count(st, "SELECT count(*) FROM users")).isEqualTo(1);
      assertThat(count(st, "SELECT count(*) FROM items")).isEqualTo(1);
      assertThat(
              count(
                  st,
                  "SELECT count(*) FROM items WHERE name = 'target' AND description IS NULL AND version = 1"))
          .isEqualTo(1);
      assertThat(count(st, "SELECT count(*) FROM jobs")).isZero();
      assertThat(count(st, "SELECT count(*) FROM scrape_jobs")).isZero();
      assertThat(count(st, "SELECT count(*) FROM api_keys WHERE name NOT LIKE 'admin%'")).isZero();
    }
  }

  @Test
  void queryParametersAreCheckedToo() {
    JsonObject problem =
        assertProblem(
            await(node.client().get("/items").addQueryParam("namePrefix", NUL).send()), 400);
    assertThat(problem.getJsonArray("errors").getJsonObject(0).getString("pointer"))
        .isEqualTo("/query/namePrefix");
  }

  @Test
  void theKeyValueApiStoredInRedisKeepsAnyText() {
    HttpResponse<Buffer> put =
        await(node.client().put("/cache/nul").sendJsonObject(new JsonObject().put("v", NUL)));
    assertThat(put.statusCode()).as(put.bodyAsString()).isEqualTo(200);
    assertThat(await(node.client().get("/cache/nul").send()).bodyAsJsonObject().getString("v"))
        .isEqualTo(NUL);
  }

  @Test
  void busMessagesWithUnstorableTextAre400NamingTheField() {
    var bus = node.vertx().eventBus();
    Map<String, JsonObject> messages = new LinkedHashMap<>();
    messages.put(
        "name",
        messageTo(
            Addresses.USERS_CREATE,
            new JsonObject().put("email", "b@example.org").put("name", NUL)));
    messages.put(
        "changes.description",
        messageTo(
            Addresses.ITEMS_UPDATE,
            new JsonObject()
                .put("id", item)
                .put("changes", new JsonObject().put("description", NUL))));
    messages.put(
        "payload.message",
        messageTo(
            Addresses.JOBS_SUBMIT,
            new JsonObject()
                .put("type", "log")
                .put("payload", new JsonObject().put("message", NUL))));
    messages.put(
        "messages.0.text",
        messageTo(
            Addresses.CHAT_HISTORY_APPEND,
            new JsonObject()
                .put(
                    "messages",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("room", "r")
                                .put("seq", 1)
                                .put("id", "x")
                                .put("sender", "s")
                                .put("text", NUL)
                                .put("time", "2026-01-01T00:00:00Z")))));
    messages.put(
        "text",
        messageTo(
            Addresses.CHAT_SEND,
            new JsonObject().put("room", "r").put("sender", "ada").put("text", NUL)));
    messages.forEach(
        (field, message) -> {
          String address = message.getString("address");
          ReplyException refused =
              catchThrowableOfType(
                  ReplyException.class,
                  () ->
                      await(
                          bus.<JsonObject>request(address, message.getJsonObject("body"))
                              .map(Message::body)));
          assertThat(refused).as(address).isNotNull();
          assertThat(refused.failureCode()).as(address).isEqualTo(Failures.BAD_REQUEST);
          assertThat(refused.getMessage())
              .as(address)
              .isEqualTo(field + ": " + StorableText.REASON);
        });
  }

  private static JsonObject messageTo(String address, JsonObject body) {
    return new JsonObject().put("address", address).put("body", body);
  }

  private static long count(Statement st, String sql) throws Exception {
    try (ResultSet rows = st.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
