package io.loopline.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Map;
import java.util.stream.Collectors;

/** What every test checks of an answer, said once. */
public final class Responses {

  private Responses() {}

  /** An RFC 9457 problem of this status, with no internals in it. */
  public static JsonObject assertProblem(HttpResponse<Buffer> response, int status) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = response.bodyAsJsonObject();
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("type")).startsWith("urn:loopline:problem:");
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).isNotBlank();
    assertThat(response.bodyAsString()).doesNotContain("Exception").doesNotContain("\tat ");
    return problem;
  }

  /** The checks of a health report, by id. */
  public static Map<String, JsonObject> checks(JsonObject health) {
    return health.getJsonArray("checks").stream()
        .map(c -> (JsonObject) c)
        .collect(Collectors.toMap(c -> c.getString("id"), c -> c));
  }
}
