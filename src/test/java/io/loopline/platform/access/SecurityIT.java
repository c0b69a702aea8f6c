package io.loopline.platform.access;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.loopline.platform.web.Contract;
import io.loopline.support.Cleanup;
import io.loopline.support.TestNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.net.RFC3986;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every spelling of a path is checked as the route it reaches. For each operation of the contract that is
 * not public (read from {@code openapi/loopline.yaml}, so a new route is covered without editing this test),
 * many spellings of its path that the router routes to it (dot segments raw and {@code %2e}-encoded in every
 * case after every public prefix, single-dot segments, encoded unreserved characters, doubled slashes) must
 * be refused as the plain path is, and spend the plain path's rate-limit class; over HTTP and, for WebSocket
 * operations, as an upgrade; on a node with {@code auth.required} true and one with false.
 */
class SecurityIT {

  private static final Set<String> METHODS = Set.of("get", "put", "post", "patch", "delete");

  /** A key of the right shape that no node ever issued. */
  private static final String MADE_UP_KEY = "ll_" + "Guessed".repeat(6) + "x";

  /** Public places outside the contract a path can start from (the contract's own are added below). */
  private static final List<String> PUBLIC_PREFIXES =
      List.of(
          "/metrics",
          "/openapi.yaml",
          "/docs",
          "/docs/index.html",
          "/favicon.ico",
          "/chat",
          "/chat/index.html");

  /** The above and the contract's own public routes. */
  private static final List<String> ALL_PUBLIC_PREFIXES =
      Stream.concat(PUBLIC_PREFIXES.stream(), publicContractPaths().stream()).toList();

  private static final List<String> DOT_DOTS =
      List.of("..", "%2e%2e", "%2E%2E", "%2e%2E", ".%2e", "%2e.", ".%2E", "%2E.");
  private static final List<String> DOTS = List.of(".", "%2e", "%2E");

  private static final Vertx vertx = Vertx.vertx();
  private static final HttpClient http =
      vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(8));

  /**
   * Where every request is made and its body read. Vert.x 5.0.7's client can lose the end of a response
   * whose {@code body()} is asked for on another thread than its connection's (eclipse-vertx/vert.x #6038,
   * fixed after 5.0.7): the request then never completes.
   */
  private static final Context clientLoop = vertx.getOrCreateContext();

  private static TestNode open;
  private static TestNode closed;
  private static final Map<TestNode, String> readKeys = new HashMap<>();

  /** One operation of the contract, as this test needs it. */
  record Operation(
      String id,
      HttpMethod method,
      String template,
      String path,
      boolean anonymous,
      boolean webSocket) {
    boolean needsMoreThanRead() {
      return method != HttpMethod.GET || !anonymous;
    }
  }

  /** What a client saw: the status and the rate-limit class it was counted in. */
  record Seen(int status, String policy) {
    @Override
    public String toString() {
      return status + (policy == null ? " (no budget spent)" : " (" + policy + ")");
    }
  }

  @BeforeAll
  static void start() {
    open = TestNode.start(new JsonObject().put("auth", new JsonObject().put("required", false)));
    closed = TestNode.start(new JsonObject().put("auth", new JsonObject().put("required", true)));
    for (TestNode node : List.of(open, closed)) {
      HttpResponse<Buffer> made =
          await(
              node.client()
                  .post("/admin/api-keys")
                  .putHeader("X-API-Key", TestNode.ADMIN_KEY)
                  .sendJsonObject(
                      new JsonObject()
                          .put("name", "reader")
                          .put("scopes", new JsonArray().add("read"))));
      assertThat(made.statusCode()).as(made.bodyAsString()).isEqualTo(201);
      readKeys.put(node, made.bodyAsJsonObject().getString("key"));
    }
  }

  @AfterAll
  static void stop() {
    Cleanup.run(
        () -> await(http.close()),
        () -> await(vertx.close()),
        () -> TestNode.closeAll(open, closed));
  }

  @TestFactory
  Stream<DynamicNode> everySpellingOfAProtectedPathIsCheckedAsThePathItself() {
    List<Operation> operations = protectedOperations();
    assertThat(operations)
        .extracting(Operation::id)
        .contains("createApiKey", "getItem", "chatSocket", "scrape");
    return Stream.of(open, closed)
        .map(
            node ->
                dynamicContainer(
                    "auth.required " + (node == closed),
                    operations.stream()
                        .map(
                            op ->
                                dynamicTest(
                                    op.method() + " " + op.template() + " (" + op.id() + ")",
                                    () -> checkEverySpelling(node, op)))));
  }

  @Test
  void theSpellingsAreWhatTheRouterRoutesAsThePath() {
    for (Operation op : protectedOperations()) {
      for (String spelling : spellings(op.path())) {
        assertThat(RFC3986.normalizePath(spelling)).as(spelling).isEqualTo(op.path());
      }
    }
  }

  /**
   * {@code POST /scrape} kept results under {@code scrape:<sha256(url)>} in the key space of {@code
   * /cache/{key}}: a PUT planted a result that the scraper then served as cached, and a GET read anyone's.
   */
  @Test
  void scrapeResultsCannotBePlantedOrReadThroughTheCacheApi() throws Exception {
    Vertx siteVertx = Vertx.vertx();
    try {
      var site =
          await(
              siteVertx
                  .createHttpServer()
                  .requestHandler(
                      request -> {
                        if (request.path().equals("/page")) {
                          request
                              .response()
                              .putHeader("Content-Type", "text/html")
                              .end("<html><head><title>The real title</title></head></html>");
                        } else {
                          request.response().setStatusCode(404).end();
                        }
                      })
                  .listen(0, "127.0.0.1"));
      String url = "http://127.0.0.1:" + site.actualPort() + "/page";
      String key =
          "scrape:"
              + HexFormat.of()
                  .formatHex(
                      MessageDigest.getInstance("SHA-256")
                          .digest(url.getBytes(StandardCharsets.UTF_8)));
      try (TestNode node =
          TestNode.start(
              new JsonObject()
                  .put(
                      "scrape", new JsonObject().put("allow", new JsonArray().add("127.0.0.1"))))) {
        JsonObject first = scrape(node, url);
        assertThat(first.getString("title")).isEqualTo("The real title");
        assertThat(first.getBoolean("cached", false)).isFalse();
        assertThat(scrape(node, url).getBoolean("cached")).as("the result is cached").isTrue();

        assertThat(await(node.client().get("/cache/" + key).send()).statusCode())
            .as("the cached result cannot be read through /cache")
            .isEqualTo(404);
        JsonObject planted =
            new JsonObject().put("url", url).put("status", 200).put("title", "Planted");
        assertThat(await(node.client().put("/cache/" + key).sendJsonObject(planted)).statusCode())
            .isEqualTo(200);

        JsonObject served = scrape(node, url);
        assertThat(served.getString("title"))
            .as("a value put through /cache is never a scrape result")
            .isEqualTo("The real title");
        assertThat(served.getBoolean("cached")).isTrue();
      }
    } finally {
      await(siteVertx.close());
    }
  }

  private static JsonObject scrape(TestNode node, String url) {
    HttpResponse<Buffer> answer =
        await(
            node.client()
                .post("/scrape")
                .sendJsonObject(new JsonObject().put("urls", new JsonArray().add(url))));
    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    return answer.bodyAsJsonObject().getJsonArray("results").getJsonObject(0);
  }

  private void checkEverySpelling(TestNode node, Operation op) {
    boolean keyRequired = node == closed || !op.anonymous();
    Seen plain = await(send(node, op.method(), op.path(), MADE_UP_KEY));
    assertThat(plain.status()).as("a made-up key on the plain path").isEqualTo(401);
    assertThat(plain.policy()).as("the plain path spends a budget").isNotNull();
    Seen plainWithoutKey =
        await(
            send(node, op.method(), keyRequired ? op.path() : op.path() + "?access_token=x", null));
    assertThat(plainWithoutKey).isEqualTo(plain);

    List<String> wrong = new ArrayList<>();
    Set<String> unanswered = java.util.concurrent.ConcurrentHashMap.newKeySet();
    List<Future<?>> checks = new ArrayList<>();
    for (String spelling : spellings(op.path())) {
      checks.add(
          expect(
              wrong,
              unanswered,
              "made-up key",
              spelling,
              send(node, op.method(), spelling, MADE_UP_KEY),
              plain));
      // Without a key: refused where a key is needed; elsewhere a key in the query string is
      // refused, which
      // shows the request was checked (and counted) without running the operation.
      checks.add(
          expect(
              wrong,
              unanswered,
              "no key",
              spelling,
              send(node, op.method(), keyRequired ? spelling : spelling + "?access_token=x", null),
              plain));
      if (op.needsMoreThanRead()) {
        checks.add(
            expect(
                wrong,
                unanswered,
                "read-only key",
                spelling,
                send(node, op.method(), spelling, readKeys.get(node)),
                new Seen(403, plain.policy())));
      }
      if (op.webSocket()) {
        String query = "?name=probe" + (keyRequired ? "" : "&access_token=x");
        checks.add(
            expect(
                wrong,
                unanswered,
                "upgrade, made-up key",
                spelling,
                upgrade(node, spelling + "?name=probe", MADE_UP_KEY),
                plain));
        checks.add(
            expect(
                wrong,
                unanswered,
                "upgrade, no key",
                spelling,
                upgrade(node, spelling + query, null),
                plain));
      }
    }
    try {
      await(Future.join(checks));
    } catch (IllegalStateException timedOut) {
      throw new AssertionError("no answer within 30 s to " + unanswered, timedOut);
    }
    assertThat(wrong)
        .as(
            "spellings of %s %s checked otherwise than the path itself (%s)",
            op.method(), op.path(), plain)
        .isEmpty();
  }

  private static Future<Seen> expect(
      List<String> wrong,
      Set<String> unanswered,
      String what,
      String spelling,
      Future<Seen> seen,
      Seen expected) {
    unanswered.add(what + ": " + spelling);
    return seen.andThen(
            result -> {
              unanswered.remove(what + ": " + spelling);
              Seen got = result.succeeded() ? result.result() : null;
              if (!expected.equals(got)) {
                synchronized (wrong) {
                  wrong.add(
                      what
                          + ": "
                          + spelling
                          + " -> "
                          + (got != null ? got : result.cause().toString()));
                }
              }
            })
        .otherwise((Seen) null);
  }

  /** A request as spelled, sent and answered on the client's one event loop (see {@link #http}). */
  private static Future<Seen> send(TestNode node, HttpMethod method, String uri, String key) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(method)
            .setHost("127.0.0.1")
            .setPort(node.port())
            .setURI(uri)
            .setIdleTimeout(20_000);
    if (key != null) {
      options.putHeader("X-API-Key", key);
    }
    Promise<Seen> seen = Promise.promise();
    clientLoop.runOnContext(
        v ->
            http.request(options)
                .compose(request -> request.send())
                .compose(
                    response ->
                        response
                            .body()
                            .map(
                                body ->
                                    new Seen(
                                        response.statusCode(),
                                        policy(response.getHeader("RateLimit-Policy")))))
                .onComplete(seen));
    return seen.future();
  }

  /** A WebSocket upgrade on a raw socket (a client library would normalize or refuse the path); on a worker. */
  private static Future<Seen> upgrade(TestNode node, String uri, String key) {
    return vertx.executeBlocking(
        () -> {
          try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", node.port()), 5000);
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(
                ("GET "
                        + uri
                        + " HTTP/1.1\r\nHost: 127.0.0.1:"
                        + node.port()
                        + "\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                        + (key == null ? "" : "X-API-Key: " + key + "\r\n")
                        + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead(socket.getInputStream());
            int status = Integer.parseInt(head.substring(9, 12));
            String policy =
                head.lines()
                    .filter(line -> line.toLowerCase(Locale.ROOT).startsWith("ratelimit-policy:"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse(null);
            return new Seen(status, policy(policy));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        false);
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
      String text = head.toString(StandardCharsets.ISO_8859_1);
      if (text.endsWith("\r\n\r\n")) {
        return text;
      }
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  /** The policy's name: {@code "read";q=600;w=60} is {@code read}. */
  private static String policy(String header) {
    return header == null ? null : header.substring(1, header.indexOf('"', 1));
  }

  /** Spellings that the router routes as {@code path} (checked by {@link #theSpellingsAreWhatTheRouterRoutesAsThePath}). */
  static List<String> spellings(String path) {
    Set<String> out = new LinkedHashSet<>();
    for (String prefix : ALL_PUBLIC_PREFIXES) {
      int depth = prefix.split("/").length - 1;
      for (String dotDot : DOT_DOTS) {
        out.add(prefix + ("/" + dotDot).repeat(depth) + path);
      }
      out.add(
          prefix
              + "//"
              + "../".repeat(depth + 1)
              + path.substring(1)); // a doubled slash (an empty segment) and raw dots
    }
    String[] segments = path.substring(1).split("/");
    for (String dot : DOTS) {
      for (int i = 0; i <= segments.length - 1; i++) {
        out.add(join(segments, i, dot));
      }
    }
    if (segments.length > 1) { // a detour through a segment and back, inside the path itself
      out.add("/" + segments[0] + "/elsewhere/%2e%2e" + path.substring(segments[0].length() + 1));
    }
    // Unreserved characters encoded: the first one, and every one in lower- and upper-case hex.
    out.add("/" + encode(segments[0].substring(0, 1), false) + path.substring(2));
    out.add(encodeEvery(path, false));
    out.add(encodeEvery(path, true));
    // Doubled slashes.
    out.add(path.replace("/", "//"));
    out.add(path.replaceFirst("/", "/./"));
    out.add("/" + String.join("//", segments));
    out.remove(path);
    return List.copyOf(out);
  }

  private static String join(String[] segments, int at, String inserted) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < segments.length; i++) {
      if (i == at) {
        out.append('/').append(inserted);
      }
      out.append('/').append(segments[i]);
    }
    return out.toString();
  }

  private static String encodeEvery(String path, boolean upperCase) {
    StringBuilder out = new StringBuilder();
    for (char c : path.toCharArray()) {
      out.append(c == '/' ? "/" : encode(String.valueOf(c), upperCase));
    }
    return out.toString();
  }

  private static String encode(String c, boolean upperCase) {
    String hex = HexFormat.of().toHexDigits((byte) c.charAt(0));
    return "%" + (upperCase ? hex.toUpperCase(Locale.ROOT) : hex);
  }

  // ---- the contract

  @SuppressWarnings("unchecked")
  private static Map<String, Object> contract() {
    try (InputStream in = SecurityIT.class.getClassLoader().getResourceAsStream(Contract.PATH)) {
      return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The contract's operations that need a key or a budget: every one whose security is not empty. */
  @SuppressWarnings("unchecked")
  static List<Operation> protectedOperations() {
    Map<String, Object> contract = contract();
    List<Map<String, Object>> defaultSecurity =
        (List<Map<String, Object>>) contract.get("security");
    Map<String, Object> parameters =
        (Map<String, Object>) ((Map<String, Object>) contract.get("components")).get("parameters");
    List<Operation> out = new ArrayList<>();
    ((Map<String, Map<String, Object>>) contract.get("paths"))
        .forEach(
            (template, item) ->
                item.forEach(
                    (method, value) -> {
                      if (!METHODS.contains(method)) {
                        return;
                      }
                      Map<String, Object> operation = (Map<String, Object>) value;
                      List<Map<String, Object>> security =
                          (List<Map<String, Object>>)
                              operation.getOrDefault("security", defaultSecurity);
                      if (security.isEmpty()) {
                        return; // public
                      }
                      List<Object> declared =
                          new ArrayList<>(
                              (List<Object>) item.getOrDefault("parameters", List.of()));
                      declared.addAll(
                          (List<Object>) operation.getOrDefault("parameters", List.of()));
                      String path = template;
                      for (Object p : declared) {
                        Map<String, Object> parameter = (Map<String, Object>) p;
                        if (parameter.containsKey("$ref")) {
                          String ref = (String) parameter.get("$ref");
                          parameter =
                              (Map<String, Object>)
                                  parameters.get(ref.substring(ref.lastIndexOf('/') + 1));
                        }
                        if ("path".equals(parameter.get("in"))) {
                          path =
                              path.replace(
                                  "{" + parameter.get("name") + "}",
                                  example((Map<String, Object>) parameter.get("schema")));
                        }
                      }
                      boolean webSocket =
                          ((Map<String, Object>) operation.get("responses")).containsKey("101");
                      out.add(
                          new Operation(
                              (String) operation.get("operationId"),
                              HttpMethod.valueOf(method.toUpperCase(Locale.ROOT)),
                              template,
                              path,
                              security.stream().anyMatch(Map::isEmpty),
                              webSocket));
                    }));
    return out;
  }

  /** The contract's public paths (security: []), which are public prefixes too. */
  @SuppressWarnings("unchecked")
  private static List<String> publicContractPaths() {
    List<String> out = new ArrayList<>();
    ((Map<String, Map<String, Object>>) contract().get("paths"))
        .forEach(
            (template, item) ->
                item.forEach(
                    (method, value) -> {
                      if (METHODS.contains(method)
                          && value instanceof Map<?, ?> operation
                          && operation.get("security") instanceof List<?> security
                          && security.isEmpty()
                          && !template.contains("{")) {
                        out.add(template);
                      }
                    }));
    return out;
  }

  private static String example(Map<String, Object> schema) {
    return switch (String.valueOf(schema.get("type"))) {
      case "integer" -> "1";
      case "number" -> "0";
      default -> "x";
    };
  }
}
