package io.loopline.platform.web;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.Json;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.json.schema.common.dsl.SchemaType;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatableRequest;
import java.util.HashMap;
import java.util.Map;

/**
 * Hands a request to the OpenAPI validator. It replaces vertx-openapi 5.0's own extraction, which has two
 * faults here: it URL-decodes query values that Vert.x already decoded (so {@code namePrefix=50%25} fails),
 * and it decodes every value as JSON first (so a string that looks like a number, {@code namePrefix=1.50},
 * becomes a number and fails its own {@code type: string}). Values are decoded once, and strings are given
 * as JSON string literals, which decode back to exactly what the client sent.
 */
public final class RequestReader implements RequestExtractor {

  private static final RequestParameter ABSENT = () -> null;

  @Override
  public Future<ValidatableRequest> extractValidatableRequest(
      RoutingContext ctx, Operation operation) {
    Map<String, RequestParameter> path = new HashMap<>();
    Map<String, RequestParameter> query = new HashMap<>();
    Map<String, RequestParameter> headers = new HashMap<>();
    for (Parameter parameter : operation.getParameters()) {
      switch (parameter.getIn()) {
        case PATH ->
            path.put(parameter.getName(), value(parameter, ctx.pathParam(parameter.getName())));
        case QUERY ->
            query.put(
                parameter.getName(), value(parameter, ctx.queryParams().get(parameter.getName())));
        case HEADER ->
            headers.put(
                parameter.getName(),
                value(parameter, ctx.request().getHeader(parameter.getName())));
        default -> {} // no cookie parameters in the contract
      }
    }
    RequestParameter body = ctx.body().buffer() == null ? ABSENT : ctx.body()::buffer;
    String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    return Future.succeededFuture(
        new ValidatableRequest() {
          @Override
          public String getContentType() {
            return contentType;
          }

          @Override
          public Map<String, RequestParameter> getCookies() {
            return Map.of();
          }

          @Override
          public Map<String, RequestParameter> getPathParameters() {
            return path;
          }

          @Override
          public Map<String, RequestParameter> getQuery() {
            return query;
          }

          @Override
          public Map<String, RequestParameter> getHeaders() {
            return headers;
          }

          @Override
          public RequestParameter getBody() {
            return body;
          }
        });
  }

  private static RequestParameter value(Parameter parameter, String decoded) {
    if (decoded == null) {
      return ABSENT;
    }
    String raw = parameter.getSchemaType() == SchemaType.STRING ? Json.encode(decoded) : decoded;
    return () -> raw;
  }
}
