package io.loopline.platform.observe;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/** The OpenTelemetry SDK as the {@code tracing} section describes it: OTLP/HTTP export, W3C trace context. */
public final class Tracing {

  private Tracing() {}

  /** The SDK to trace with, or null when tracing is off. */
  public static OpenTelemetry fromConfig(JsonObject tracing) {
    if (!tracing.getBoolean("enabled")) {
      return null;
    }
    OtlpHttpSpanExporter exporter =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(tracing.getString("otlpEndpoint"))
            .setTimeout(Duration.ofSeconds(10))
            .build();
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(
                        Resource.create(
                            Attributes.builder()
                                .put("service.name", tracing.getString("serviceName"))
                                .build())))
            .setSampler(
                Sampler.parentBased(Sampler.traceIdRatioBased(tracing.getDouble("sampleRatio"))))
            .addSpanProcessor(BatchSpanProcessor.builder(exporter).setMaxQueueSize(2048).build())
            .build();
    return OpenTelemetrySdk.builder()
        .setTracerProvider(provider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }
}
