package io.loopline.support;

import static io.loopline.support.TestNode.await;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events client, as a browser's {@code EventSource} reads a stream: events ({@code id}, {@code
 * event}, {@code data}) as they arrive, comment lines counted apart. Close it to drop the connection.
 */
public final class SseClient implements AutoCloseable {

  /** One event. */
  public record Event(String id, String name, String data) {}

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> comments = new LinkedBlockingQueue<>();
  private final StringBuilder pending = new StringBuilder();
  private final HttpClientResponse response;

  private SseClient(int port, String uri, MultiMap headers) {
    http =
        vertx.createHttpClient(
            new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    RequestOptions options =
        new RequestOptions().setMethod(HttpMethod.GET).setURI(uri).setHeaders(headers);
    response =
        await(
            http.request(options)
                .compose(
                    request ->
                        request
                            .send()
                            .map(
                                answer -> {
                                  answer.handler(chunk -> parse(chunk.toString()));
                                  return answer;
                                })));
  }

  /** Opens {@code uri} on the node's port with these request headers. */
  public static SseClient open(int port, String uri, MultiMap headers) {
    return new SseClient(port, uri, headers);
  }

  public int status() {
    return response.statusCode();
  }

  public String header(String name) {
    return response.getHeader(name);
  }

  /** The next comment line (the stream's opening line, a keep-alive), waiting up to {@code limit}. */
  public String awaitComment(Duration limit) throws InterruptedException {
    String comment = comments.poll(limit.toMillis(), TimeUnit.MILLISECONDS);
    if (comment == null) {
      throw new AssertionError("no comment line within " + limit);
    }
    return comment;
  }

  /** The next {@code count} events, waiting up to {@code limit} for all of them. */
  public List<Event> awaitEvents(int count, Duration limit) throws InterruptedException {
    List<Event> out = new ArrayList<>();
    long deadline = System.nanoTime() + limit.toNanos();
    while (out.size() < count) {
      Event event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (event == null) {
        throw new AssertionError(
            "only " + out.size() + " of " + count + " events within " + limit + ": " + out);
      }
      out.add(event);
    }
    return out;
  }

  /** Events received and not yet taken. */
  public List<Event> drained() {
    List<Event> out = new ArrayList<>();
    events.drainTo(out);
    return out;
  }

  private synchronized void parse(String text) {
    pending.append(text);
    int end;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      String block = pending.substring(0, end);
      pending.delete(0, end + 2);
      String id = null;
      String name = "message";
      StringBuilder data = null;
      for (String line : block.split("\n")) {
        if (line.startsWith(":")) {
          comments.add(line.substring(1).trim());
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          name = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data =
              data == null
                  ? new StringBuilder(line.substring(6))
                  : data.append('\n').append(line.substring(6));
        }
      }
      if (data != null) {
        events.add(new Event(id, name, data.toString()));
      }
    }
  }

  @Override
  public void close() {
    await(http.close());
    await(vertx.close());
  }
}
