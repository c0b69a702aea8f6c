package io.loopline.platform.access;

import io.loopline.contract.ApiKeyFormat;
import io.loopline.platform.config.AccessSettings;
import io.loopline.platform.config.AccessSettings.Quota;
import io.loopline.platform.web.Problem;
import io.loopline.platform.web.RoutedPath;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is calling and whether they may, on every request that is not public: the API key (from
 * {@code Authorization: Bearer} or {@code X-API-Key}, never the query string), the scope the route class
 * needs, and one request from the caller's budget for that class. Limited answers carry the
 * {@code RateLimit-Policy} and {@code RateLimit} fields of draft-ietf-httpapi-ratelimit-headers-10.
 *
 * <p>A request with a bad key, or without the scope, is refused (401, 403) after spending from the
 * anonymous budget of its address, so guessing keys is rate limited like anything else. A key this node has
 * not seen valid lately is charged to its address <em>before</em> it is looked up, and keys found invalid are
 * remembered for a while ({@link ApiKeys}): a guess costs at least what a real key costs, and a flood of
 * guesses reaches the database at most once per key and period, within the address's budget.
 *
 * <p>The route class comes from the path the router routes on ({@link RoutedPath}), never from the raw
 * request path, so {@code /health/%2e%2e/admin/api-keys} is an admin request like {@code /admin/api-keys}.
 */
public final class Access implements Handler<RoutingContext> {

  /** Query parameters that look like credentials; a request carrying one is refused, not served anonymously. */
  private static final Set<String> QUERY_CREDENTIALS =
      Set.of("api_key", "apikey", "api-key", "key", "access_token", "token");

  /** Who a request is counted as: a key's holder, or an address. */
  record Caller(ApiKeys.Holder key, String address) {
    String bucket(RouteClass routeClass) {
      return routeClass.id() + ":" + (key != null ? "key:" + key.id() : "ip:" + address);
    }
  }

  private static final Problem INVALID_KEY =
      Problem.of(401, "The API key is not valid (unknown or revoked)");

  private final AccessSettings settings;
  private final ApiKeys keys;
  private final RateLimits limits;
  private final ClientAddress clients;
  private final MeterRegistry registry;
  private final Map<String, Counter> rejections = new ConcurrentHashMap<>();

  public Access(
      AccessSettings settings,
      ApiKeys keys,
      RateLimits limits,
      ClientAddress clients,
      MeterRegistry registry) {
    this.settings = settings;
    this.keys = keys;
    this.limits = limits;
    this.clients = clients;
    this.registry = registry;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String path = RoutedPath.of(ctx);
    if (path == null) {
      ctx.fail(
          Problem.of(400, "The request could not be read (a %-escape in the path is not valid)")
              .exception());
      return;
    }
    RouteClass routeClass = RouteClass.of(request.method(), path);
    if (routeClass == RouteClass.PUBLIC) {
      ctx.next();
      return;
    }
    String address = clients.of(request);
    Caller anonymous = new Caller(null, address);
    String key;
    try {
      refuseQueryCredentials(queryOf(request));
      key = presentedKey(request);
    } catch (Problem.ProblemException refused) {
      decide(ctx, routeClass, anonymous, refused.problem(), true);
      return;
    }
    if (key == null) {
      decide(ctx, routeClass, anonymous, refusal(routeClass, request, null), false);
      return;
    }
    ApiKeys.Presented presented = keys.presented(key);
    ApiKeys.Holder trusted = presented.trusted();
    if (trusted != null) {
      decide(
          ctx,
          routeClass,
          new Caller(trusted, address),
          refusal(routeClass, request, trusted),
          true);
    } else if (presented.vouched()) {
      presented
          .holder()
          .onSuccess(
              found ->
                  decide(
                      ctx,
                      routeClass,
                      found == null ? anonymous : new Caller(found, address),
                      found == null ? INVALID_KEY : refusal(routeClass, request, found),
                      true))
          .onFailure(ctx::fail);
    } else {
      // A key this node has not seen valid may be a guess: its address pays before anyone looks it
      // up.
      spend(ctx, routeClass, anonymous)
          .onSuccess(
              allowed -> {
                if (allowed) {
                  presented
                      .holder()
                      .onSuccess(
                          found -> {
                            Problem refusal =
                                found == null ? INVALID_KEY : refusal(routeClass, request, found);
                            if (refusal != null) {
                              refuse(
                                  ctx, refusal,
                                  true); // the address has paid for this request already
                            } else {
                              decide(ctx, routeClass, new Caller(found, address), null, true);
                            }
                          })
                      .onFailure(ctx::fail);
                }
              })
          .onFailure(ctx::fail);
    }
  }

  /**
   * Spends from the budget of {@code caller} (or, when refused, of its address), sets the rate-limit fields,
   * and then refuses, or passes the request on.
   */
  private void decide(
      RoutingContext ctx,
      RouteClass routeClass,
      Caller caller,
      Problem refusal,
      boolean keyPresented) {
    spend(ctx, routeClass, refusal == null ? caller : new Caller(null, caller.address()))
        .onSuccess(
            allowed -> {
              if (!allowed) {
                return;
              }
              if (refusal != null) {
                refuse(ctx, refusal, keyPresented);
              } else {
                ctx.next();
              }
            })
        .onFailure(ctx::fail);
  }

  /**
   * One request from {@code counted}'s budget for this class, told in the rate-limit fields; false after
   * failing the request with 429 when the budget is spent.
   */
  private Future<Boolean> spend(RoutingContext ctx, RouteClass routeClass, Caller counted) {
    Quota quota =
        (counted.key() == null ? settings.anonymous() : settings.keyed()).get(routeClass.id());
    if (!settings.rateLimitEnabled() || quota == null) {
      return Future.succeededFuture(true);
    }
    return limits
        .take(counted.bucket(routeClass), quota)
        .map(
            decision -> {
              advertise(ctx.response().headers(), routeClass, quota, decision);
              if (decision.allowed()) {
                return true;
              }
              rejections
                  .computeIfAbsent(
                      routeClass.id(),
                      c ->
                          Counter.builder("loopline.ratelimit.rejected")
                              .description(
                                  "Requests answered 429 because the caller's budget was spent")
                              .tag("class", c)
                              .register(registry))
                  .increment();
              ctx.fail(
                  Problem.of(
                          429,
                          "Too many "
                              + routeClass.id()
                              + " requests; the budget is "
                              + quota.limit()
                              + " per "
                              + quota.windowSeconds()
                              + " s")
                      .exception());
              return false;
            });
  }

  private static void refuse(RoutingContext ctx, Problem refusal, boolean keyPresented) {
    if (refusal.status() == 401) {
      ctx.response()
          .putHeader(
              "WWW-Authenticate",
              keyPresented
                  ? "Bearer realm=\"loopline\", error=\"invalid_token\""
                  : "Bearer realm=\"loopline\"");
    }
    ctx.fail(refusal.exception());
  }

  /** Null when the caller may make this request, else the 401 or 403 that says why not. */
  private Problem refusal(RouteClass routeClass, HttpServerRequest request, ApiKeys.Holder holder) {
    String scope = routeClass.scope(request.method());
    if (holder == null) {
      if (routeClass == RouteClass.ADMIN) {
        return Problem.of(401, "Admin routes need an API key with the admin scope");
      }
      return settings.authRequired()
          ? Problem.of(
              401,
              "This server needs an API key: send 'Authorization: Bearer <key>' or 'X-API-Key'")
          : null;
    }
    return holder.grants(scope)
        ? null
        : new Problem(
            403,
            Problem.TYPE_PREFIX + "insufficient-scope",
            "Forbidden",
            "This key lacks the '" + scope + "' scope",
            null);
  }

  private static final CharSequence POLICY_HEADER = HttpHeaders.createOptimized("RateLimit-Policy");
  private static final CharSequence RATE_LIMIT_HEADER = HttpHeaders.createOptimized("RateLimit");

  private static void advertise(
      MultiMap headers, RouteClass routeClass, Quota quota, Gcra.Decision decision) {
    String policy = "\"" + routeClass.id() + "\"";
    headers.set(POLICY_HEADER, policy + ";q=" + quota.limit() + ";w=" + quota.windowSeconds());
    long resetSeconds =
        ceilSeconds(decision.allowed() ? decision.resetMs() : decision.retryAfterMs());
    headers.set(RATE_LIMIT_HEADER, policy + ";r=" + decision.remaining() + ";t=" + resetSeconds);
    if (!decision.allowed()) {
      headers.set(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, resetSeconds)));
    }
  }

  private static long ceilSeconds(long millis) {
    return (millis + 999) / 1000;
  }

  /** The decoded query parameters; a query that cannot be decoded ({@code %zz}) is the client's error. */
  private static MultiMap queryOf(HttpServerRequest request) {
    try {
      return request.params();
    } catch (IllegalArgumentException e) {
      throw Problem.of(400, "The query string is not validly percent-encoded").exception();
    }
  }

  private static void refuseQueryCredentials(MultiMap params) {
    for (String name : params.names()) {
      if (QUERY_CREDENTIALS.contains(name.toLowerCase(Locale.ROOT))) {
        throw Problem.of(
                401,
                "API keys are not accepted in the query string (they end up in logs and"
                    + " histories); send 'Authorization: Bearer <key>' or 'X-API-Key'")
            .exception();
      }
    }
  }

  /** The key in {@code Authorization: Bearer} or {@code X-API-Key}; null when neither is sent. */
  private static String presentedKey(HttpServerRequest request) {
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    String key = null;
    if (authorization != null) {
      if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw Problem.of(401, "Only 'Authorization: Bearer <key>' is understood here").exception();
      }
      key = authorization.substring(7).trim();
    }
    String header = request.getHeader("X-API-Key");
    if (key == null && header != null) {
      key = header.trim();
    }
    if (key != null && (key.isEmpty() || key.length() > ApiKeyFormat.MAX_LENGTH)) {
      throw Problem.of(401, "The API key is not valid").exception();
    }
    return key;
  }
}
