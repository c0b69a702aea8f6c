package io.loopline.platform.web;

import io.loopline.platform.observe.RequestIds;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorErrorType;
import io.vertx.openapi.validation.ValidatorException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns failures into {@code application/problem+json}: validation errors, HTTP
 * statuses raised by Vert.x Web, event-bus failures, and anything unexpected (500, logged, never shown).
 */
public final class Problems {

  static final String MEDIA_TYPE = "application/problem+json";
  private static final Logger log = LoggerFactory.getLogger(Problems.class);
  private static final Pattern BUS_FIELD =
      Pattern.compile("^([A-Za-z][\\w.]*): (.+)$", Pattern.DOTALL);
  private static final List<HttpMethod> METHODS =
      List.of(
          HttpMethod.GET,
          HttpMethod.HEAD,
          HttpMethod.POST,
          HttpMethod.PUT,
          HttpMethod.PATCH,
          HttpMethod.DELETE);

  private final OpenAPIContract contract;
  private final int retryAfterSeconds;

  public Problems(OpenAPIContract contract, int retryAfterSeconds) {
    this.contract = contract;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Failure handler for every route. */
  public void handleFailure(RoutingContext ctx) {
    if (ctx.failure() instanceof HttpClosedException || ctx.response().closed()) {
      // The client went away mid-request (or was cut off as too slow): nobody to answer, nothing
      // broken.
      log.debug(
          "client gone before the answer: {} {}", ctx.request().method(), RoutedPath.shown(ctx));
      return;
    }
    if (ctx.response().headWritten()) {
      log.warn(
          "failure after the response started: {} {}",
          ctx.request().method(),
          RoutedPath.shown(ctx),
          ctx.failure());
      ctx.response().reset();
      return;
    }
    send(ctx, toProblem(ctx));
  }

  /**
   * Error handler for 400 raised by the router itself before any route ran, such as a path whose
   * %-escapes cannot be decoded; a 400 that carries a known failure is described as usual.
   */
  public void badRequest(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    boolean known =
        failure instanceof Problem.ProblemException
            || failure instanceof HttpException
            || failure instanceof ReplyException;
    send(
        ctx,
        known
            ? toProblem(ctx)
            : Problem.of(
                400, "The request could not be read (a %-escape in the path is not valid)"));
  }

  /** Error handler for 404: no route matches the path. */
  public void notFound(RoutingContext ctx) {
    send(ctx, Problem.of(404, "No resource at " + RoutedPath.shown(ctx)));
  }

  /** Error handler for 405: the path exists, the method does not; {@code Allow} lists those that do. */
  public void methodNotAllowed(RoutingContext ctx) {
    String allow = allowedMethods(RoutedPath.shown(ctx));
    ctx.response().putHeader(HttpHeaders.ALLOW, allow);
    send(
        ctx,
        Problem.of(
            405,
            ctx.request().method()
                + " is not allowed on "
                + RoutedPath.shown(ctx)
                + "; allowed: "
                + allow));
  }

  /**
   * Requests the HTTP decoder could not read (a request line or headers over the limits, broken framing, a
   * version other than HTTP/1.0 and 1.1, see {@link HttpVersions}):
   * answered here, outside the router, as problem+json; Vert.x then closes the connection.
   */
  public static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    if (cause instanceof HttpVersions.Unsupported unsupported) {
      reject(request, Problem.of(505, unsupported.getMessage()));
      return;
    }
    int status =
        cause instanceof TooLongHttpLineException
            ? 414
            : cause instanceof TooLongHttpHeaderException ? 431 : 400;
    reject(
        request,
        Problem.of(
            status, status == 400 ? "The request is not valid HTTP" : defaultDetail(status)));
  }

  /** Answers a request the router cannot take (it throws on these), then closes the connection. */
  public static void reject(HttpServerRequest request, Problem problem) {
    HttpServerResponse response = request.response();
    SecurityHeaders.apply(response.headers());
    response
        .setStatusCode(problem.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, MEDIA_TYPE)
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(problem.toJson(null).encode());
  }

  public void send(RoutingContext ctx, Problem problem) {
    send(ctx, problem, null);
  }

  /** As {@link #send(RoutingContext, Problem)}, with extension members (RFC 9457 section 3.2) beside the standard ones. */
  public void send(RoutingContext ctx, Problem problem, JsonObject extensions) {
    if ((problem.status() == 503 || problem.status() == 429)
        && !ctx.response().headers().contains(HttpHeaders.RETRY_AFTER)) {
      ctx.response().putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(retryAfterSeconds));
    }
    JsonObject body = problem.toJson(RoutedPath.shown(ctx)).put("requestId", RequestIds.current());
    if (extensions != null) {
      extensions.forEach(member -> body.put(member.getKey(), member.getValue()));
    }
    ctx.response()
        .setStatusCode(problem.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, MEDIA_TYPE)
        .end(body.encode());
  }

  Problem toProblem(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof Problem.ProblemException pe) {
      return pe.problem();
    }
    if (failure instanceof HttpException http
        && http.getCause() instanceof ValidatorException invalid) {
      return validation(ctx, invalid);
    }
    if (failure instanceof HttpException http) {
      return http.getStatusCode() >= 500
          ? unexpected(ctx, http)
          : Problem.of(http.getStatusCode(), clientDetail(http));
    }
    if (failure instanceof ReplyException reply) {
      return reply.failureCode() == 400 && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
          ? busValidation(ctx, reply.getMessage())
          : fromBus(reply);
    }
    if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      // A handler refused the request with a client status (the CORS handler's 403 for an origin
      // not
      // allowed, say): the status stands; its exception is no server fault.
      log.debug(
          "{} on {} {}: {}",
          ctx.statusCode(),
          ctx.request().method(),
          RoutedPath.shown(ctx),
          String.valueOf(failure));
      return Problem.of(ctx.statusCode(), defaultDetail(ctx.statusCode()));
    }
    return unexpected(ctx, failure);
  }

  /**
   * Event-bus failures: a recipient's explicit code is an HTTP status; no handler means the role is not
   * running anywhere (503); no reply in time is a gateway timeout (504).
   */
  public static Problem fromBus(ReplyException reply) {
    return switch (reply.failureType()) {
      case TIMEOUT -> Problem.of(504, "A backend did not answer in time");
      case NO_HANDLERS -> Problem.of(503, "No node serves this right now");
      case RECIPIENT_FAILURE, ERROR -> {
        int code = reply.failureCode();
        if (code >= 400 && code < 500) {
          yield Problem.of(code, reply.getMessage());
        }
        // 5xx details come from backends: keep them in the log, not in the answer.
        log.warn("backend failure {}: {}", code, reply.getMessage());
        yield code == 503
            ? Problem.of(503, "A backend is unavailable")
            : Problem.of(500, "Internal error");
      }
    };
  }

  /**
   * A 400 from a backend names its field first ({@code "cursor: is malformed"}); the field becomes a
   * pointer into this request: a query parameter of the operation, else a body field.
   */
  private Problem busValidation(RoutingContext ctx, String message) {
    Matcher named = BUS_FIELD.matcher(message);
    if (!named.matches()) {
      return Problem.of(400, message);
    }
    String field = named.group(1).replaceFirst("^(changes|item)\\.", "");
    Operation operation = contract.findOperation(RoutedPath.shown(ctx), ctx.request().method());
    boolean inQuery =
        operation != null
            && operation.getParameters().stream()
                .anyMatch(p -> p.getIn() == Location.QUERY && p.getName().equals(field));
    String pointer = inQuery ? "/query/" + field : "/body/" + field.replace('.', '/');
    return Problem.validation(
        message, new JsonArray().add(Problem.fieldError(pointer, named.group(2))));
  }

  private Problem validation(RoutingContext ctx, ValidatorException invalid) {
    String message = invalid.getMessage();
    if (invalid.type() == ValidatorErrorType.UNSUPPORTED_VALUE_FORMAT && message.contains("body")) {
      String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
      return Problem.of(
          415,
          type == null
              ? "A Content-Type is required (application/json)"
              : "Content-Type " + type + " is not supported here");
    }
    String pointer = pointerFor(ctx, message);
    JsonArray errors = new JsonArray();
    if (invalid instanceof SchemaValidationException schema) {
      schemaErrors(pointer, schema.getOutputUnit(), errors);
    }
    if (errors.isEmpty()) {
      errors.add(Problem.fieldError(pointer, message));
      return Problem.validation(message, errors);
    }
    String fields =
        errors.stream()
            .map(e -> ((JsonObject) e).getString("pointer"))
            .distinct()
            .collect(Collectors.joining(", "));
    return Problem.validation("Not valid: " + fields, errors);
  }

  /**
   * One error per invalid field, pointing into the request ({@code /body/price}). The validator reports
   * every schema level it passed through; the deepest keyword says what is actually wrong.
   */
  private static void schemaErrors(String base, OutputUnit unit, JsonArray out) {
    Map<String, OutputUnit> deepest = new LinkedHashMap<>();
    for (OutputUnit error : unit.getErrors()) {
      if (error.getError() == null) {
        continue;
      }
      String location =
          error.getInstanceLocation() == null
              ? ""
              : error.getInstanceLocation().replaceFirst("^#", "");
      deepest.merge(base + location, error, (a, b) -> depth(b) > depth(a) ? b : a);
    }
    deepest.forEach((pointer, error) -> out.add(Problem.fieldError(pointer, describe(error))));
  }

  private static int depth(OutputUnit error) {
    return error.getKeywordLocation() == null ? 0 : error.getKeywordLocation().length();
  }

  private static String describe(OutputUnit error) {
    String keyword = error.getKeywordLocation() == null ? "" : error.getKeywordLocation();
    return keyword.endsWith("/additionalProperties") ? "is not a known field" : error.getError();
  }

  /** Which part of the request a validator message speaks of: {@code /path/id}, {@code /query/limit} or {@code /body}. */
  private String pointerFor(RoutingContext ctx, String message) {
    Operation operation = contract.findOperation(RoutedPath.shown(ctx), ctx.request().method());
    if (operation != null) {
      for (Parameter parameter : operation.getParameters()) {
        String in = parameter.getIn().name().toLowerCase(Locale.ROOT);
        Pattern mention =
            Pattern.compile(in + " parameter " + Pattern.quote(parameter.getName()) + "(?![\\w-])");
        if (mention.matcher(message).find()) {
          return "/" + in + "/" + parameter.getName();
        }
      }
    }
    return "/body";
  }

  /** Methods the contract has for this path; a 405 outside the contract comes from a static route (GET, HEAD). */
  private String allowedMethods(String path) {
    String allowed =
        METHODS.stream()
            .filter(m -> contract.findOperation(path, m) != null)
            .map(HttpMethod::name)
            .collect(Collectors.joining(", "));
    return allowed.isEmpty() ? "GET, HEAD" : allowed;
  }

  private static Problem unexpected(RoutingContext ctx, Throwable failure) {
    log.error("unhandled failure on {} {}", ctx.request().method(), RoutedPath.shown(ctx), failure);
    return Problem.of(500, "Internal error");
  }

  private static String clientDetail(HttpException http) {
    String payload = http.getPayload();
    return payload != null && !payload.isBlank() ? payload : defaultDetail(http.getStatusCode());
  }

  private static String defaultDetail(int status) {
    return switch (status) {
      case 413 -> "The request body is larger than this server accepts";
      case 414 -> "The request line (URI) is longer than this server accepts";
      case 431 -> "The request headers are larger than this server accepts";
      case 415 -> "This Content-Type is not supported here";
      default -> Problem.of(status, null).title();
    };
  }
}
