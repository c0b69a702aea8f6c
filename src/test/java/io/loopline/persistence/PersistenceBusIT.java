package io.loopline.persistence;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.support.TestNode;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.buffer.Buffer;
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
    JsonObject item = ask(Addresses.ITEMS_CREATE, new JsonObject().put("name", "Bus item").put("price", "7.5"));
    long id = item.getLong("id");
    assertThat(item.getString("price")).isEqualTo("7.50");
    assertThat(item.getJsonArray("tags")).isEmpty();

    JsonObject updated = ask(Addresses.ITEMS_UPDATE, new JsonObject().put("id", id).put("ifVersion", 1)
        .put("changes", new JsonObject().put("description", "via the bus")));
    assertThat(updated.getInteger("version")).isEqualTo(2);
    assertThat(ask(Addresses.ITEMS_GET, new JsonObject().put("id", id)).getString("description")).isEqualTo("via the bus");
    Message<Buffer> encoded = await(bus.<Buffer>request(Addresses.ITEMS_GET_ENCODED, new JsonObject().put("id", id)));
    assertThat(encoded.headers().get(Addresses.VERSION_HEADER)).isEqualTo("2");
    assertThat(new JsonObject(encoded.body())).isEqualTo(ask(Addresses.ITEMS_GET, new JsonObject().put("id", id)));

    assertThat(failure(Addresses.ITEMS_REPLACE, new JsonObject().put("id", id).put("ifVersion", 1)
        .put("item", new JsonObject().put("name", "x").put("price", "1"))).failureCode()).isEqualTo(Failures.PRECONDITION_FAILED);
    assertThat(ask(Addresses.ITEMS_DELETE, new JsonObject().put("id", id).put("ifVersion", 2)).getLong("id")).isEqualTo(id);
    assertThat(failure(Addresses.ITEMS_GET, new JsonObject().put("id", id)).failureCode()).isEqualTo(Failures.NOT_FOUND);
    assertThat(failure(Addresses.ITEMS_GET_ENCODED, new JsonObject().put("id", id)).failureCode()).isEqualTo(Failures.NOT_FOUND);
  }

  @Test
  void usersConflictOnEmail() {
    ask(Addresses.USERS_CREATE, new JsonObject().put("email", "bus@example.org").put("name", "Bus"));

    ReplyException taken = failure(Addresses.USERS_CREATE, new JsonObject().put("email", "BUS@example.org").put("name", "Again"));
    assertThat(taken.failureCode()).isEqualTo(Failures.CONFLICT);
    assertThat(ask(Addresses.USERS_LIST, new JsonObject().put("limit", 200)).getJsonArray("users")).hasSize(1);
  }

  @Test
  void invalidMessagesAre400NamingTheField() {
    ReplyException price = failure(Addresses.ITEMS_CREATE, new JsonObject().put("name", "x").put("price", 1.1));
    assertThat(price.failureCode()).isEqualTo(Failures.BAD_REQUEST);
    assertThat(price.getMessage()).startsWith("price: ");

    assertThat(failure(Addresses.ITEMS_CREATE, new JsonObject().put("name", "x").put("price", "1").put("colour", "red"))
        .getMessage()).startsWith("colour: ");
    assertThat(failure(Addresses.ITEMS_GET, new JsonObject().put("id", "seven")).getMessage()).startsWith("id: ");
    assertThat(failure(Addresses.ITEMS_LIST, new JsonObject().put("sort", "colour")).getMessage()).startsWith("sort: ");
    assertThat(failure(Addresses.ITEMS_GET_MANY, new JsonObject().put("ids", new JsonArray())).getMessage()).startsWith("ids: ");
    ReplyException notJson = catchThrowableOfType(ReplyException.class, () -> await(bus.request(Addresses.ITEMS_GET, "7")));
    assertThat(notJson.failureCode()).isEqualTo(Failures.BAD_REQUEST);
    assertThat(failure(Addresses.ITEMS_GET_ENCODED, new JsonObject().put("id", "seven")).getMessage()).startsWith("id: ");
    ReplyException encodedNotJson = catchThrowableOfType(ReplyException.class, () -> await(bus.request(Addresses.ITEMS_GET_ENCODED, "7")));
    assertThat(encodedNotJson.failureCode()).isEqualTo(Failures.BAD_REQUEST);
  }

  private static JsonObject ask(String address, JsonObject body) {
    return await(bus.<JsonObject>request(address, body).map(Message::body));
  }

  private static ReplyException failure(String address, JsonObject body) {
    return catchThrowableOfType(ReplyException.class, () -> ask(address, body));
  }
}
