package io.loopline.platform.observe;

import io.loopline.platform.config.TracingSettings;
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
import java.time.Duration;

/** The OpenTelemetry SDK as the {@code tracing} section describes it: OTLP/HTTP export, W3C trace context. */
public final class Tracing {

  private Tracing() {}

  /** The SDK to trace with, or null when tracing is off. */
  public static OpenTelemetry fromSettings(TracingSettings tracing) {
    if (!tracing.enabled()) {
      return null;
    }
    OtlpHttpSpanExporter exporter =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(tracing.otlpEndpoint())
            .setTimeout(Duration.ofSeconds(10))
            .build();
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(
                        Resource.create(
                            Attributes.builder()
                                .put("service.name", tracing.serviceName())
                                .build())))
            .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(tracing.sampleRatio())))
            .addSpanProcessor(BatchSpanProcessor.builder(exporter).setMaxQueueSize(2048).build())
            .build();
    return OpenTelemetrySdk.builder()
        .setTracerProvider(provider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }
}
