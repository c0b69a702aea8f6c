package io.loopline.platform.web;

import io.loopline.contract.StorableText;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.handler.InputTrustHandler;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaValidationException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.Style;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatableRequest;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.openapi.validation.ValidationContext;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.analyser.ContentAnalyser;
import io.vertx.openapi.validation.impl.RequestParameterImpl;
import io.vertx.openapi.validation.impl.RequestValidatorImpl;
import io.vertx.openapi.validation.impl.ValidatedRequestImpl;
import io.vertx.openapi.validation.transformer.FormTransformer;
import io.vertx.openapi.validation.transformer.LabelTransformer;
import io.vertx.openapi.validation.transformer.MatrixTransformer;
import io.vertx.openapi.validation.transformer.ParameterTransformer;
import io.vertx.openapi.validation.transformer.SimpleTransformer;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Validates requests against the contract, as vertx-openapi's own validator does, with two costs of
 * vertx-openapi 5.0 taken away (measured, see docs/benchmarks):
 * <ul>
 *   <li>its schema repository builds a new validator for every value it checks, copying the lookup table of
 *       every schema in the contract each time (over half the CPU of a cached item read); here each
 *       schema's validator is built once, at start, and reused (validators are immutable);
 *   <li>it runs every validation on a worker thread, two thread hops per request; here a request is
 *       validated on its event loop, unless its body is large ({@link #INLINE_BODY_BYTES}), which still
 *       goes to a worker.
 * </ul>
 * The checks, the transformations and the exceptions are vertx-openapi's own (this extends its validator),
 * so answers are the same. {@link #mount} puts it in front of every operation in place of the router's
 * built-in validation handler.
 */
public final class ContractValidation extends RequestValidatorImpl {

  /**
   * The contract's mark ({@code x-loopline-any-text: true}) of an operation whose input is stored only in
   * Redis, which keeps any text: its input is not held to what PostgreSQL can store.
   */
  static final String ANY_TEXT = "x-loopline-any-text";

  /** Bodies up to this size are validated on the event loop; larger ones on a worker. */
  public static final int INLINE_BODY_BYTES = 16 * 1024;

  private final SchemaRepository schemas;
  private final Map<JsonSchema, Validator> validators = new IdentityHashMap<>();

  /** Path parameters whose schema is a positive int64 (ids): checked by a digit scan, not the schema validator. */
  private final Map<Parameter, Boolean> positiveIds = new IdentityHashMap<>();

  private final Map<Style, ParameterTransformer> transformers =
      new EnumMap<>(
          Map.of(
              Style.SIMPLE,
              new SimpleTransformer(),
              Style.LABEL,
              new LabelTransformer(),
              Style.MATRIX,
              new MatrixTransformer(),
              Style.FORM,
              new FormTransformer()));

  private ContractValidation(Vertx vertx, OpenAPIContract contract) {
    super(vertx, contract);
    this.schemas = contract.getSchemaRepository();
    for (Operation operation : contract.operations()) {
      operation
          .getParameters()
          .forEach(
              parameter -> {
                prepare(parameter.getSchema());
                positiveIds.put(parameter, isPositiveId(parameter));
              });
      if (operation.getRequestBody() != null) {
        operation
            .getRequestBody()
            .getContent()
            .values()
            .forEach(media -> prepare(media.getSchema()));
      }
    }
  }

  /**
   * Turns off the router's validation of every operation and puts this validation first instead; call
   * before any route adds its handlers. A valid request then has its text checked for what PostgreSQL
   * cannot store ({@link StorableText}), unless the contract marks the operation {@value #ANY_TEXT}.
   */
  public static void mount(
      Vertx vertx, OpenAPIContract contract, RouterBuilder builder, RequestExtractor extractor) {
    ContractValidation validation = new ContractValidation(vertx, contract);
    for (Operation operation : contract.operations()) {
      boolean anyText = Boolean.TRUE.equals(operation.getExtensions().get(ANY_TEXT));
      InputTrustHandler handler =
          ctx ->
              extractor
                  .extractValidatableRequest(ctx, operation)
                  .compose(request -> validation.validate(request, operation))
                  .onSuccess(
                      validated -> {
                        Problem refused = anyText ? null : unstorableText(validated);
                        if (refused != null) {
                          ctx.fail(refused.exception());
                          return;
                        }
                        ctx.put(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST, validated);
                        ctx.next();
                      })
                  .onFailure(
                      e ->
                          ctx.fail(
                              e instanceof ValidatorException
                                  ? new HttpException(400, e.getMessage(), e)
                                  : e));
      builder.getRoute(operation.getOperationId()).setDoValidation(false).addHandler(handler);
    }
  }

  /**
   * A 400 naming the first parameter or body field that holds text PostgreSQL cannot store
   * ({@code /body/text}, {@code /query/namePrefix}), or null.
   */
  static Problem unstorableText(ValidatedRequest request) {
    String pointer = firstRefused("/path/", request.getPathParameters());
    pointer = pointer != null ? pointer : firstRefused("/query/", request.getQuery());
    pointer = pointer != null ? pointer : firstRefused("/header/", request.getHeaders());
    if (pointer == null && request.getBody() != null && !request.getBody().isNull()) {
      String inBody = StorableText.firstRefused(request.getBody().get());
      pointer = inBody == null ? null : "/body" + inBody;
    }
    if (pointer == null) {
      return null;
    }
    String shown = StorableText.printable(pointer);
    return Problem.validation(
        shown + ": " + StorableText.REASON,
        new JsonArray().add(Problem.fieldError(shown, StorableText.REASON)));
  }

  private static String firstRefused(String prefix, Map<String, RequestParameter> parameters) {
    for (Map.Entry<String, RequestParameter> parameter : parameters.entrySet()) {
      if (parameter.getValue() != null && !parameter.getValue().isNull()) {
        String inside = StorableText.firstRefused(parameter.getValue().get());
        if (inside != null) {
          return prefix + parameter.getKey() + inside;
        }
      }
    }
    return null;
  }

  private Future<ValidatedRequest> validate(ValidatableRequest request, Operation operation) {
    RequestParameter body = request.getBody();
    boolean large =
        body != null && body.get() instanceof Buffer buffer && buffer.length() > INLINE_BODY_BYTES;
    if (large) {
      return super.validate(
          request, operation.getOperationId()); // vertx-openapi's path: on a worker
    }
    try {
      return Future.succeededFuture(validateNow(request, operation));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** vertx-openapi's {@code validate(ValidatableRequest, String)}, on the calling thread. */
  private ValidatedRequest validateNow(ValidatableRequest request, Operation operation) {
    Map<String, RequestParameter> cookies = new HashMap<>(request.getCookies().size());
    Map<String, RequestParameter> headers = new HashMap<>(request.getHeaders().size());
    Map<String, RequestParameter> path = new HashMap<>(request.getPathParameters().size());
    Map<String, RequestParameter> query = new HashMap<>(request.getQuery().size());
    for (Parameter parameter : operation.getParameters()) {
      switch (parameter.getIn()) {
        case COOKIE ->
            cookies.put(
                parameter.getName(),
                validateParameter(parameter, request.getCookies().get(parameter.getName())));
        case HEADER ->
            headers.put(
                parameter.getName(),
                validateParameter(parameter, request.getHeaders().get(parameter.getName())));
        case PATH ->
            path.put(
                parameter.getName(),
                validateParameter(parameter, request.getPathParameters().get(parameter.getName())));
        case QUERY ->
            query.put(
                parameter.getName(),
                validateParameter(parameter, request.getQuery().get(parameter.getName())));
      }
    }
    RequestParameter body = validateBody(operation.getRequestBody(), request);
    return new ValidatedRequestImpl(cookies, headers, path, query, body);
  }

  /** vertx-openapi's parameter check, with the schema's prepared validator. */
  @Override
  public RequestParameter validateParameter(Parameter parameter, RequestParameter value) {
    if (value == null || value.isNull()) {
      return super.validateParameter(
          parameter, value); // missing: required or not, no schema involved
    }
    if (positiveIds.getOrDefault(parameter, false)) {
      Number id = positiveId(String.valueOf(value.get()));
      if (id != null) {
        return new RequestParameterImpl(id);
      }
      // Anything else (a sign, a leading zero, 19 digits, not a number) takes the full path, for
      // its answer.
    }
    Object transformed = transform(parameter, value);
    OutputUnit result = validatorFor(parameter.getSchema()).validate(transformed);
    try {
      result.checkValidity();
      return new RequestParameterImpl(transformed);
    } catch (JsonSchemaValidationException e) {
      throw SchemaValidationException.createErrorFromOutputUnitType(parameter, result, e);
    }
  }

  /** vertx-openapi's body check ({@code BaseValidator.validate}), with the schema's prepared validator. */
  @Override
  protected RequestParameterImpl validate(
      MediaType mediaType,
      String contentType,
      Buffer rawContent,
      ValidationContext requestOrResponse) {
    ContentAnalyser analyser =
        mediaType == null
            ? null
            : ContentAnalyser.getContentAnalyser(
                mediaType, contentType, rawContent, requestOrResponse);
    if (analyser == null || !isSchemaValidationRequired(mediaType)) {
      return super.validate(mediaType, contentType, rawContent, requestOrResponse);
    }
    analyser.checkSyntacticalCorrectness(); // throws on a body that is not well formed
    Object transformed = analyser.transform();
    OutputUnit result = validatorFor(mediaType.getSchema()).validate(transformed);
    try {
      result.checkValidity();
      return new RequestParameterImpl(transformed);
    } catch (JsonSchemaValidationException e) {
      throw SchemaValidationException.createInvalidValueBody(result, requestOrResponse, e);
    }
  }

  /** The parameter's style decides how its text becomes a value, as in vertx-openapi. */
  private Object transform(Parameter parameter, RequestParameter value) {
    ParameterTransformer transformer = transformers.get(parameter.getStyle());
    if (transformer == null) {
      throw ValidatorException.createUnsupportedValueFormat(parameter);
    }
    return transformer.transform(parameter, String.valueOf(value.get()));
  }

  /** An id in the contract's form: path, simple style, {@code {type: integer, format: int64, minimum: 1, maximum: 2^63-1}}. */
  static boolean isPositiveId(Parameter parameter) {
    if (parameter.getIn() != io.vertx.openapi.contract.Location.PATH
        || parameter.getStyle() != Style.SIMPLE
        || parameter.getSchema() == null) {
      return false;
    }
    io.vertx.core.json.JsonObject schema =
        parameter.getSchema().fieldNames().isEmpty() ? null : new io.vertx.core.json.JsonObject();
    if (schema == null) {
      return false;
    }
    for (String field : parameter.getSchema().fieldNames()) {
      schema.put(field, parameter.getSchema().get(field));
    }
    schema.remove("__absolute_uri__");
    schema.remove("__absolute_ref__");
    schema.remove("__absolute_recursive_anchor__");
    return schema.equals(
        new io.vertx.core.json.JsonObject()
            .put("type", "integer")
            .put("format", "int64")
            .put("minimum", 1)
            .put("maximum", Long.MAX_VALUE));
  }

  /**
   * The value of 1 to 18 decimal digits without a leading zero (so at least 1 and below 2^63), typed as the
   * contract's transformer types it (an Integer when it fits, else a Long); null for any other text.
   */
  static Number positiveId(String text) {
    int length = text.length();
    if (length == 0 || length > 18 || text.charAt(0) < '1' || text.charAt(0) > '9') {
      return null;
    }
    long value = 0;
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
      value = value * 10 + (c - '0');
    }
    return value <= Integer.MAX_VALUE ? (Number) (int) value : (Number) value;
  }

  private void prepare(JsonSchema schema) {
    if (schema != null) {
      validators.computeIfAbsent(schema, schemas::validator);
    }
  }

  private Validator validatorFor(JsonSchema schema) {
    Validator validator = validators.get(schema);
    return validator != null
        ? validator
        : schemas.validator(schema); // not in the contract at start: as vertx-openapi
  }
}
