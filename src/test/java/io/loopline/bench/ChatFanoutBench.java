package io.loopline.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chat fan-out benchmark: {@code sockets} WebSocket clients join one room of a running Loopline, one more
 * socket sends {@code messages} messages, one at a time, {@code gapMs} apart, each carrying its send time;
 * every receiver records the delay until the message reached it. Prints p50, p90, p99 and max over all
 * deliveries. Sender and receivers share this JVM's clock. Loopback only.
 *
 * <p>{@code java -cp ... io.loopline.bench.ChatFanoutBench [port=8080] [sockets=1000] [messages=200] [gapMs=100]}
 * (the server's per-connection rate must allow 1000/gapMs messages a second: see scripts/bench-chat.sh).
 */
public final class ChatFanoutBench {

  private static final String MARK = "\"text\":\"";
  private static final int WARMUP = 100;

  public static void main(String[] args) {
    try {
      run(args);
      System.exit(0);
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(1); // Vert.x threads would keep the JVM alive
    }
  }

  private static void run(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
    int sockets = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int messages = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    long gapMs = args.length > 3 ? Long.parseLong(args[3]) : 100;
    String room = "bench-" + System.currentTimeMillis();

    Vertx vertx = Vertx.vertx();
    WebSocketClient client =
        vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(sockets + 10));
    long[] delays = new long[sockets * messages];
    AtomicInteger recorded = new AtomicInteger();
    CountDownLatch[] delivered = new CountDownLatch[WARMUP + messages + 1];
    for (int i = 0; i < delivered.length; i++) {
      delivered[i] = new CountDownLatch(sockets);
    }

    long connectStart = System.nanoTime();
    List<ClientWebSocket> receivers = new ArrayList<>();
    for (int batch = 0; batch < sockets; batch += 50) {
      List<Future<?>> connecting = new ArrayList<>();
      for (int i = batch; i < Math.min(sockets, batch + 50); i++) {
        ClientWebSocket ws = client.webSocket();
        ws.textMessageHandler(
            text -> {
              long now = System.nanoTime();
              // Not a full JSON parse: this client must cost as little as it can per frame, or it
              // measures itself.
              int at = text.indexOf(MARK);
              if (at < 0 || !text.startsWith("{\"type\":\"message\"")) {
                return;
              }
              int from = at + MARK.length();
              int space = text.indexOf(' ', from);
              int end = text.indexOf('"', space);
              int n = Integer.parseInt(text, from, space, 10);
              if (n > WARMUP) {
                delays[recorded.getAndIncrement()] = now - Long.parseLong(text, space + 1, end, 10);
              }
              delivered[n].countDown();
            });
        receivers.add(ws);
        connecting.add(ws.connect(options(port, room, "r" + i)));
      }
      Future.all(connecting).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    System.out.printf(
        "connected %d sockets in %d ms%n",
        sockets, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectStart));

    Promise<Void> senderReady = Promise.promise();
    ClientWebSocket sender = client.webSocket();
    sender.textMessageHandler(
        text -> {
          JsonObject event = new JsonObject(text);
          if ("welcome".equals(event.getString("type"))) {
            senderReady.tryComplete();
          } else if ("error".equals(event.getString("type"))) {
            System.err.println("sender got " + text);
          }
        });
    sender
        .connect(options(port, room, "sender"))
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    senderReady.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    // Warm-up (not measured): the join events drain, and the server's and this JVM's code gets
    // compiled.
    for (int n = 0; n <= WARMUP; n++) {
      send(sender, n + " 0");
      if (!delivered[n].await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            "warm-up message reached only " + (sockets - delivered[n].getCount()) + " sockets");
      }
      Thread.sleep(gapMs / 2);
    }
    for (int n = WARMUP + 1; n <= WARMUP + messages; n++) {
      send(sender, n + " " + System.nanoTime());
      if (!delivered[n].await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            "message " + n + " reached only " + (sockets - delivered[n].getCount()) + " sockets");
      }
      Thread.sleep(gapMs); // pacing between fan-outs, not synchronisation
    }
    long[] all = Arrays.copyOf(delays, recorded.get());
    Arrays.sort(all);
    System.out.printf(
        "fan-out of %d messages to %d sockets (%d deliveries): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        messages,
        sockets,
        all.length,
        ms(all, 0.50),
        ms(all, 0.90),
        ms(all, 0.99),
        all[all.length - 1] / 1e6);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static void send(ClientWebSocket sender, String text) {
    sender.writeTextMessage(new JsonObject().put("type", "message").put("text", text).encode());
  }

  private static WebSocketConnectOptions options(int port, String room, String name) {
    return new WebSocketConnectOptions()
        .setHost("127.0.0.1")
        .setPort(port)
        .setURI("/chat/rooms/" + room + "/ws?name=" + name);
  }

  private static double ms(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
  }
}
