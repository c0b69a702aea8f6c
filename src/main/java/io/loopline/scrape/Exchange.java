package io.loopline.scrape;

import io.loopline.platform.config.ScrapeSettings;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP request and its answer, to an address already resolved and checked by the SSRF guard: a
 * {@code GET} with the connect and idle timeouts, sent to exactly that address (the Host header and TLS name
 * stay the URL's), the connection's remote address checked again, and the body read up to a bound. Stopping
 * the fetch resets the request. Which failures count as connection errors (retried) and which as timeouts
 * (not retried) is decided here, where they are seen; whether to retry is {@link RetryPolicy}'s.
 */
final class Exchange {

  /** The bytes of a redirect or retried answer read before the connection is given up instead. */
  static final int DISCARD_LIMIT = 64 * 1024;

  /** One answer of one hop, its body read up to a limit. */
  record Answer(
      URI url,
      int status,
      MultiMap headers,
      Buffer body,
      long bytes,
      boolean truncated,
      String remote) {}

  private final HttpClientAgent client;
  private final ScrapeSettings settings;
  private final AddressClassifier guard;
  private final RetryPolicy retry;

  Exchange(
      HttpClientAgent client, ScrapeSettings settings, AddressClassifier guard, RetryPolicy retry) {
    this.client = client;
    this.settings = settings;
    this.guard = guard;
    this.retry = retry;
  }

  /** One request and its answer in flight; stopping the fetch resets the request. */
  private static final class InFlight {
    final Promise<Answer> answer = Promise.promise();
    HttpClientRequest request;

    void fail(FetchFailure why) {
      if (answer.tryFail(why) && request != null) {
        request.reset();
      }
    }
  }

  /**
   * Sends {@code url} to {@code address} and reads the answer's body up to {@code maxBody}. {@code discard}:
   * the answer will be retried if it is a 429 or 5xx ({@link RetryPolicy#retriesAfter}), so its body is not
   * kept.
   */
  Future<Answer> send(
      URI url, InetAddress address, Fetcher.Abort abort, long maxBody, boolean discard) {
    boolean https = "https".equals(url.getScheme());
    RequestOptions request =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setServer(
                SocketAddress.inetSocketAddress(ScrapeUrls.port(url), address.getHostAddress()))
            .setHost(url.getHost())
            .setPort(ScrapeUrls.port(url))
            .setSsl(https)
            .setURI(ScrapeUrls.requestTarget(url))
            .setConnectTimeout(settings.connectTimeoutMs())
            .setIdleTimeout(settings.idleTimeoutMs())
            .putHeader("User-Agent", settings.userAgent())
            .putHeader("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    InFlight exchange = new InFlight();
    abort.onStop(exchange::fail);
    client
        .request(request)
        .compose(
            req -> {
              exchange.request = req;
              // Our own resets (truncation, deadline, cancel) end here too, after the answer is
              // settled.
              req.exceptionHandler(e -> exchange.answer.tryFail(connectionFailure(e)));
              if (exchange.answer.future().isComplete()) {
                req.reset();
              }
              return req.send();
            })
        .onSuccess(response -> read(url, response, maxBody, discard, exchange.answer))
        .onFailure(e -> exchange.answer.tryFail(connectionFailure(e)));
    return exchange.answer.future();
  }

  private void read(
      URI url, HttpClientResponse response, long maxBody, boolean discard, Promise<Answer> answer) {
    SocketAddress remote = response.request().connection().remoteAddress();
    String remoteAddress = remote == null ? null : remote.hostAddress();
    // The connection was opened to the checked address; check what it is connected to all the same.
    if (remoteAddress != null
        && AddressClassifier.isLiteral(remoteAddress)
        && guard.refusal(url.getHost(), AddressClassifier.literal(remoteAddress)) != null) {
      response.request().reset();
      answer.tryFail(
          new FetchFailure("blocked", "connected to a refused address " + remoteAddress, false));
      return;
    }
    int status = response.statusCode();
    boolean redirect = status >= 300 && status < 400 && response.getHeader("Location") != null;
    long limit =
        redirect || discard && retry.retriesAfter(status, response.headers())
            ? DISCARD_LIMIT
            : maxBody;
    boolean keep = limit == maxBody;
    Buffer body = Buffer.buffer();
    long[] bytes = {0};
    response.handler(
        chunk -> {
          if (answer.future().isComplete()) {
            return;
          }
          long room = limit - bytes[0];
          if (chunk.length() <= room) {
            bytes[0] += chunk.length();
            if (keep) {
              body.appendBuffer(chunk);
            }
            return;
          }
          if (keep && room > 0) {
            body.appendBuffer(chunk, 0, (int) room);
          }
          bytes[0] += Math.max(0, room);
          // The rest is not read: the connection is closed rather than drained.
          answer.tryComplete(
              new Answer(url, status, response.headers(), body, bytes[0], true, remoteAddress));
          response.request().reset();
        });
    response.exceptionHandler(
        e ->
            answer.tryFail(
                new FetchFailure("connection", "the answer broke off: " + e.getMessage(), false)));
    response.endHandler(
        v ->
            answer.tryComplete(
                new Answer(url, status, response.headers(), body, bytes[0], false, remoteAddress)));
  }

  private static FetchFailure connectionFailure(Throwable e) {
    if (e instanceof FetchFailure f) {
      return f;
    }
    String message = String.valueOf(e.getMessage());
    // A connect timeout is a connection error (retried); a server that went silent mid-answer is
    // not retried.
    if (e.getClass().getSimpleName().contains("ConnectTimeout")) {
      return new FetchFailure("connection", message, true);
    }
    if (e instanceof TimeoutException
        || message.toLowerCase(Locale.ROOT).contains("timeout")
        || message.toLowerCase(Locale.ROOT).contains("timed out")) {
      return new FetchFailure("timeout", message, false);
    }
    return new FetchFailure("connection", message, true);
  }
}
