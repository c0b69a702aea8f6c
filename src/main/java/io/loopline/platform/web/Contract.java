package io.loopline.platform.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The HTTP contract, {@code openapi/loopline.yaml}: served as written at {@code /openapi.yaml}, and turned
 * into the router's routes and request validation.
 */
public record Contract(
    Buffer text, OpenAPIContract openApi, List<RequestBodies.Streamed> streamed) {

  public static final String PATH = "openapi/loopline.yaml";

  public static Future<Contract> load(Vertx vertx) {
    return vertx
        .fileSystem()
        .readFile(PATH)
        .compose(
            text -> {
              JsonObject contract = forRouter(text.toString());
              List<RequestBodies.Streamed> streamed = RequestBodies.streamed(contract);
              return OpenAPIContract.from(vertx, contract)
                  .map(openApi -> new Contract(text, openApi, streamed));
            });
  }

  /**
   * The contract as the router reads it. vertx-openapi 5.0 refuses response media types it cannot
   * validate, {@code application/problem+json} among them; responses are not validated here, so those
   * media types are dropped from the router's copy only. So are the security requirements: they tell
   * clients and {@code /docs} how to authenticate, and {@link Access} enforces them, with the anonymous
   * access and per-route scopes the router's own security handlers cannot express. An operation marked
   * {@code x-streamed-body} keeps its marker and loses its request body: its handler reads and checks the body
   * as it streams in ({@link RequestBodies}), in media types vertx-openapi 5.0 would refuse.
   */
  /**
   * The operations of the contract that no handler was mounted for: the HTTP verticle refuses to start
   * with any, so the contract and the routes cannot drift apart.
   */
  public static List<String> unmounted(RouterBuilder builder) {
    return builder.getRoutes().stream()
        .filter(route -> route.getHandlers().isEmpty())
        .map(route -> route.getOperation().getOperationId())
        .sorted()
        .toList();
  }

  static JsonObject forRouter(String yaml) {
    JsonObject contract =
        new JsonObject(toJsonMap(new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml)));
    JsonObject paths = contract.getJsonObject("paths", new JsonObject());
    for (String path : paths.fieldNames()) {
      JsonObject operations = paths.getJsonObject(path);
      for (String method : operations.fieldNames()) {
        if (operations.getValue(method) instanceof JsonObject operation) {
          dropUnsupportedContent(operation.getJsonObject("responses"));
          operation.remove("security");
          if (Boolean.TRUE.equals(operation.getValue(RequestBodies.STREAMED))) {
            operation.remove("requestBody");
          }
        }
      }
    }
    dropUnsupportedContent(
        contract.getJsonObject("components", new JsonObject()).getJsonObject("responses"));
    contract.remove("security");
    return contract;
  }

  private static void dropUnsupportedContent(JsonObject responses) {
    if (responses == null) {
      return;
    }
    for (String status : responses.fieldNames()) {
      JsonObject content = responses.getJsonObject(status).getJsonObject("content");
      if (content != null) {
        content.fieldNames().removeIf(type -> !MediaType.isMediaTypeSupported(type));
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> toJsonMap(Object yaml) {
    return (Map<String, Object>) normalise(yaml);
  }

  /** YAML keys such as response codes may load as integers; JSON keys are strings. */
  private static Object normalise(Object value) {
    if (value instanceof Map<?, ?> map) {
      JsonObject object = new JsonObject();
      map.forEach((k, v) -> object.put(String.valueOf(k), normalise(v)));
      return object.getMap();
    }
    if (value instanceof List<?> list) {
      JsonArray array = new JsonArray();
      list.forEach(v -> array.add(normalise(v)));
      return array.getList();
    }
    return value;
  }
}
