import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * MQTT load: CONNECTIONS clients on 127.0.0.1:PORT, each publishing MESSAGES QoS 1 records to
 * streams/STREAM/dev-N with up to WINDOW unacknowledged at once, as fast as PUBACKs come back. Times from the
 * first publish to the last PUBACK, and each message's publish-to-PUBACK latency, after WARM messages per
 * connection to STREAM-warm (not timed). Prints one RESULT line.
 *
 * <pre>java -cp target/loopline.jar bench/ingest/MqttLoad.java PORT STREAM CONNECTIONS MESSAGES WINDOW [WARM]</pre>
 */
public class MqttLoad {

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String stream = args[1];
    int connections = Integer.parseInt(args[2]);
    int messages = Integer.parseInt(args[3]);
    int window = Integer.parseInt(args[4]);
    int warm = args.length > 5 ? Integer.parseInt(args[5]) : 0;
    Vertx vertx = Vertx.vertx();
    try {
      List<MqttClient> clients = new ArrayList<>();
      List<Future<?>> connected = new ArrayList<>();
      for (int c = 0; c < connections; c++) {
        MqttClient client = MqttClient.create(vertx, new MqttClientOptions().setClientId("load-" + c)
            .setMaxInflightQueue(window).setAckTimeout(120).setCleanSession(true));
        clients.add(client);
        connected.add(client.connect(port, "127.0.0.1"));
      }
      Future.all(connected).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      if (warm > 0) {
        phase(vertx, clients, stream + "-warm", warm, window); // the JIT compiles the paths on both sides first
      }
      long start = System.nanoTime();
      long[] latencies = phase(vertx, clients, stream, messages, window);
      double seconds = (System.nanoTime() - start) / 1e9;
      Arrays.sort(latencies);
      System.out.printf("RESULT messages=%d connections=%d seconds=%.2f rate=%.0f p50=%.1f p99=%.1f max=%.1f%n",
          latencies.length, connections, seconds, latencies.length / seconds,
          latencies[latencies.length / 2] / 1e6, latencies[(int) (latencies.length * 0.99)] / 1e6, latencies[latencies.length - 1] / 1e6);
      for (MqttClient client : clients) {
        client.disconnect();
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** Every client publishes {@code messages} to streams/STREAM/dev-N; the publish-to-PUBACK time of each. */
  static long[] phase(Vertx vertx, List<MqttClient> clients, String stream, int messages, int window) throws Exception {
    int connections = clients.size();
    long[] latencies = new long[connections * messages];
    Promise<Void> done = Promise.promise();
    vertx.runOnContext(v -> {
      java.util.concurrent.atomic.AtomicInteger remaining = new java.util.concurrent.atomic.AtomicInteger(connections * messages);
      for (int c = 0; c < connections; c++) {
        new Device(clients.get(c), "streams/" + stream + "/dev-" + c, c, messages, window, latencies, () -> {
          if (remaining.decrementAndGet() == 0) {
            done.tryComplete();
          }
        }, done).start();
      }
    });
    done.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
    return latencies;
  }

  /** One connection: keeps WINDOW messages unacknowledged until it has sent its share. */
  static final class Device {
    final MqttClient client;
    final String topic;
    final int number;
    final int messages;
    final int window;
    final long[] latencies;
    final Runnable acked;
    final Promise<Void> failed;
    /** Clients answer on their own event loops: what they share is thread-safe. */
    final Map<Integer, long[]> sentAt = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();

    Device(MqttClient client, String topic, int number, int messages, int window, long[] latencies, Runnable acked,
        Promise<Void> failed) {
      this.client = client;
      this.topic = topic;
      this.number = number;
      this.messages = messages;
      this.window = window;
      this.latencies = latencies;
      this.acked = acked;
      this.failed = failed;
    }

    void start() {
      client.publishCompletionHandler(id -> {
        long[] at = sentAt.remove(id);
        if (at != null) {
          latencies[(int) at[1]] = System.nanoTime() - at[0];
          acked.run();
          next();
        }
      });
      client.closeHandler(v -> failed.tryFail("connection " + number + " closed by the server"));
      for (int i = 0; i < window; i++) {
        next();
      }
    }

    void next() {
      int n = sent.getAndIncrement();
      if (n >= messages) {
        return;
      }
      int index = number * messages + n;
      String payload = "{\"value\":" + (n % 1000) / 10.0 + ",\"time\":\"2026-12-01T00:00:" + String.format("%02d", n % 60) + "Z\"}";
      long at = System.nanoTime();
      client.publish(topic, Buffer.buffer(payload), MqttQoS.AT_LEAST_ONCE, false, false)
          .onSuccess(id -> sentAt.put(id, new long[] {at, index}))
          .onFailure(failed::tryFail);
    }
  }
}
