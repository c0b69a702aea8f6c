package io.loopline.http;

import io.loopline.config.AccessSettings;
import io.loopline.config.AccessSettings.Quota;
import io.loopline.contract.ApiKeyFormat;
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
 * anonymous budget of its address, so guessing keys is rate limited like anything else.
 */
final class Access implements Handler<RoutingContext> {

  /** Query parameters that look like credentials; a request carrying one is refused, not served anonymously. */
  private static final Set<String> QUERY_CREDENTIALS = Set.of("api_key", "apikey", "api-key", "key", "access_token", "token");

  /** Who a request is counted as: a key's holder, or an address. */
  record Caller(ApiKeys.Holder key, String address) {
    String bucket(RouteClass routeClass) {
      return routeClass.id() + ":" + (key != null ? "key:" + key.id() : "ip:" + address);
    }
  }

  private final AccessSettings settings;
  private final ApiKeys keys;
  private final RateLimits limits;
  private final ClientAddress clients;
  private final MeterRegistry registry;
  private final Map<String, Counter> rejections = new ConcurrentHashMap<>();

  Access(AccessSettings settings, ApiKeys keys, RateLimits limits, ClientAddress clients, MeterRegistry registry) {
    this.settings = settings;
    this.keys = keys;
    this.limits = limits;
    this.clients = clients;
    this.registry = registry;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    RouteClass routeClass = RouteClass.of(request.method(), request.path());
    if (routeClass == RouteClass.PUBLIC) {
      ctx.next();
      return;
    }
    String address = clients.of(request);
    String key;
    try {
      refuseQueryCredentials(queryOf(request));
      key = presentedKey(request);
    } catch (Problem.ProblemException refused) {
      decide(ctx, routeClass, new Caller(null, address), refused.problem(), true);
      return;
    }
    Future<ApiKeys.Holder> holder = key == null ? Future.succeededFuture() : keys.find(key);
    holder.onSuccess(found -> {
      if (key != null && found == null) {
        decide(ctx, routeClass, new Caller(null, address),
            Problem.of(401, "The API key is not valid (unknown or revoked)"), true);
        return;
      }
      Caller caller = new Caller(found, address);
      decide(ctx, routeClass, caller, refusal(routeClass, request, found), key != null);
    }).onFailure(ctx::fail);
  }

  /**
   * Spends from the budget of {@code caller} (or, when refused, of its address), sets the rate-limit fields,
   * and then refuses, or passes the request on.
   */
  private void decide(RoutingContext ctx, RouteClass routeClass, Caller caller, Problem refusal, boolean keyPresented) {
    Caller counted = refusal == null ? caller : new Caller(null, caller.address());
    Quota quota = (counted.key() == null ? settings.anonymous() : settings.keyed()).get(routeClass.id());
    Future<Gcra.Decision> spent = settings.rateLimitEnabled() && quota != null
        ? limits.take(counted.bucket(routeClass), quota)
        : Future.succeededFuture();
    spent.onSuccess(decision -> {
      if (decision != null) {
        advertise(ctx.response().headers(), routeClass, quota, decision);
      }
      if (decision != null && !decision.allowed()) {
        rejections.computeIfAbsent(routeClass.id(), c -> Counter.builder("loopline.ratelimit.rejected")
            .description("Requests answered 429 because the caller's budget was spent")
            .tag("class", c).register(registry)).increment();
        ctx.fail(Problem.of(429, "Too many " + routeClass.id() + " requests; the budget is " + quota.limit()
            + " per " + quota.windowSeconds() + " s").exception());
      } else if (refusal != null) {
        if (refusal.status() == 401) {
          ctx.response().putHeader("WWW-Authenticate",
              keyPresented ? "Bearer realm=\"loopline\", error=\"invalid_token\"" : "Bearer realm=\"loopline\"");
        }
        ctx.fail(refusal.exception());
      } else {
        ctx.next();
      }
    }).onFailure(ctx::fail);
  }

  /** Null when the caller may make this request, else the 401 or 403 that says why not. */
  private Problem refusal(RouteClass routeClass, HttpServerRequest request, ApiKeys.Holder holder) {
    String scope = routeClass.scope(request.method());
    if (holder == null) {
      if (routeClass == RouteClass.ADMIN) {
        return Problem.of(401, "Admin routes need an API key with the admin scope");
      }
      return settings.authRequired() ? Problem.of(401, "This server needs an API key: send 'Authorization: Bearer <key>' or 'X-API-Key'") : null;
    }
    return holder.grants(scope) ? null
        : new Problem(403, Problem.TYPE_PREFIX + "insufficient-scope", "Forbidden",
            "This key lacks the '" + scope + "' scope", null);
  }

  private static void advertise(MultiMap headers, RouteClass routeClass, Quota quota, Gcra.Decision decision) {
    String policy = "\"" + routeClass.id() + "\"";
    headers.set("RateLimit-Policy", policy + ";q=" + quota.limit() + ";w=" + quota.windowSeconds());
    long resetSeconds = ceilSeconds(decision.allowed() ? decision.resetMs() : decision.retryAfterMs());
    headers.set("RateLimit", policy + ";r=" + decision.remaining() + ";t=" + resetSeconds);
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
        throw Problem.of(401, "API keys are not accepted in the query string (they end up in logs and"
            + " histories); send 'Authorization: Bearer <key>' or 'X-API-Key'").exception();
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
