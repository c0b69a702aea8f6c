package io.loopline.support;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.Addresses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

/** Items as the cache tests use them: create one, read it, and read the version a response carries. */
public final class Items {

  private Items() {}

  /** Creates an item priced 1.00 and returns its id. */
  /** The Redis key of an item as this node's cache writes it: under its namespace and its database's identity. */
  public static String redisKey(TestNode node, long id) {
    JsonObject identity =
        await(
                node.vertx()
                    .eventBus()
                    .<JsonObject>request(Addresses.CACHE_IDENTITY, new JsonObject()))
            .body();
    return node.node().config().redis().namespace()
        + "db:"
        + identity.getString("identity")
        + ":item:"
        + id;
  }

  public static long create(TestNode node, String name) {
    HttpResponse<Buffer> created =
        await(
            node.client()
                .post("/items")
                .sendJsonObject(new JsonObject().put("name", name).put("price", "1.00")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getLong("id");
  }

  /** {@code GET /items/{id}}, which must answer 200. */
  public static HttpResponse<Buffer> read(TestNode node, long id) {
    HttpResponse<Buffer> response = await(node.client().get("/items/" + id).send());
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response;
  }

  /** The version a response carries, checked to agree between its ETag and its body. */
  public static int version(HttpResponse<Buffer> response) {
    int version = response.bodyAsJsonObject().getInteger("version");
    assertThat(response.getHeader("ETag")).isEqualTo("\"" + version + "\"");
    return version;
  }
}
