package io.loopline.platform.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RequestBodiesTest {

  @Test
  void theContractMarksTheUploadAsStreamedAndTheRouterCopyHasNoBodyForIt() throws Exception {
    JsonObject contract =
        Contract.forRouter(Files.readString(Path.of("src/main/resources", Contract.PATH)));
    List<RequestBodies.Streamed> streamed = RequestBodies.streamed(contract);
    assertThat(streamed).hasSize(1);
    assertThat(streamed.get(0).method()).isEqualTo(HttpMethod.POST);
    JsonObject upload =
        contract
            .getJsonObject("paths")
            .getJsonObject("/streams/{stream}/records")
            .getJsonObject("post");
    assertThat(upload.containsKey("requestBody")).isFalse();
  }

  @Test
  void streamedPathsMatchWhatTheRouterMatches() {
    // The router's pattern for /streams/:stream/records is "/streams/(?<p0>[^/]+)/records/?"
    // (vertx-web RouteImpl).
    Pattern pattern = RequestBodies.routerPattern("/streams/{stream}/records");
    assertThat(pattern.matcher("/streams/s1/records").matches()).isTrue();
    assertThat(pattern.matcher("/streams/s1/records/").matches()).isTrue();
    assertThat(pattern.matcher("/streams/a.b/records").matches()).isTrue();
    assertThat(pattern.matcher("/streams/s1/records/x").matches()).isFalse();
    assertThat(pattern.matcher("/streams//records").matches()).isFalse();
    assertThat(pattern.matcher("/streams/a/b/records").matches()).isFalse();
    assertThat(pattern.matcher("/streamsXs1/records").matches()).isFalse();
    assertThat(RequestBodies.routerPattern("/a.b/{x}").matcher("/aXb/1").matches())
        .as("literal parts are quoted")
        .isFalse();
  }
}
