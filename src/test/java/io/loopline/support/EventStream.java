package io.loopline.support;

import static io.loopline.support.TestNode.await;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events client as a program holds one: each event is parsed as it arrives (RFC 8895 /
 * the HTML living standard's event-stream format: {@code id}, {@code event}, {@code data}, comments
 * ignored) and queued for the test to take in order, so a test sees when an event came, not only that it did.
 */
public final class EventStream implements AutoCloseable {

  /** One event; {@code id} is null when the event had none. */
  public record Event(String id, String name, String data) {
    public JsonObject json() {
      return new JsonObject(data);
    }

    public long seq() {
      return Long.parseLong(id);
    }
  }

  /** Stands in the queue for the end of the stream. */
  private static final Event END = new Event(null, "(end of stream)", "");

  private final HttpClient client;
  private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();

  /** Bytes of a line not complete yet (a chunk may end inside a character). */
  private Buffer pending = Buffer.buffer();

  private final StringBuilder data = new StringBuilder();
  private HttpClientResponse response;
  private String id;
  private String name;

  private EventStream(HttpClient client) {
    this.client = client;
  }

  /** {@code GET path} on 127.0.0.1:port with {@code Last-Event-ID} when not null; returns once the head arrived. */
  public static EventStream open(Vertx vertx, int port, String path, String lastEventId) {
    return open(vertx, port, path, lastEventId, false);
  }

  /**
   * A client that does not read: its socket's receive buffer is small and the response is paused as soon as
   * its head arrives, so the server's writes back up; {@link #resume()} reads on.
   */
  public static EventStream openNotReading(Vertx vertx, int port, String path, String lastEventId) {
    return open(vertx, port, path, lastEventId, true);
  }

  private static EventStream open(
      Vertx vertx, int port, String path, String lastEventId, boolean paused) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI(path)
            .putHeader("Accept", "text/event-stream");
    if (lastEventId != null) {
      options.putHeader("Last-Event-ID", lastEventId);
    }
    HttpClientOptions client = new HttpClientOptions();
    if (paused) {
      client.setReceiveBufferSize(4096);
    }
    EventStream stream = new EventStream(vertx.createHttpClient(client));
    // Handlers are set on the response's own thread, before any of its body can be delivered.
    stream.response =
        await(
            stream
                .client
                .request(options)
                .compose(
                    request ->
                        request
                            .send()
                            .map(
                                response -> {
                                  if (paused) {
                                    response.pause();
                                  }
                                  response.handler(stream::received);
                                  response.endHandler(v -> stream.events.add(END));
                                  response.exceptionHandler(e -> stream.events.add(END));
                                  return response;
                                })));
    return stream;
  }

  /** Reads on after {@link #openNotReading}. */
  public void resume() {
    response.resume();
  }

  public int status() {
    return response.statusCode();
  }

  public String header(String name) {
    return response.getHeader(name);
  }

  /** The next event; fails after 30 s, or if the stream ended first. */
  public Event next() {
    Event event = poll(30);
    if (event == END) {
      throw new AssertionError("the stream ended; no more events");
    }
    return event;
  }

  /** Every event until the server ends the stream, waiting at most 60 s. */
  public List<Event> rest() {
    List<Event> out = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Event event = poll(60);
      if (event == END) {
        return out;
      }
      out.add(event);
    }
    throw new AssertionError(
        "the stream did not end within 60 s; " + out.size() + " events so far");
  }

  private Event poll(int seconds) {
    try {
      Event event = events.poll(seconds, TimeUnit.SECONDS);
      if (event == null) {
        throw new AssertionError("no event within " + seconds + " s");
      }
      if (event == END) {
        events.add(END); // stays the answer to every later poll
      }
      return event;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void received(Buffer chunk) {
    pending.appendBuffer(chunk);
    int start = 0;
    for (int i = 0; i < pending.length(); i++) {
      if (pending.getByte(i) == '\n') {
        String line = pending.getString(start, i, "UTF-8");
        line(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
        start = i + 1;
      }
    }
    pending = pending.getBuffer(start, pending.length());
  }

  private void line(String line) {
    if (line.isEmpty()) {
      if (name != null || data.length() > 0) {
        events.add(new Event(id, name == null ? "message" : name, data.toString()));
      }
      name = null;
      data.setLength(0);
      return; // the id stays: it is the stream's last event id until another is given
    }
    if (line.startsWith(":")) {
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
    switch (field) {
      case "id" -> id = value;
      case "event" -> name = value;
      case "data" -> data.append(data.length() > 0 ? "\n" : "").append(value);
      default -> {}
    }
  }

  @Override
  public void close() {
    await(client.close());
  }
}
