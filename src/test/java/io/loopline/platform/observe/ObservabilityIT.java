package io.loopline.platform.observe;

import static io.loopline.support.Responses.assertProblem;
import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.loopline.contract.Addresses;
import io.loopline.contract.BusHeaders;
import io.loopline.support.LogCapture;
import io.loopline.support.Poll;
import io.loopline.support.TestNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** What an operator sees: metrics after traffic, a request id from client to log line, one trace per request. */
class ObservabilityIT {

  @Test
  void metricsCoverHttpByTemplatedRouteTheBusPoolsJvmAndLooplinesOwn() {
    JsonObject logTo =
        new JsonObject()
            .put(
                "jobs",
                new JsonObject().put("logPath", TestNode.tempDir().resolve("log.txt").toString()));
    try (TestNode node = TestNode.start(logTo)) {
      long id =
          await(
                  node.client()
                      .post("/items")
                      .sendJsonObject(new JsonObject().put("name", "metered").put("price", "1")))
              .bodyAsJsonObject()
              .getLong("id");
      for (int i = 0; i < 3; i++) {
        assertThat(await(node.client().get("/items/" + id).send()).statusCode()).isEqualTo(200);
      }
      assertThat(await(node.client().get("/items/987654").send()).statusCode()).isEqualTo(404);
      long job =
          await(
                  node.client()
                      .post("/log")
                      .sendJsonObject(new JsonObject().put("message", "metered")))
              .bodyAsJsonObject()
              .getLong("id");
      Poll.until(
          "job done",
          Duration.ofSeconds(30),
          () ->
              "done"
                  .equals(
                      await(node.client().get("/jobs/" + job).send())
                          .bodyAsJsonObject()
                          .getString("state")));

      HttpResponse<Buffer> scrape = await(node.client().get("/metrics").send());
      assertThat(scrape.statusCode()).isEqualTo(200);
      String metrics = scrape.bodyAsString();
      assertThat(metrics)
          .contains(
              "vertx_http_server_requests_total{code=\"200\",method=\"GET\",route=\"/items/:id\"}")
          .contains(
              "vertx_http_server_requests_total{code=\"404\",method=\"GET\",route=\"/items/:id\"}")
          .contains("vertx_http_server_response_time_seconds_bucket")
          .contains("vertx_eventbus_processed_total")
          .contains("vertx_pool_in_use{pool_name=\"loopline-pg\",pool_type=\"sql\"}")
          .contains("jvm_memory_used_bytes")
          .contains("jvm_gc_")
          .contains("loopline_cache_item_lookups_total{result=\"hit\",tier=\"near\"}")
          .contains("loopline_jobs_attempts_total{outcome=\"done\",type=\"log\"} 1.0")
          .contains("loopline_jobs{state=\"pending\"}")
          .contains("loopline_blocked_thread_warnings_total");
      // Series are per route template, never per id: an id in a label would make a series per item.
      assertThat(metrics).doesNotContain("/items/" + id).doesNotContain("/items/987654");
    }
  }

  @Test
  void aRequestIdTravelsFromTheClientThroughTheBusIntoTheLogAndBack() throws Exception {
    try (TestNode node =
            TestNode.start(new JsonObject().put("roles", new JsonArray().add("http")));
        LogCapture problems = new LogCapture("io.loopline.platform.web.Problems")) {
      AtomicReference<String> seenOnTheBus = new AtomicReference<>();
      MessageConsumer<Object> failing =
          node.vertx()
              .eventBus()
              .consumer(
                  Addresses.USERS_GET,
                  message -> {
                    seenOnTheBus.set(message.headers().get(BusHeaders.REQUEST_ID));
                    message.fail(500, "disk on fire");
                  });
      await(failing.completion());

      HttpResponse<Buffer> response =
          await(node.client().get("/users/5").putHeader("X-Request-Id", "req-42.a").send());

      JsonObject problem = assertProblem(response, 500);
      assertThat(response.getHeader("X-Request-Id")).isEqualTo("req-42.a");
      assertThat(problem.getString("requestId")).isEqualTo("req-42.a");
      assertThat(seenOnTheBus.get()).isEqualTo("req-42.a");
      ILoggingEvent line = problems.awaitEvent("disk on fire");
      assertThat(line.getMDCPropertyMap()).containsEntry("requestId", "req-42.a");

      HttpResponse<Buffer> anonymous = await(node.client().get("/health/live").send());
      assertThat(anonymous.getHeader("X-Request-Id")).matches("[0-9a-f]{32}");
      HttpResponse<Buffer> hostile =
          await(node.client().get("/health/live").putHeader("X-Request-Id", "x\"; DROP").send());
      assertThat(hostile.getHeader("X-Request-Id")).matches("[0-9a-f]{32}");
    }
  }

  @Test
  void oneTraceRunsFromTheClientsTraceparentThroughTheBusToPostgresql() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    JsonObject accessLog = new JsonObject().put("log", new JsonObject().put("access", true));
    try (TestNode node = TestNode.start(accessLog, sdk);
        LogCapture access = new LogCapture("io.loopline.access")) {
      long id =
          await(
                  node.client()
                      .post("/items")
                      .sendJsonObject(new JsonObject().put("name", "traced").put("price", "1")))
              .bodyAsJsonObject()
              .getLong("id");
      String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

      HttpResponse<Buffer> read =
          await(
              node.client()
                  .get("/users?limit=1")
                  .putHeader("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
                  .send());
      assertThat(read.statusCode()).isEqualTo(200);

      Poll.until(
          "server, bus and database spans in one trace",
          Duration.ofSeconds(10),
          () -> {
            List<SpanData> trace =
                spans.getFinishedSpanItems().stream()
                    .filter(s -> s.getTraceId().equals(traceId))
                    .toList();
            return trace.stream().anyMatch(s -> s.getKind() == SpanKind.SERVER)
                && trace.stream()
                    .anyMatch(
                        s ->
                            Addresses.USERS_LIST.equals(
                                s.getAttributes()
                                    .get(AttributeKey.stringKey("messaging.destination.name"))))
                && trace.stream()
                    .anyMatch(
                        s ->
                            s.getKind() == SpanKind.CLIENT
                                && s.getAttributes().asMap().keySet().stream()
                                    .anyMatch(k -> k.getKey().startsWith("db.")));
          });
      ILoggingEvent line = access.awaitEvent("GET /users 200");
      assertThat(line.getMDCPropertyMap())
          .containsEntry("traceId", traceId)
          .containsKey("requestId");
      assertThat(line.getKeyValuePairs())
          .anySatisfy(
              kv -> {
                assertThat(kv.key).isEqualTo("route");
                assertThat(kv.value).isEqualTo("/users");
              });
      assertThat(id).isPositive();
    } finally {
      sdk.close();
    }
  }
}
