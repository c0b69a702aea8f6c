package io.loopline.ops;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.Poll;
import io.loopline.support.Ports;
import io.loopline.support.Responses;
import io.loopline.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadinessIT {

  @Test
  void notReadyWhileARoleIsMissingAndTheBodySaysWhich() {
    try (TestNode node =
        TestNode.start(new JsonObject().put("roles", new JsonArray().add("http").add("cache")))) {
      HttpResponse<Buffer> response = await(node.client().get("/health/ready").send());

      assertThat(response.statusCode()).isEqualTo(503);
      Map<String, JsonObject> checks = Responses.checks(response.bodyAsJsonObject());
      assertThat(checks.get("cache").getString("status")).isEqualTo("UP");
      assertThat(checks.get("database").getString("status")).isEqualTo("DOWN");
      assertThat(checks.get("database").getJsonObject("data").getString("reason"))
          .isEqualTo("no persistence verticle is running");
      assertThat(checks.get("worker").getString("status")).isEqualTo("DOWN");
    }
  }

  @Test
  void readyButCacheDegradedWhileRedisDoesNotAnswer() throws Exception {
    try (Socket nothingListens = Ports.closed();
        TestNode node =
            TestNode.start(
                new JsonObject()
                    .put(
                        "redis",
                        new JsonObject()
                            .put("url", "redis://127.0.0.1:" + nothingListens.getLocalPort())
                            .put("timeoutMs", 300)))) {
      // The first report may be made before the first call to Redis has failed: wait for the
      // degraded one,
      // and assert on that very answer (a later request may reach another HTTP instance's older
      // report).
      HttpResponse<Buffer> response =
          Poll.value(
              "ready with a degraded cache",
              Duration.ofSeconds(30),
              () -> await(node.client().get("/health/ready").send()),
              r ->
                  r.statusCode() == 200
                      && "degraded"
                          .equals(
                              Responses.checks(r.bodyAsJsonObject())
                                  .get("cache")
                                  .getJsonObject("data")
                                  .getString("state")));

      assertThat(response.statusCode()).isEqualTo(200);
      Map<String, JsonObject> checks = Responses.checks(response.bodyAsJsonObject());
      assertThat(checks.get("cache").getString("status")).isEqualTo("UP");
      JsonObject cache = checks.get("cache").getJsonObject("data");
      assertThat(cache.getString("state")).isEqualTo("degraded");
      assertThat(cache.getString("reason"))
          .containsAnyOf("redis does not answer", "Redis is bypassed");
      assertThat(cache.getString("subscription")).isEqualTo("down");
      assertThat(checks.get("database").getString("status")).isEqualTo("UP");
    }
  }
}
