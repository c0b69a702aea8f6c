package io.loopline.platform.bus;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.contract.Addresses;
import io.loopline.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An HTTP-only node with stand-in peers on the event bus: how each kind of bus failure reaches a client.
 */
class BusFailuresIT {

  private static TestNode node;

  @BeforeAll
  static void start() {
    node =
        TestNode.start(
            new JsonObject()
                .put("roles", new JsonArray().add("http"))
                .put("http", new JsonObject().put("busTimeoutMs", 300)));
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(node);
  }

  @Test
  void noNodeWithTheRoleIs503WithRetryAfter() {
    HttpResponse<Buffer> response = await(node.client().get("/items/1").send());

    assertProblem(response, 503);
    assertThat(response.getHeader("Retry-After")).isEqualTo("5");
  }

  @Test
  void aPeerThatDoesNotAnswerInTimeIs504() {
    MessageConsumer<Object> silent =
        node.vertx().eventBus().consumer(Addresses.ITEMS_LIST, message -> {});
    try {
      await(silent.completion());
      long start = System.nanoTime();
      HttpResponse<Buffer> response = await(node.client().get("/items").send());

      assertProblem(response, 504);
      assertThat((System.nanoTime() - start) / 1_000_000).isBetween(290L, 5 * 300L + 1000L);
    } finally {
      await(silent.unregister());
    }
  }

  @Test
  void aPeerFailureCodeIsTheClientStatusButInternalsStayInside() {
    MessageConsumer<Object> failing =
        node.vertx()
            .eventBus()
            .consumer(
                Addresses.USERS_GET,
                message -> {
                  long id = ((JsonObject) message.body()).getLong("id");
                  if (id == 1) {
                    message.fail(404, "no user 1");
                  } else {
                    message.fail(500, "password=hunter2 in the connection string");
                  }
                });
    try {
      await(failing.completion());

      assertThat(
              assertProblem(await(node.client().get("/users/1").send()), 404).getString("detail"))
          .isEqualTo("no user 1");
      HttpResponse<Buffer> internal = await(node.client().get("/users/2").send());
      assertProblem(internal, 500);
      assertThat(internal.bodyAsString()).doesNotContain("hunter2");
    } finally {
      await(failing.unregister());
    }
  }
}
