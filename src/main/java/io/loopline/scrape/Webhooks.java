package io.loopline.scrape;

import io.loopline.contract.Failures;
import io.loopline.contract.JobType;
import io.loopline.platform.config.ScrapeSettings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Single outgoing requests for webhooks ({@code http} jobs): to the address the SSRF guard checked, with the
 * scraper's connect, idle and total timeouts and User-Agent, no redirects followed, and at most
 * {@link #BODY_KEPT} characters of the answer kept. Retrying is the job runner's business, not this class's.
 */
final class Webhooks {

  static final int BODY_KEPT = 2000;

  /** Bytes of an answer read at most; a webhook's answer is a status, not a download. */
  private static final int BODY_READ = 64 * 1024;

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final Fetcher fetcher;
  private final ScrapeSettings settings;

  Webhooks(Vertx vertx, HttpClientAgent client, Fetcher fetcher, ScrapeSettings settings) {
    this.vertx = vertx;
    this.client = client;
    this.fetcher = fetcher;
    this.settings = settings;
  }

  /** {@code {"url", "method", "headers"?, "body"?}} to {@code {"status", "elapsedMs", "body"}}; see {@code Addresses.SCRAPE_REQUEST}. */
  Future<JsonObject> call(JsonObject message) {
    JsonObject payload = message.copy().put("method", message.getString("method", "POST"));
    String refusal = JobType.HTTP.refusal(payload).orElse(null);
    if (refusal != null) {
      return Future.failedFuture(new IllegalArgumentException(refusal.replace("payload.", "")));
    }
    URI url = URI.create(message.getString("url"));
    long start = System.nanoTime();
    return fetcher
        .guardedAddress(url.getHost())
        .compose(address -> exchange(url, payload, address.getHostAddress()))
        .map(answer -> answer.put("elapsedMs", (System.nanoTime() - start) / 1_000_000));
  }

  private Future<JsonObject> exchange(URI url, JsonObject payload, String address) {
    boolean https = "https".equalsIgnoreCase(url.getScheme());
    int port = url.getPort() > 0 ? url.getPort() : https ? 443 : 80;
    String target = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    RequestOptions request =
        new RequestOptions()
            .setMethod(HttpMethod.valueOf(payload.getString("method")))
            .setServer(SocketAddress.inetSocketAddress(port, address))
            .setHost(url.getHost())
            .setPort(port)
            .setSsl(https)
            .setURI(url.getRawQuery() == null ? target : target + "?" + url.getRawQuery())
            .setFollowRedirects(false)
            .setConnectTimeout(settings.connectTimeoutMs())
            .setIdleTimeout(settings.idleTimeoutMs())
            .putHeader("User-Agent", settings.userAgent());
    JsonObject headers = payload.getJsonObject("headers", new JsonObject());
    headers.forEach(
        header -> request.putHeader(header.getKey(), String.valueOf(header.getValue())));
    Buffer body =
        payload.containsKey("body") ? Json.encodeToBuffer(payload.getValue("body")) : null;
    if (body != null && !headers.fieldNames().stream().anyMatch("content-type"::equalsIgnoreCase)) {
      request.putHeader("Content-Type", "application/json");
    }
    Promise<JsonObject> answer = Promise.promise();
    HttpClientRequest[] sent = new HttpClientRequest[1];
    long timer =
        vertx.setTimer(
            settings.totalTimeoutMs(),
            t -> {
              answer.tryFail(unavailable("no answer within " + settings.totalTimeoutMs() + " ms"));
              if (sent[0] != null) {
                sent[0].reset();
              }
            });
    client
        .request(request)
        .compose(
            req -> {
              sent[0] = req;
              req.exceptionHandler(e -> answer.tryFail(unavailable(e.getMessage())));
              return body == null ? req.send() : req.send(body);
            })
        .onSuccess(
            response -> {
              Buffer kept = Buffer.buffer();
              response.handler(
                  chunk -> {
                    if (kept.length() + chunk.length() > BODY_READ) {
                      answer.tryComplete(result(response.statusCode(), kept));
                      response.request().reset();
                    } else {
                      kept.appendBuffer(chunk);
                    }
                  });
              response.exceptionHandler(
                  e -> answer.tryFail(unavailable("the answer broke off: " + e.getMessage())));
              response.endHandler(v -> answer.tryComplete(result(response.statusCode(), kept)));
            })
        .onFailure(e -> answer.tryFail(unavailable(e.getMessage())));
    return answer.future().onComplete(done -> vertx.cancelTimer(timer));
  }

  private static JsonObject result(int status, Buffer body) {
    String text = body.toString(StandardCharsets.UTF_8);
    return new JsonObject()
        .put("status", status)
        .put("body", text.length() > BODY_KEPT ? text.substring(0, BODY_KEPT) : text);
  }

  private static ReplyException unavailable(String why) {
    return new ReplyException(
        ReplyFailure.RECIPIENT_FAILURE, Failures.UNAVAILABLE, "webhook failed: " + why);
  }
}
