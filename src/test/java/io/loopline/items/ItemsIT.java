package io.loopline.items;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.platform.web.ContractValidation;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /items} as a client uses it, checked against what PostgreSQL holds. */
class ItemsIT {

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
  void createAnswers201WithLocationAndETagAndStoresExactMoney() throws SQLException {
    HttpResponse<Buffer> created =
        post(
            new JsonObject()
                .put("name", "Widget")
                .put("price", "12.5")
                .put("tags", new JsonArray().add("tools")));

    assertThat(created.statusCode()).isEqualTo(201);
    JsonObject item = created.bodyAsJsonObject();
    assertThat(created.getHeader("Location")).isEqualTo("/items/" + item.getLong("id"));
    assertThat(created.getHeader("ETag")).isEqualTo("\"1\"");
    assertThat(item.getString("price")).isEqualTo("12.50");
    assertThat(item.getJsonArray("tags")).containsExactly("tools");
    assertThat(item.getValue("description")).isNull();
    try (Connection db = TestServers.jdbc(node.databaseUrl());
        ResultSet row =
            db.createStatement()
                .executeQuery(
                    "SELECT name, price, version FROM items WHERE id = " + item.getLong("id"))) {
      assertThat(row.next()).isTrue();
      assertThat(row.getString("name")).isEqualTo("Widget");
      assertThat(row.getBigDecimal("price")).isEqualTo(new BigDecimal("12.50"));
      assertThat(row.getInt("version")).isEqualTo(1);
    }
  }

  @Test
  void readGivesETagAndIfNoneMatchGives304() {
    long id = create("Readable", "1.00");

    HttpResponse<Buffer> read = await(client.get("/items/" + id).send());
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.getHeader("ETag")).isEqualTo("\"1\"");

    HttpResponse<Buffer> notModified =
        await(client.get("/items/" + id).putHeader("If-None-Match", "\"1\"").send());
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.body()).isNull();

    HttpResponse<Buffer> stale =
        await(client.get("/items/" + id).putHeader("If-None-Match", "\"7\"").send());
    assertThat(stale.statusCode()).isEqualTo(200);

    assertProblem(await(client.get("/items/999999999").send()), 404);
  }

  @Test
  void replaceAndPatchFollowIfMatch() {
    long id = create("Lamp", "30.00");

    HttpResponse<Buffer> replaced =
        await(
            client
                .put("/items/" + id)
                .putHeader("If-Match", "\"1\"")
                .sendJsonObject(
                    new JsonObject()
                        .put("name", "Desk lamp")
                        .put("price", "35")
                        .put("description", "LED")));
    assertThat(replaced.statusCode()).isEqualTo(200);
    assertThat(replaced.getHeader("ETag")).isEqualTo("\"2\"");
    assertThat(replaced.bodyAsJsonObject().getString("description")).isEqualTo("LED");

    assertProblem(
        await(
            client
                .put("/items/" + id)
                .putHeader("If-Match", "\"1\"")
                .sendJsonObject(new JsonObject().put("name", "Lost update").put("price", "1"))),
        412);
    assertProblem(
        await(
            client
                .patch("/items/" + id)
                .putHeader("If-Match", "W/\"2\"")
                .sendJsonObject(new JsonObject().put("price", "1"))),
        412);
    assertProblem(
        await(
            client
                .patch("/items/" + id)
                .putHeader("If-Match", "\"2\", \"3\"")
                .sendJsonObject(new JsonObject().put("price", "1"))),
        400);

    HttpResponse<Buffer> patched =
        await(
            client
                .patch("/items/" + id)
                .putHeader("If-Match", "\"2\"")
                .sendJsonObject(
                    new JsonObject()
                        .putNull("description")
                        .put("tags", new JsonArray().add("home"))));
    assertThat(patched.statusCode()).isEqualTo(200);
    JsonObject item = patched.bodyAsJsonObject();
    assertThat(item.getValue("description")).isNull();
    assertThat(item.getString("name")).isEqualTo("Desk lamp");
    assertThat(item.getString("price")).isEqualTo("35.00");
    assertThat(item.getJsonArray("tags")).containsExactly("home");
    assertThat(item.getInteger("version")).isEqualTo(3);

    // Without If-Match a write is unconditional.
    assertThat(
            await(client.patch("/items/" + id).sendJsonObject(new JsonObject().put("name", "Any")))
                .statusCode())
        .isEqualTo(200);
    assertProblem(
        await(client.patch("/items/999999999").sendJsonObject(new JsonObject().put("name", "x"))),
        404);
  }

  @Test
  void deleteFollowsIfMatchAndRemovesTheRow() throws SQLException {
    long id = create("Doomed", "2.00");

    assertProblem(await(client.delete("/items/" + id).putHeader("If-Match", "\"5\"").send()), 412);
    HttpResponse<Buffer> deleted =
        await(client.delete("/items/" + id).putHeader("If-Match", "\"1\"").send());
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertProblem(await(client.get("/items/" + id).send()), 404);
    assertProblem(await(client.delete("/items/" + id).send()), 404);
    assertThat(count("SELECT count(*) FROM items WHERE id = " + id)).isZero();
  }

  @Test
  void exactlyOneOfConcurrentWritersWithTheSameIfMatchWins() throws SQLException {
    long id = create("Contended", "10.00");

    List<Future<HttpResponse<Buffer>>> writes =
        IntStream.range(0, 100)
            .mapToObj(
                i ->
                    client
                        .patch("/items/" + id)
                        .putHeader("If-Match", "\"1\"")
                        .sendJsonObject(new JsonObject().put("name", "writer " + i)))
            .collect(Collectors.toList());
    await(Future.join(writes));

    Map<Integer, Long> statuses =
        writes.stream()
            .collect(Collectors.groupingBy(w -> w.result().statusCode(), Collectors.counting()));
    assertThat(statuses).isEqualTo(Map.of(200, 1L, 412, 99L));
    String winner =
        writes.stream()
            .map(Future::result)
            .filter(r -> r.statusCode() == 200)
            .findFirst()
            .orElseThrow()
            .bodyAsJsonObject()
            .getString("name");
    try (Connection db = TestServers.jdbc(node.databaseUrl());
        ResultSet row =
            db.createStatement().executeQuery("SELECT name, version FROM items WHERE id = " + id)) {
      assertThat(row.next()).isTrue();
      assertThat(row.getString("name")).isEqualTo(winner);
      assertThat(row.getInt("version")).isEqualTo(2);
    }
  }

  @Test
  void bulkReadAnswersInTheOrderAskedAndReportsMissingIds() {
    long a = create("Bulk A", "1.00");
    long b = create("Bulk B", "2.00");

    HttpResponse<Buffer> response =
        await(client.get("/items?ids=" + b + ",999999998," + a + "," + b).send());

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getJsonArray("items").stream().map(i -> ((JsonObject) i).getLong("id")))
        .containsExactly(b, a);
    assertThat(body.getJsonArray("missing").size()).isEqualTo(1);
    assertThat(body.getJsonArray("missing").getLong(0)).isEqualTo(999999998L);

    String tooMany =
        IntStream.rangeClosed(1, 501).mapToObj(String::valueOf).collect(Collectors.joining(","));
    assertThat(
            assertProblem(await(client.get("/items?ids=" + tooMany).send()), 400)
                .getJsonArray("errors")
                .getJsonObject(0)
                .getString("pointer"))
        .isEqualTo("/query/ids");
    assertThat(
            assertProblem(await(client.get("/items?ids=1&limit=5").send()), 400)
                .getJsonArray("errors")
                .getJsonObject(0)
                .getString("pointer"))
        .isEqualTo("/query/ids");
  }

  @Test
  void listingFiltersAndSorts() {
    String tag = "t" + System.nanoTime();
    create("flt 50% off", "5.00", tag);
    create("flt_cheap", "1.50", tag);
    create("flt dear", "99.99", tag);
    create("flt other", "3.00");

    assertThat(names("/items?tag=" + tag + "&sort=price"))
        .containsExactly("flt_cheap", "flt 50% off", "flt dear");
    List<String> byName = names("/items?tag=" + tag + "&sort=name");
    assertThat(byName).containsExactlyInAnyOrder("flt 50% off", "flt_cheap", "flt dear");
    List<String> reversed = new ArrayList<>(byName);
    java.util.Collections.reverse(reversed);
    assertThat(names("/items?tag=" + tag + "&sort=-name")).containsExactlyElementsOf(reversed);
    assertThat(names("/items?tag=" + tag + "&minPrice=2&maxPrice=99.99&sort=price"))
        .containsExactly("flt 50% off", "flt dear");
    // LIKE wildcards in the prefix are literal characters.
    assertThat(names("/items?namePrefix=flt%2050%25")).containsExactly("flt 50% off");
    assertThat(names("/items?namePrefix=flt_")).containsExactly("flt_cheap");
    // A prefix that looks like a number is still text.
    create("1.50 bargain", "1.50");
    assertThat(names("/items?namePrefix=1.50")).containsExactly("1.50 bargain");
    assertThat(
            assertProblem(await(client.get("/items?minPrice=1.234").send()), 400)
                .getJsonArray("errors")
                .getJsonObject(0)
                .getString("pointer"))
        .isEqualTo("/query/minPrice");
  }

  @Test
  void pagesVisitEveryRowOnceWhileRowsAreInserted() {
    String tag = "p" + System.nanoTime();
    Set<Long> before = new HashSet<>();
    for (int i = 0; i < 120; i++) {
      before.add(create("page " + i, i + ".00", tag));
    }

    List<Long> seen = new ArrayList<>();
    List<Future<HttpResponse<Buffer>>> inserts = new ArrayList<>();
    String next = null;
    int pages = 0;
    do {
      // Rows arrive while the client pages: each page races 10 new inserts.
      for (int i = 0; i < 10; i++) {
        inserts.add(
            client
                .post("/items")
                .sendJsonObject(
                    new JsonObject()
                        .put("name", "late")
                        .put("price", "1")
                        .put("tags", new JsonArray().add(tag))));
      }
      HttpRequest<Buffer> request =
          client.get("/items").addQueryParam("tag", tag).addQueryParam("limit", "25");
      if (next != null) {
        request.addQueryParam("cursor", next);
      }
      JsonObject page = await(request.send()).bodyAsJsonObject();
      page.getJsonArray("items").forEach(i -> seen.add(((JsonObject) i).getLong("id")));
      next = page.getString("next");
      pages++;
    } while (next != null && pages < 100);
    await(Future.join(inserts));

    assertThat(seen).doesNotHaveDuplicates().containsAll(before);
    assertThat(seen).isSorted();
  }

  @Test
  void badInputIs400WithAPointerAndNothingIsStored() throws SQLException {
    long before = count("SELECT count(*) FROM items");
    Map<JsonObject, String> cases =
        Map.of(
            new JsonObject().put("name", "x").put("price", 12.5), "/body/price",
            new JsonObject().put("name", "x").put("price", "-1"), "/body/price",
            new JsonObject().put("name", "x").put("price", "100000000000"), "/body/price",
            new JsonObject().put("name", "x").put("price", "1.234"), "/body/price",
            new JsonObject().put("name", "x".repeat(201)).put("price", "1"), "/body/name",
            new JsonObject().put("name", 42).put("price", "1"), "/body/name",
            new JsonObject().put("name", "x").put("price", "1").put("colour", "red"),
                "/body/colour",
            new JsonObject()
                    .put("name", "x")
                    .put("price", "1")
                    .put("tags", new JsonArray().add("Not A Tag")),
                "/body/tags/0",
            new JsonObject().put("price", "1"), "/body");

    cases.forEach(
        (body, pointer) -> {
          JsonObject problem = assertProblem(post(body), 400);
          assertThat(
                  problem.getJsonArray("errors").stream()
                      .map(e -> ((JsonObject) e).getString("pointer")))
              .as(body.encode())
              .contains(pointer);
        });
    assertProblem(
        await(
            client
                .post("/items")
                .putHeader("Content-Type", "application/json")
                .sendBuffer(Buffer.buffer("{\"name\":"))),
        400);
    assertProblem(await(client.get("/items?cursor=bm90LWEtY3Vyc29y").send()), 400);
    assertProblem(await(client.get("/items?sort=colour").send()), 400);
    assertProblem(await(client.get("/items/abc").send()), 400);
    assertProblem(await(client.get("/items/0").send()), 400);
    assertThat(count("SELECT count(*) FROM items")).isEqualTo(before);
  }

  @Test
  void bodiesOverTheInlineSizeAreValidatedTheSameWay() throws SQLException {
    long before = count("SELECT count(*) FROM items");
    // Over ContractValidation.INLINE_BODY_BYTES, validation runs on a worker thread: the answers
    // must not change.
    JsonObject tooLong =
        new JsonObject().put("name", "x").put("price", "1").put("description", "d".repeat(20_000));
    assertThat(tooLong.encode().length()).isGreaterThan(ContractValidation.INLINE_BODY_BYTES);

    JsonObject problem = assertProblem(post(tooLong), 400);

    assertThat(
            problem.getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("pointer")))
        .contains("/body/description");
    assertThat(count("SELECT count(*) FROM items")).isEqualTo(before);
    // A valid large body passes: 50 long URLs, all refused by the SSRF guard before any connection.
    JsonArray urls = new JsonArray();
    IntStream.range(0, 50).forEach(i -> urls.add("http://127.0.0.1:9/" + "p".repeat(400) + i));
    HttpResponse<Buffer> scraped =
        await(client.post("/scrape").sendJsonObject(new JsonObject().put("urls", urls)));
    assertThat(scraped.statusCode()).isEqualTo(200);
    assertThat(scraped.bodyAsJsonObject().getJsonArray("results"))
        .hasSize(50)
        .allSatisfy(
            r ->
                assertThat(((JsonObject) r).getJsonObject("error").getString("code"))
                    .isEqualTo("blocked"));
  }

  @Test
  void sqlMetaCharactersAreStoredAsText() throws SQLException {
    String name = "Robert'); DROP TABLE items; --";
    long id = create(name, "1.00");

    assertThat(await(client.get("/items/" + id).send()).bodyAsJsonObject().getString("name"))
        .isEqualTo(name);
    assertThat(count("SELECT count(*) FROM items WHERE id = " + id)).isEqualTo(1);
  }

  @Test
  void unsupportedMediaTypeIs415() {
    assertProblem(
        await(
            client
                .post("/items")
                .putHeader("Content-Type", "text/plain")
                .sendBuffer(Buffer.buffer("Widget"))),
        415);
  }

  private static HttpResponse<Buffer> post(JsonObject body) {
    return await(client.post("/items").sendJsonObject(body));
  }

  private static long create(String name, String price, String... tags) {
    HttpResponse<Buffer> response =
        post(
            new JsonObject()
                .put("name", name)
                .put("price", price)
                .put("tags", new JsonArray(List.of((Object[]) tags))));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject().getLong("id");
  }

  private static List<String> names(String uri) {
    HttpResponse<Buffer> response = await(client.get(uri).send());
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getJsonArray("items").stream()
        .map(i -> ((JsonObject) i).getString("name"))
        .toList();
  }

  private static long count(String sql) throws SQLException {
    try (Connection db = TestServers.jdbc(node.databaseUrl());
        ResultSet rows = db.createStatement().executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
