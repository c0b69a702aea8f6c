package io.loopline.platform.cluster;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.Addresses;
import io.loopline.support.BridgeClient;
import io.loopline.support.Ports;
import io.loopline.support.TestNode;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TCP event-bus bridge with its default allowlist (conf/loopline.yaml, docs/event-bus.md): each inbound
 * rule lets its addresses through with their replies, failures included; every other address is refused and
 * nothing runs; only the outbound address can be received.
 */
class BridgeIT {

  private static TestNode node;
  private static EventBus bus;
  private static int bridgePort;

  @BeforeAll
  static void start() {
    // The bridge cannot listen on port 0 and say where: a port free a moment ago, tried again if
    // taken.
    node =
        Ports.retryOnConflict(
            () -> {
              bridgePort = Ports.free();
              return TestNode.start(
                  new JsonObject()
                      .put("roles", new JsonArray().add("persistence"))
                      .put(
                          "bridge", new JsonObject().put("enabled", true).put("port", bridgePort)));
            });
    bus = node.vertx().eventBus();
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(node);
  }

  @Test
  void theReadsOfUsersAndItemsGoThroughWithTheirRepliesAndFailures() {
    long user =
        ask(
                Addresses.USERS_CREATE,
                new JsonObject().put("email", "bridged@example.org").put("name", "Bridged"))
            .getLong("id");
    long item =
        ask(Addresses.ITEMS_CREATE, new JsonObject().put("name", "bridged").put("price", "1.25"))
            .getLong("id");
    try (BridgeClient client = BridgeClient.connect(bridgePort)) {
      assertThat(
              body(client.request(Addresses.USERS_GET, new JsonObject().put("id", user)))
                  .getString("name"))
          .isEqualTo("Bridged");
      assertThat(
              body(client.request(Addresses.USERS_LIST, new JsonObject().put("limit", 200)))
                  .getJsonArray("users"))
          .extracting(u -> ((JsonObject) u).getString("email"))
          .contains("bridged@example.org");
      assertThat(
              body(client.request(Addresses.ITEMS_GET, new JsonObject().put("id", item)))
                  .getString("price"))
          .isEqualTo("1.25");
      assertThat(
              body(client.request(
                      Addresses.ITEMS_GET_MANY,
                      new JsonObject().put("ids", new JsonArray().add(item).add(999_999))))
                  .getJsonArray("missing"))
          .extracting(n -> ((Number) n).longValue())
          .containsExactly(999_999L);
      assertThat(
              body(client.request(
                      Addresses.ITEMS_LIST, new JsonObject().put("namePrefix", "bridged")))
                  .getJsonArray("items"))
          .hasSize(1);

      // A handler's failure reaches the bridge client as an err frame at its reply address, with
      // code and message.
      JsonObject missing = client.request(Addresses.USERS_GET, new JsonObject().put("id", 999_999));
      assertThat(missing.getString("type")).isEqualTo("err");
      assertThat(missing.getInteger("failureCode")).isEqualTo(404);
      assertThat(missing.getString("message")).isEqualTo("no user 999999");
      JsonObject invalid = client.request(Addresses.ITEMS_LIST, new JsonObject().put("limit", 0));
      assertThat(invalid.getInteger("failureCode")).isEqualTo(400);
      assertThat(invalid.getString("message")).startsWith("limit: ");
    }
  }

  @Test
  void jobsCanBeSubmittedAndReadAndTheirAvailabilityReceived() {
    try (BridgeClient client = BridgeClient.connect(bridgePort)) {
      client.register(Addresses.JOBS_AVAILABLE);
      JsonObject job =
          body(
              client.request(
                  Addresses.JOBS_SUBMIT,
                  new JsonObject()
                      .put("type", "log")
                      .put("payload", new JsonObject().put("message", "from the bridge"))));
      assertThat(job.getString("state")).isEqualTo("pending");

      // The outbound rule: the notification that a job is pending reaches the registered client.
      JsonObject available = client.read();
      assertThat(available.getString("type")).isEqualTo("message");
      assertThat(available.getString("address")).isEqualTo(Addresses.JOBS_AVAILABLE);
      assertThat(available.getJsonObject("body").getString("type")).isEqualTo("log");

      assertThat(
              body(client.request(
                      Addresses.JOBS_GET, new JsonObject().put("id", job.getLong("id"))))
                  .getLong("id"))
          .isEqualTo(job.getLong("id"));
      assertThat(
              body(client.request(Addresses.JOBS_LIST, new JsonObject().put("type", "log")))
                  .getJsonArray("jobs"))
          .extracting(j -> ((JsonObject) j).getLong("id"))
          .contains(job.getLong("id"));
      JsonObject unknown =
          client.request(
              Addresses.JOBS_SUBMIT,
              new JsonObject().put("type", "nope").put("payload", new JsonObject()));
      assertThat(unknown.getInteger("failureCode")).isEqualTo(400);
    }
  }

  @Test
  void streamsCanBeAppendedAndRead() {
    String stream = "bridge-" + System.nanoTime();
    try (BridgeClient client = BridgeClient.connect(bridgePort)) {
      JsonObject appended =
          body(
              client.request(
                  Addresses.STREAMS_APPEND,
                  new JsonObject()
                      .put("stream", stream)
                      .put(
                          "records",
                          new JsonArray()
                              .add(
                                  new JsonObject()
                                      .put("device", "d1")
                                      .put("time", "2026-01-01T00:00:00Z")
                                      .put("value", 1.5))
                              .add(
                                  new JsonObject()
                                      .put("device", "d1")
                                      .put("time", "2026-01-01T00:00:10Z")
                                      .put("value", 2.5)))));
      assertThat(appended.getInteger("accepted")).isEqualTo(2);
      assertThat(
              body(client.request(Addresses.STREAMS_GET, new JsonObject().put("stream", stream)))
                  .getLong("records"))
          .isEqualTo(2);
      assertThat(
              body(client.request(Addresses.STREAMS_LIST, new JsonObject().put("limit", 200)))
                  .getJsonArray("streams"))
          .extracting(s -> ((JsonObject) s).getString("name"))
          .contains(stream);
      assertThat(
              body(client.request(
                      Addresses.STREAMS_RECORDS, new JsonObject().put("stream", stream)))
                  .getJsonArray("records"))
          .hasSize(2);
      JsonObject series =
          body(
              client.request(
                  Addresses.STREAMS_SERIES,
                  new JsonObject()
                      .put("stream", stream)
                      .put("from", "2026-01-01T00:00:00Z")
                      .put("to", "2026-01-01T00:01:00Z")
                      .put("step", "1m")));
      assertThat(series.getJsonArray("buckets")).hasSize(1);
      assertThat(series.getJsonArray("buckets").getJsonObject(0).getInteger("count")).isEqualTo(2);
      assertThat(
              client
                  .request(Addresses.STREAMS_GET, new JsonObject().put("stream", stream + "-none"))
                  .getInteger("failureCode"))
          .isEqualTo(404);
    }
  }

  @Test
  void everyOtherAddressIsRefusedAndNothingRuns() {
    long item =
        ask(Addresses.ITEMS_CREATE, new JsonObject().put("name", "kept").put("price", "2.00"))
            .getLong("id");
    long user =
        ask(
                Addresses.USERS_CREATE,
                new JsonObject().put("email", "kept@example.org").put("name", "Kept"))
            .getLong("id");
    JsonObject job =
        ask(
            Addresses.JOBS_SUBMIT,
            new JsonObject()
                .put("type", "log")
                .put("payload", new JsonObject().put("message", "kept")));
    List<JsonObject> refused =
        List.of(
            send(
                Addresses.USERS_CREATE,
                new JsonObject().put("email", "intruder@example.org").put("name", "Intruder")),
            send(
                Addresses.USERS_UPDATE,
                new JsonObject()
                    .put("id", user)
                    .put("changes", new JsonObject().put("name", "Changed"))),
            send(Addresses.USERS_DELETE, new JsonObject().put("id", user)),
            send(
                Addresses.ITEMS_CREATE,
                new JsonObject().put("name", "intruder").put("price", "1.00")),
            send(
                Addresses.ITEMS_UPDATE,
                new JsonObject()
                    .put("id", item)
                    .put("changes", new JsonObject().put("name", "changed"))),
            send(
                Addresses.ITEMS_REPLACE,
                new JsonObject()
                    .put("id", item)
                    .put("item", new JsonObject().put("name", "x").put("price", "1"))),
            send(Addresses.ITEMS_DELETE, new JsonObject().put("id", item)),
            send(Addresses.JOBS_CANCEL, new JsonObject().put("id", job.getLong("id"))),
            send(Addresses.JOBS_RETRY, new JsonObject().put("id", job.getLong("id"))),
            send(
                Addresses.JOBS_CLAIM,
                new JsonObject()
                    .put("owner", "intruder")
                    .put("types", new JsonArray().add("log"))
                    .put("limit", 10)
                    .put("leaseMs", 60_000)),
            send(Addresses.JOBS_COUNTS, new JsonObject()),
            send(
                Addresses.API_KEYS_CREATE,
                new JsonObject()
                    .put("name", "intruder")
                    .put("scopes", new JsonArray().add("admin"))),
            send(Addresses.API_KEYS_LIST, new JsonObject()),
            send(Addresses.CACHE_GET, new JsonObject().put("key", "k")),
            send(Addresses.CACHE_INTERNAL_GET, new JsonObject().put("key", "k")),
            send(
                Addresses.CHAT_SEND,
                new JsonObject().put("room", "r").put("sender", "s").put("text", "t")),
            send(
                Addresses.SCRAPE_BATCH,
                new JsonObject().put("urls", new JsonArray().add("http://127.0.0.1/"))),
            send(Addresses.STREAMS_AFTER, new JsonObject().put("stream", "s")),
            send(Addresses.STREAMS_EXPORT, new JsonObject().put("stream", "s")),
            send(Addresses.STREAMS_ATOMIC, new JsonObject().put("stream", "s")),
            send(Addresses.CLUSTER_NODES, new JsonObject()),
            send("loopline.persistence.health", new JsonObject()),
            // The rules match whole addresses: a permitted name with more after it is another
            // address.
            send(Addresses.ITEMS_GET + ".more", new JsonObject().put("id", item)),
            send("x" + Addresses.ITEMS_GET, new JsonObject().put("id", item)));

    assertThat(refused)
        .allSatisfy(
            frame -> {
              assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("err");
              assertThat(frame.getString("message")).isEqualTo("access_denied");
              assertThat(frame.getValue("failureCode"))
                  .as("refused by the bridge, not failed by a handler")
                  .isNull();
            });
    assertThat(ask(Addresses.ITEMS_GET, new JsonObject().put("id", item)).getString("name"))
        .isEqualTo("kept");
    assertThat(ask(Addresses.USERS_GET, new JsonObject().put("id", user)).getString("name"))
        .isEqualTo("Kept");
    assertThat(
            ask(Addresses.JOBS_GET, new JsonObject().put("id", job.getLong("id")))
                .getString("state"))
        .isEqualTo("pending");
    assertThat(ask(Addresses.USERS_LIST, new JsonObject().put("limit", 200)).getJsonArray("users"))
        .noneMatch(u -> ((JsonObject) u).getString("email").equals("intruder@example.org"));
    assertThat(
            ask(Addresses.API_KEYS_LIST, new JsonObject().put("limit", 200)).getJsonArray("keys"))
        .noneMatch(k -> ((JsonObject) k).getString("name").equals("intruder"));
  }

  @Test
  void onlyTheOutboundAddressCanBeReceivedAndNothingCanBePublishedIn() {
    try (BridgeClient client = BridgeClient.connect(bridgePort)) {
      for (String address :
          List.of(
              Addresses.API_KEYS_REVOKED,
              Addresses.CACHE_ITEMS_INVALIDATED,
              Addresses.CHAT_EVENTS,
              Addresses.SCRAPE_PROGRESS,
              Addresses.ITEMS_GET,
              Addresses.USERS_CREATE)) {
        client.register(address);
        JsonObject refused = client.read();
        assertThat(refused.getString("type")).as(address).isEqualTo("err");
        assertThat(refused.getString("message")).as(address).isEqualTo("access_denied");
      }
      // A publish in is refused like a send, the outbound address included (it is not inbound).
      client.publish(Addresses.JOBS_AVAILABLE, new JsonObject().put("type", "log"));
      JsonObject refusedPublish = client.read();
      assertThat(refusedPublish.getString("type")).isEqualTo("err");
      assertThat(refusedPublish.getString("message")).isEqualTo("access_denied");

      // What is published on the refused addresses never reaches the client: the next frame it gets
      // is the
      // one published after them on the address it may receive.
      client.register(Addresses.JOBS_AVAILABLE);
      // A round trip after it: the bridge handles a connection's frames in order, so the client is
      // registered.
      body(client.request(Addresses.ITEMS_LIST, new JsonObject().put("limit", 1)));
      bus.publish(Addresses.API_KEYS_REVOKED, new JsonObject().put("id", 1));
      bus.publish(Addresses.CACHE_ITEMS_INVALIDATED, new JsonObject().put("id", 1));
      bus.publish(Addresses.SCRAPE_PROGRESS, new JsonObject().put("id", 1));
      ask(
          Addresses.JOBS_SUBMIT,
          new JsonObject()
              .put("type", "log")
              .put("payload", new JsonObject().put("message", "outbound")));
      JsonObject next = client.read();
      assertThat(next.getString("address")).isEqualTo(Addresses.JOBS_AVAILABLE);
      assertThat(next.getJsonObject("body").getString("type")).isEqualTo("log");
    }
  }

  /** Sends through a new bridge connection and returns the frame that answers. */
  private static JsonObject send(String address, JsonObject body) {
    try (BridgeClient client = BridgeClient.connect(bridgePort)) {
      return client.request(address, body);
    }
  }

  private static JsonObject body(JsonObject frame) {
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("message");
    assertThat(frame.getValue("failureCode")).as(frame.encode()).isNull();
    return frame.getJsonObject("body");
  }

  private static JsonObject ask(String address, JsonObject body) {
    return await(bus.<JsonObject>request(address, body).map(Message::body));
  }
}
