package io.loopline.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The kinds of durable job, registered in this one place: each type's name, its default attempt limit and
 * the payload it takes. Every type is run by a handler on the worker verticle at {@link #runAddress()}, so
 * a payload is checked here, when the job is submitted, and a job that cannot run is never stored.
 */
public enum JobType {
  /** Appends {@code payload.message}, with a timestamp, to the jobs log file (the seeds' {@code write_log}). */
  LOG("log", 5) {
    @Override
    String payloadRefusal(JsonObject payload) {
      Object message = payload.getValue("message");
      if (!(message instanceof String text) || text.isEmpty() || text.length() > 10_000) {
        return "payload.message: must be a string of 1 to 10000 characters";
      }
      return only(payload, Set.of("message"));
    }
  },
  /**
   * Calls a webhook: {@code payload = {"url", "method"?: POST, "headers"?: {...}, "body"?: any JSON}}. The
   * request goes out through the scraper's SSRF guard; a 2xx answer is success, a 408, 429, 5xx or a
   * connection failure is retried with backoff, any other answer ends the job ({@code dead}) at once.
   */
  HTTP("http", 8) {
    @Override
    String payloadRefusal(JsonObject payload) {
      String url = webhookUrlRefusal(payload.getValue("url"));
      if (url != null) {
        return url;
      }
      Object method = payload.getValue("method", "POST");
      if (!(method instanceof String m) || !WEBHOOK_METHODS.contains(m)) {
        return "payload.method: must be one of " + WEBHOOK_METHODS;
      }
      Object headers = payload.getValue("headers");
      if (headers != null) {
        if (!(headers instanceof JsonObject h) || h.size() > 20) {
          return "payload.headers: must be an object of at most 20 headers";
        }
        for (String name : h.fieldNames()) {
          if (!HEADER_NAME.matcher(name).matches()
              || RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            return "payload.headers: '" + name + "' is not a header a webhook may set";
          }
          if (!(h.getValue(name) instanceof String value)
              || value.length() > 1000
              || value.indexOf('\r') >= 0
              || value.indexOf('\n') >= 0) {
            return "payload.headers."
                + name
                + ": must be a string of at most 1000 characters on one line";
          }
        }
      }
      if (payload.containsKey("body")
          && io.vertx.core.json.Json.encodeToBuffer(payload.getValue("body")).length()
              > WEBHOOK_BODY_MAX) {
        return "payload.body: must be at most " + WEBHOOK_BODY_MAX + " bytes as JSON";
      }
      return only(payload, Set.of("url", "method", "headers", "body"));
    }
  },
  /** Starts a scrape job: {@code payload = {"urls": [...], "options"?: {...}}} as {@code POST /scrape-jobs} takes. */
  SCRAPE("scrape", 3) {
    @Override
    String payloadRefusal(JsonObject payload) {
      Object urls = payload.getValue("urls");
      if (!(urls instanceof JsonArray list)
          || list.isEmpty()
          || list.size() > 10_000
          || !list.stream()
              .allMatch(u -> u instanceof String s && !s.isBlank() && s.length() <= 2048)) {
        return "payload.urls: must be a list of 1 to 10000 URLs";
      }
      if (payload.containsKey("options") && !(payload.getValue("options") instanceof JsonObject)) {
        return "payload.options: must be an object";
      }
      return only(payload, Set.of("urls", "options"));
    }
  };

  /** Methods a webhook may use. */
  public static final List<String> WEBHOOK_METHODS =
      List.of("POST", "PUT", "PATCH", "DELETE", "GET");

  /** Largest webhook body, as JSON. */
  public static final int WEBHOOK_BODY_MAX = 65_536;

  private static final Pattern HEADER_NAME = Pattern.compile("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$");

  /** Headers the HTTP client sets itself; a payload setting them could smuggle a second request. */
  private static final Set<String> RESERVED_HEADERS =
      Set.of(
          "host",
          "content-length",
          "transfer-encoding",
          "connection",
          "upgrade",
          "te",
          "trailer",
          "keep-alive",
          "proxy-authorization",
          "proxy-connection");

  private final String id;
  private final int maxAttempts;

  JobType(String id, int maxAttempts) {
    this.id = id;
    this.maxAttempts = maxAttempts;
  }

  /** The type's name in messages and in the {@code jobs.type} column. */
  public String id() {
    return id;
  }

  /** Attempts a job of this type gets unless its submitter asks for another number. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Where a job of this type is run: the worker verticle consumes it, on the node of the runner that claimed it. */
  public String runAddress() {
    return Addresses.PREFIX + "jobs.run." + id;
  }

  /** Null when {@code payload} is one this type can run, else what is wrong with it (naming the field). */
  abstract String payloadRefusal(JsonObject payload);

  /** As {@link #payloadRefusal}, for callers outside this package. */
  public Optional<String> refusal(JsonObject payload) {
    return Optional.ofNullable(
        payload == null ? "payload: must be an object" : payloadRefusal(payload));
  }

  public static Optional<JobType> find(String id) {
    return Arrays.stream(values()).filter(t -> t.id.equals(id)).findFirst();
  }

  /** The registered type names, in registration order. */
  public static List<String> ids() {
    return Arrays.stream(values()).map(JobType::id).toList();
  }

  /** Null when {@code url} is an absolute http(s) URL a webhook may name, else why not. */
  static String webhookUrlRefusal(Object url) {
    if (!(url instanceof String text) || text.length() > 2048) {
      return "payload.url: must be an http or https URL of at most 2048 characters";
    }
    try {
      URI uri = new URI(text);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https"))
          || uri.getHost() == null
          || uri.getUserInfo() != null) {
        return "payload.url: must be an absolute http or https URL with a host and no credentials";
      }
      return null;
    } catch (URISyntaxException e) {
      return "payload.url: is not a valid URL";
    }
  }

  private static String only(JsonObject payload, Set<String> known) {
    return payload.fieldNames().stream()
        .filter(f -> !known.contains(f))
        .findFirst()
        .map(f -> "payload." + f + ": is not a field of this job type (known: " + known + ")")
        .orElse(null);
  }
}
