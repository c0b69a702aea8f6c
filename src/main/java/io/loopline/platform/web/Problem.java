package io.loopline.platform.web;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An RFC 9457 problem: what went wrong, told to the client as {@code application/problem+json}.
 * Handlers fail their routing context with one ({@code ctx.fail(Problem.of(...).exception())}) and the
 * one failure handler writes it.
 */
public record Problem(int status, String type, String title, String detail, JsonArray errors) {

  /** Problem types are URNs documented in {@code docs/errors.md}. */
  public static final String TYPE_PREFIX = "urn:loopline:problem:";

  /** A problem of the given status, with the status's own name as its type. */
  public static Problem of(int status, String detail) {
    return new Problem(status, TYPE_PREFIX + slug(status), reason(status), detail, null);
  }

  /** A 400 whose {@code errors} name each invalid field: {@code {pointer, detail}}. */
  public static Problem validation(String detail, JsonArray errors) {
    return new Problem(400, TYPE_PREFIX + "validation", "Request is not valid", detail, errors);
  }

  /** Wraps this problem so that it can travel through {@code RoutingContext.fail}. */
  public ProblemException exception() {
    return new ProblemException(this);
  }

  JsonObject toJson(String instance) {
    JsonObject json =
        new JsonObject()
            .put("type", type)
            .put("title", title)
            .put("status", status)
            .put("detail", detail)
            .put("instance", instance);
    if (errors != null) {
      json.put("errors", errors);
    }
    return json;
  }

  public static JsonObject fieldError(String pointer, String detail) {
    return new JsonObject().put("pointer", pointer).put("detail", detail);
  }

  private static String reason(int status) {
    return HttpResponseStatus.valueOf(status).reasonPhrase();
  }

  private static String slug(int status) {
    return switch (status) {
      case 400 -> "bad-request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not-found";
      case 405 -> "method-not-allowed";
      case 409 -> "conflict";
      case 412 -> "precondition-failed";
      case 413 -> "payload-too-large";
      case 414 -> "uri-too-long";
      case 415 -> "unsupported-media-type";
      case 431 -> "headers-too-large";
      case 429 -> "too-many-requests";
      case 503 -> "unavailable";
      case 504 -> "timeout";
      case 500 -> "internal";
      case 505 -> "http-version-not-supported";
      default -> "http-" + status;
    };
  }

  /** Carries a {@link Problem} through Vert.x failure paths; no stack trace, it is not a bug. */
  public static final class ProblemException extends RuntimeException {
    private final Problem problem;

    ProblemException(Problem problem) {
      super(problem.detail(), null, false, false);
      this.problem = problem;
    }

    public Problem problem() {
      return problem;
    }
  }
}
