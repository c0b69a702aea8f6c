package io.loopline.platform.access;

import io.loopline.platform.web.RoutedPath;
import io.vertx.core.http.HttpMethod;
import java.util.Locale;

/**
 * What a request is, for access control: which scope an API key needs for it and which rate-limit budget
 * it spends. Health, docs, the contract, metrics and static pages (chat, console) are public: no key, no budget;
 * what the console shows comes from API routes, which are not.
 */
enum RouteClass {
  PUBLIC(null),
  READ("read"),
  WRITE("write"),
  /** Scrapes cost other people's servers: their own, smaller budget; reading results needs read, starting them write. */
  SCRAPE(null),
  ADMIN("admin");

  private final String scope;

  RouteClass(String scope) {
    this.scope = scope;
  }

  /** The class of a request; {@code path} must be the path the router routes on ({@link RoutedPath}), never the raw one. */
  static RouteClass of(HttpMethod method, String path) {
    if (path.startsWith("/admin/") || path.equals("/admin")) {
      return ADMIN;
    }
    if (path.startsWith("/health/")
        || path.equals("/metrics")
        || path.equals("/openapi.yaml")
        || path.equals("/docs")
        || path.startsWith("/docs/")
        || path.equals("/favicon.ico")
        || path.equals("/console")
        || path.startsWith("/console/")
        || path.equals("/chat")
        || path.startsWith("/chat/")
            && !path.equals("/chat/rooms")
            && !path.startsWith("/chat/rooms/")) {
      return PUBLIC;
    }
    if (path.equals("/scrape")
        || path.startsWith("/scrape/")
        || path.equals("/scrape-jobs")
        || path.startsWith("/scrape-jobs/")) {
      return SCRAPE;
    }
    return reads(method) ? READ : WRITE;
  }

  /** The scope a key needs for a request of this class and method. */
  String scope(HttpMethod method) {
    if (this == SCRAPE) {
      return reads(method) ? "read" : "write";
    }
    return scope;
  }

  /** The name of the budget, as in config and in the {@code RateLimit-Policy} header. */
  String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  private static boolean reads(HttpMethod method) {
    return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS;
  }
}
