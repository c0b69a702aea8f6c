package io.loopline.roles;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.platform.config.LooplineConfig;
import io.loopline.platform.observe.RequestIds;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP role alone, in process, without a node, a database or Redis: the router is assembled from the
 * contract (the verticle refuses to start when an operation of the contract has no handler), and answers
 * what needs no other role.
 */
@ExtendWith(VertxExtension.class)
class HttpVerticleTest {

  static {
    RequestIds.register(); // before the extension builds its Vert.x instance, as the launcher does
  }

  @Test
  void routerAssembledFromTheContractAnswersAlone(Vertx vertx, VertxTestContext test) {
    JsonObject config =
        LooplineConfig.defaults()
            .with(
                new JsonObject()
                    .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0)))
            .sections(HttpVerticle.SECTIONS);
    HttpVerticle http = new HttpVerticle();
    WebClient client = WebClient.create(vertx);
    vertx
        .deployVerticle(http, new DeploymentOptions().setConfig(config))
        .compose(id -> client.get(http.actualPort(), "127.0.0.1", "/openapi.yaml").send())
        .compose(
            yaml -> {
              test.verify(
                  () -> {
                    assertThat(yaml.statusCode()).isEqualTo(200);
                    assertThat(yaml.bodyAsString()).contains("operationId:");
                  });
              return client.get(http.actualPort(), "127.0.0.1", "/no-such-route").send();
            })
        .onComplete(
            test.succeeding(
                missing ->
                    test.verify(
                        () -> {
                          assertThat(missing.statusCode()).isEqualTo(404);
                          assertThat(missing.getHeader("Content-Type"))
                              .startsWith("application/problem+json");
                          test.completeNow();
                        })));
  }
}
