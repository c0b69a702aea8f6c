package io.loopline.roles;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The persistence addresses used directly, as another service on the bus would, without HTTP. */
class PersistenceBusIT {

  private static TestNode node;
  private static EventBus bus;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("roles", new JsonArray().add("persistence")));
    bus = node.vertx().eventBus();
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(node);
  }

  @Test
  void itemsRoundTripWithVersions() {
    JsonObject item =
        ask(Addresses.ITEMS_CREATE, new JsonObject().put("name", "Bus item").put("price", "7.5"));
    long id = item.getLong("id");
    assertThat(item.getString("price")).isEqualTo("7.50");
    assertThat(item.getJsonArray("tags")).isEmpty();

    JsonObject updated =
        ask(
            Addresses.ITEMS_UPDATE,
            new JsonObject()
                .put("id", id)
                .put("ifVersion", 1)
                .put("changes", new JsonObject().put("description", "via the bus")));
    assertThat(updated.getInteger("version")).isEqualTo(2);
    assertThat(ask(Addresses.ITEMS_GET, new JsonObject().put("id", id)).getString("description"))
        .isEqualTo("via the bus");
    Message<Buffer> encoded =
        await(bus.<Buffer>request(Addresses.ITEMS_GET_ENCODED, new JsonObject().put("id", id)));
    assertThat(encoded.headers().get(Addresses.VERSION_HEADER)).isEqualTo("2");
    assertThat(new JsonObject(encoded.body()))
        .isEqualTo(ask(Addresses.ITEMS_GET, new JsonObject().put("id", id)));

    assertThat(
            failure(
                    Addresses.ITEMS_REPLACE,
                    new JsonObject()
                        .put("id", id)
                        .put("ifVersion", 1)
                        .put("item", new JsonObject().put("name", "x").put("price", "1")))
                .failureCode())
        .isEqualTo(Failures.PRECONDITION_FAILED);
    assertThat(
            ask(Addresses.ITEMS_DELETE, new JsonObject().put("id", id).put("ifVersion", 2))
                .getLong("id"))
        .isEqualTo(id);
    assertThat(failure(Addresses.ITEMS_GET, new JsonObject().put("id", id)).failureCode())
        .isEqualTo(Failures.NOT_FOUND);
    assertThat(failure(Addresses.ITEMS_GET_ENCODED, new JsonObject().put("id", id)).failureCode())
        .isEqualTo(Failures.NOT_FOUND);
  }

  @Test
  void usersConflictOnEmail() {
    ask(
        Addresses.USERS_CREATE,
        new JsonObject().put("email", "bus@example.org").put("name", "Bus"));

    ReplyException taken =
        failure(
            Addresses.USERS_CREATE,
            new JsonObject().put("email", "BUS@example.org").put("name", "Again"));
    assertThat(taken.failureCode()).isEqualTo(Failures.CONFLICT);
    assertThat(ask(Addresses.USERS_LIST, new JsonObject().put("limit", 200)).getJsonArray("users"))
        .filteredOn(u -> ((JsonObject) u).getString("email").equalsIgnoreCase("bus@example.org"))
        .hasSize(1);
  }

  @Test
  void invalidMessagesAre400NamingTheField() {
    ReplyException price =
        failure(Addresses.ITEMS_CREATE, new JsonObject().put("name", "x").put("price", 1.1));
    assertThat(price.failureCode()).isEqualTo(Failures.BAD_REQUEST);
    assertThat(price.getMessage()).startsWith("price: ");

    assertThat(
            failure(
                    Addresses.ITEMS_CREATE,
                    new JsonObject().put("name", "x").put("price", "1").put("colour", "red"))
                .getMessage())
        .startsWith("colour: ");
    assertThat(failure(Addresses.ITEMS_GET, new JsonObject().put("id", "seven")).getMessage())
        .startsWith("id: ");
    assertThat(failure(Addresses.ITEMS_LIST, new JsonObject().put("sort", "colour")).getMessage())
        .startsWith("sort: ");
    assertThat(
            failure(Addresses.ITEMS_GET_MANY, new JsonObject().put("ids", new JsonArray()))
                .getMessage())
        .startsWith("ids: ");
    ReplyException notJson =
        catchThrowableOfType(
            ReplyException.class, () -> await(bus.request(Addresses.ITEMS_GET, "7")));
    assertThat(notJson.failureCode()).isEqualTo(Failures.BAD_REQUEST);
    assertThat(
            failure(Addresses.ITEMS_GET_ENCODED, new JsonObject().put("id", "seven")).getMessage())
        .startsWith("id: ");
    ReplyException encodedNotJson =
        catchThrowableOfType(
            ReplyException.class, () -> await(bus.request(Addresses.ITEMS_GET_ENCODED, "7")));
    assertThat(encodedNotJson.failureCode()).isEqualTo(Failures.BAD_REQUEST);
  }

  @Test
  void usersAreReadUpdatedAndDeletedWithVersions() {
    JsonObject user =
        ask(
            Addresses.USERS_CREATE,
            new JsonObject().put("email", "grace@example.org").put("name", "Grace"));
    long id = user.getLong("id");
    assertThat(user.getInteger("version")).isEqualTo(1);
    assertThat(user.fieldNames())
        .containsExactlyInAnyOrder("id", "email", "name", "version", "createdAt", "updatedAt");
    assertThat(ask(Addresses.USERS_GET, new JsonObject().put("id", id))).isEqualTo(user);
    assertThat(failure(Addresses.USERS_GET, new JsonObject().put("id", 999_999)).getMessage())
        .isEqualTo("no user 999999");

    JsonObject updated =
        ask(
            Addresses.USERS_UPDATE,
            new JsonObject()
                .put("id", id)
                .put("ifVersion", 1)
                .put("changes", new JsonObject().put("name", "Grace H.").put("email", null)));
    assertThat(updated.getInteger("version")).isEqualTo(2);
    assertThat(updated.getString("name")).isEqualTo("Grace H.");
    assertThat(updated.getString("email"))
        .as("a null change keeps the value")
        .isEqualTo("grace@example.org");
    ReplyException stale =
        failure(
            Addresses.USERS_UPDATE,
            new JsonObject()
                .put("id", id)
                .put("ifVersion", 1)
                .put("changes", new JsonObject().put("name", "Stale")));
    assertThat(stale.failureCode()).isEqualTo(Failures.PRECONDITION_FAILED);
    ask(
        Addresses.USERS_CREATE,
        new JsonObject().put("email", "taken@example.org").put("name", "Other"));
    assertThat(
            failure(
                    Addresses.USERS_UPDATE,
                    new JsonObject()
                        .put("id", id)
                        .put("changes", new JsonObject().put("email", "Taken@example.org")))
                .failureCode())
        .isEqualTo(Failures.CONFLICT);
    assertThat(
            failure(
                    Addresses.USERS_UPDATE,
                    new JsonObject().put("id", id).put("changes", new JsonObject()))
                .failureCode())
        .isEqualTo(Failures.BAD_REQUEST);
    assertThat(
            failure(
                    Addresses.USERS_UPDATE,
                    new JsonObject()
                        .put("id", id)
                        .put("changes", new JsonObject().put("colour", "red")))
                .getMessage())
        .startsWith("changes.colour: ");
    assertThat(
            failure(
                    Addresses.USERS_UPDATE,
                    new JsonObject()
                        .put("id", 999_999)
                        .put("changes", new JsonObject().put("name", "N")))
                .failureCode())
        .isEqualTo(Failures.NOT_FOUND);

    assertThat(
            failure(Addresses.USERS_DELETE, new JsonObject().put("id", id).put("ifVersion", 1))
                .failureCode())
        .isEqualTo(Failures.PRECONDITION_FAILED);
    assertThat(ask(Addresses.USERS_DELETE, new JsonObject().put("id", id).put("ifVersion", 2)))
        .isEqualTo(new JsonObject().put("id", id));
    assertThat(failure(Addresses.USERS_DELETE, new JsonObject().put("id", id)).failureCode())
        .isEqualTo(Failures.NOT_FOUND);
    assertThat(failure(Addresses.USERS_GET, new JsonObject().put("id", id)).failureCode())
        .isEqualTo(Failures.NOT_FOUND);
    assertThat(failure(Addresses.USERS_LIST, new JsonObject().put("limit", 201)).getMessage())
        .startsWith("limit: ");
    assertThat(failure(Addresses.USERS_LIST, new JsonObject().put("cursor", "!!")).getMessage())
        .startsWith("cursor: ");
  }

  @Test
  void itemsAreReadManyAndListedByTheDocumentedRules() {
    long a =
        ask(
                Addresses.ITEMS_CREATE,
                new JsonObject()
                    .put("name", "many-a")
                    .put("price", "3")
                    .put("tags", new JsonArray().add("x").add("x")))
            .getLong("id");
    long b =
        ask(Addresses.ITEMS_CREATE, new JsonObject().put("name", "many-b").put("price", "1.5"))
            .getLong("id");
    assertThat(ask(Addresses.ITEMS_GET, new JsonObject().put("id", a)).getJsonArray("tags"))
        .containsExactly("x");

    JsonObject many =
        ask(
            Addresses.ITEMS_GET_MANY,
            new JsonObject().put("ids", new JsonArray().add(b).add(999_999).add(a).add(b)));
    assertThat(many.getJsonArray("items"))
        .extracting(i -> ((JsonObject) i).getLong("id"))
        .containsExactly(b, a);
    assertThat(many.getJsonArray("missing")).containsExactly(999_999L);
    assertThat(
            failure(Addresses.ITEMS_GET_MANY, new JsonObject().put("ids", new JsonArray().add("1")))
                .getMessage())
        .isEqualTo("ids: each id must be a positive integer");

    JsonObject byPrice =
        ask(
            Addresses.ITEMS_LIST,
            new JsonObject().put("namePrefix", "many-").put("sort", "price").put("limit", 1));
    assertThat(byPrice.getJsonArray("items"))
        .extracting(i -> ((JsonObject) i).getLong("id"))
        .containsExactly(b);
    JsonObject second =
        ask(
            Addresses.ITEMS_LIST,
            new JsonObject()
                .put("namePrefix", "many-")
                .put("sort", "price")
                .put("limit", 1)
                .put("cursor", byPrice.getString("next")));
    assertThat(second.getJsonArray("items"))
        .extracting(i -> ((JsonObject) i).getLong("id"))
        .containsExactly(a);
    assertThat(second.getValue("next")).as("no empty page at the end").isNull();
    assertThat(
            failure(
                    Addresses.ITEMS_LIST,
                    new JsonObject().put("sort", "name").put("cursor", byPrice.getString("next")))
                .getMessage())
        .isEqualTo("cursor: was made for sort 'price', not 'name'");
    assertThat(ask(Addresses.ITEMS_LIST, new JsonObject().put("tag", "x")).getJsonArray("items"))
        .extracting(i -> ((JsonObject) i).getLong("id"))
        .containsExactly(a);

    JsonObject replaced =
        ask(
            Addresses.ITEMS_REPLACE,
            new JsonObject()
                .put("id", b)
                .put("item", new JsonObject().put("name", "many-b2").put("price", "2")));
    assertThat(replaced.getString("description")).isNull();
    assertThat(replaced.getInteger("version")).isEqualTo(2);
    assertThat(
            failure(
                    Addresses.ITEMS_REPLACE,
                    new JsonObject()
                        .put("id", 999_999)
                        .put("item", new JsonObject().put("name", "n").put("price", "1")))
                .failureCode())
        .isEqualTo(Failures.NOT_FOUND);
    assertThat(
            failure(
                    Addresses.ITEMS_UPDATE,
                    new JsonObject().put("id", b).put("changes", new JsonObject().putNull("price")))
                .getMessage())
        .isEqualTo("changes: name and price cannot be removed");
    assertThat(failure(Addresses.ITEMS_DELETE, new JsonObject().put("id", 999_999)).failureCode())
        .isEqualTo(Failures.NOT_FOUND);
  }

  @Test
  void apiKeysAreMadeListedLookedUpAndRevokedWithANotification() throws Exception {
    JsonObject key =
        ask(
            Addresses.API_KEYS_CREATE,
            new JsonObject().put("name", "bus key").put("scopes", new JsonArray().add("read")));
    long id = key.getLong("id");
    assertThat(key.fieldNames())
        .containsExactlyInAnyOrder(
            "id", "name", "scopes", "prefix", "createdAt", "revokedAt", "key");
    assertThat(key.getValue("revokedAt")).isNull();
    String secret = key.getString("key");
    assertThat(secret).startsWith(key.getString("prefix"));

    String hash =
        java.util.HexFormat.of()
            .formatHex(
                java.security.MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(ask(Addresses.API_KEYS_LOOKUP, new JsonObject().put("hash", hash)))
        .isEqualTo(
            new JsonObject()
                .put("id", id)
                .put("name", "bus key")
                .put("scopes", new JsonArray().add("read"))
                .put("revoked", false));
    assertThat(
            failure(Addresses.API_KEYS_LOOKUP, new JsonObject().put("hash", "0".repeat(64)))
                .failureCode())
        .isEqualTo(Failures.NOT_FOUND);

    JsonArray keys =
        ask(Addresses.API_KEYS_LIST, new JsonObject().put("limit", 200)).getJsonArray("keys");
    JsonObject listed =
        keys.stream()
            .map(JsonObject.class::cast)
            .filter(k -> Long.valueOf(id).equals(k.getLong("id")))
            .findFirst()
            .orElseThrow();
    assertThat(listed.containsKey("key")).as("never a secret in a list").isFalse();

    try (io.loopline.support.BusClient.Inbox revoked =
        new io.loopline.support.BusClient(bus).listen(Addresses.API_KEYS_REVOKED)) {
      JsonObject gone = ask(Addresses.API_KEYS_REVOKE, new JsonObject().put("id", id));
      assertThat(gone.getString("revokedAt")).isNotNull();
      assertThat(revoked.next(m -> Long.valueOf(id).equals(m.getLong("id"))))
          .isEqualTo(new JsonObject().put("id", id));
    }
    assertThat(
            ask(Addresses.API_KEYS_REVOKE, new JsonObject().put("id", id)).getString("revokedAt"))
        .as("revoking again changes nothing")
        .isNotNull();
    assertThat(
            ask(Addresses.API_KEYS_LOOKUP, new JsonObject().put("hash", hash))
                .getBoolean("revoked"))
        .isTrue();
    assertThat(
            failure(Addresses.API_KEYS_REVOKE, new JsonObject().put("id", 999_999)).failureCode())
        .isEqualTo(Failures.NOT_FOUND);
    assertThat(
            failure(
                    Addresses.API_KEYS_CREATE,
                    new JsonObject().put("name", "x").put("scopes", new JsonArray().add("root")))
                .failureCode())
        .isEqualTo(Failures.BAD_REQUEST);
    assertThat(
            failure(
                    Addresses.API_KEYS_CREATE,
                    new JsonObject().put("name", "").put("scopes", new JsonArray().add("read")))
                .failureCode())
        .isEqualTo(Failures.BAD_REQUEST);
    assertThat(failure(Addresses.API_KEYS_LIST, new JsonObject().put("cursor", "!!")).failureCode())
        .isEqualTo(Failures.BAD_REQUEST);
  }

  @Test
  void healthAndTheNodesAreAnswered() {
    assertThat(ask(Addresses.health(io.loopline.contract.Role.PERSISTENCE), new JsonObject()))
        .isEqualTo(new JsonObject().put("role", "persistence").put("database", "UP"));
    JsonObject nodes = ask(Addresses.CLUSTER_NODES, new JsonObject());
    String self = nodes.getString("self");
    JsonObject card =
        io.loopline.support.Poll.value(
            "this node's card",
            java.time.Duration.ofSeconds(30),
            () ->
                ask(Addresses.CLUSTER_NODES, new JsonObject()).getJsonArray("nodes").stream()
                    .map(JsonObject.class::cast)
                    .filter(n -> self.equals(n.getString("id")))
                    .findFirst()
                    .orElse(null),
            java.util.Objects::nonNull);
    assertThat(card.getJsonArray("roles")).contains("persistence");
    assertThat(card.getLong("pid")).isEqualTo(ProcessHandle.current().pid());
    JsonObject history = ask(Addresses.node(self), new JsonObject());
    assertThat(history.getString("node")).isEqualTo(self);
    assertThat(history.getLong("stepMs")).isPositive();
    JsonObject series = ask(Addresses.CLUSTER_SERIES, new JsonObject().put("node", self));
    assertThat(series.getString("self")).isEqualTo(self);
    assertThat(series.getJsonArray("nodes"))
        .extracting(n -> ((JsonObject) n).getString("node"))
        .containsExactly(self);
  }

  private static JsonObject ask(String address, JsonObject body) {
    return await(bus.<JsonObject>request(address, body).map(Message::body));
  }

  private static ReplyException failure(String address, JsonObject body) {
    return catchThrowableOfType(ReplyException.class, () -> ask(address, body));
  }
}
