package io.loopline.streams;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopline.support.MetricsScrape;
import io.loopline.support.NodeProcess;
import io.loopline.support.Poll;
import io.loopline.support.StoredRecords;
import io.loopline.support.StoredRecords.Stored;
import io.loopline.support.TestNode;
import io.loopline.support.TestServers;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code mqtt} role with real MQTT clients: Debian's {@code mosquitto_pub} (3.1.1 and 5) and the Vert.x MQTT
 * client. A QoS 1 PUBACK comes only once the record is in PostgreSQL; a payload that is no record is dropped and
 * counted while the connection stays; API keys; the in-flight bounds.
 */
class MqttIngestIT {

  private static TestNode node;
  private static Vertx vertx;
  private static String writerKey;
  private static String readerKey;

  @BeforeAll
  static void start() {
    node =
        TestNode.start(
            new JsonObject()
                // A batch waits for the stream's write in progress however long it takes (no timer
                // sends it sooner).
                .put(
                    "mqtt",
                    new JsonObject()
                        .put("enabled", true)
                        .put("port", 0)
                        .put("batchDelayMs", 600_000))
                .put("ingest", new JsonObject().put("writeTimeoutMs", 120_000))
                .put(
                    "db",
                    new JsonObject()
                        .put("queryTimeoutMs", 120_000))); // tests hold a stream's lock on purpose
    vertx = Vertx.vertx();
    writerKey = createKey("device-fleet", "write");
    readerKey = createKey("dashboard", "read");
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(() -> await(vertx.close()), node);
  }

  @Test
  void mosquittoPubAtQos1ReturnsOnceTheRecordIsStored() throws Exception {
    for (String version : List.of("mqttv311", "mqttv5")) {
      String stream = "mosquitto-" + version;
      Result published =
          mosquittoPub(
              node.node().mqttPort(),
              "-V",
              version,
              "-q",
              "1",
              "-t",
              "streams/" + stream + "/boiler-7",
              "-u",
              "boiler-7",
              "-P",
              writerKey,
              "-m",
              "{\"value\": 21.5, \"time\": \"2026-12-01T10:00:00Z\", \"attrs\": {\"unit\": \"C\"}}");
      assertThat(published.exit()).as(published.output()).isZero();
      // mosquitto_pub exits after the PUBACK: the record is already in PostgreSQL, no waiting.
      assertThat(StoredRecords.of(node.databaseUrl(), stream))
          .containsExactly(
              new Stored(1, "boiler-7", "2026-12-01T10:00:00.000000Z", 21.5, "{\"unit\": \"C\"}"));
      assertThat(
              mosquittoPub(
                      node.node().mqttPort(),
                      "-V",
                      version,
                      "-q",
                      "1",
                      "-t",
                      "streams/" + stream + "/boiler-8",
                      "-m",
                      "42")
                  .exit())
          .isZero();
      assertThat(StoredRecords.of(node.databaseUrl(), stream))
          .extracting(Stored::device, Stored::value)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("boiler-7", 21.5),
              org.assertj.core.groups.Tuple.tuple("boiler-8", 42.0));
    }
  }

  @Test
  void aQos1PubackWaitsForTheCommit() throws Exception {
    Acks acks = new Acks();
    MqttClient client = connect(node.node().mqttPort(), "held-device", writerKey, acks);
    try (Connection lock = TestServers.jdbc(node.databaseUrl())) {
      lock.setAutoCommit(false);
      holdStream(lock, "held");
      int id =
          await(
              client.publish(
                  "streams/held/valve-1",
                  json(1.5, "2026-12-01T10:00:00Z"),
                  MqttQoS.AT_LEAST_ONCE,
                  false,
                  false));
      Poll.until(
          "the batch waits for the lock",
          Duration.ofSeconds(30),
          () -> waitingForLocks(node.databaseUrl(), lock) == 1);
      assertThat(acks.received)
          .as("no PUBACK while the record is not committed")
          .doesNotContain(id);
      assertThat(StoredRecords.count(node.databaseUrl(), "held")).isZero();
      lock.rollback();
      Poll.until(
          "the PUBACK after the commit", Duration.ofSeconds(30), () -> acks.received.contains(id));
    }
    assertThat(StoredRecords.of(node.databaseUrl(), "held"))
        .extracting(Stored::device)
        .containsExactly("valve-1");
    await(client.disconnect());
  }

  /**
   * Batches grow with the load: while a stream's batch is being stored (here: held by a lock), the messages that
   * arrive for it gather, from every connection, and go in one batch when the write is done; none is
   * acknowledged before its own batch commits.
   */
  @Test
  void messagesGatherWhileTheStreamsBatchIsStoredAndGoTogether() throws Exception {
    double batches = MetricsScrape.value(node, "loopline_ingest_mqtt_batch_records_count");
    double records = MetricsScrape.value(node, "loopline_ingest_mqtt_batch_records_sum");
    List<Acks> acks = new ArrayList<>();
    List<MqttClient> devices = new ArrayList<>();
    for (int d = 0; d < 5; d++) {
      acks.add(new Acks());
      devices.add(connect(node.node().mqttPort(), "grow-" + d, writerKey, acks.get(d)));
    }
    try (Connection lock = TestServers.jdbc(node.databaseUrl())) {
      lock.setAutoCommit(false);
      holdStream(lock, "grow");
      await(
          devices
              .get(0)
              .publish("streams/grow/d0", json(0, null), MqttQoS.AT_LEAST_ONCE, false, false));
      Poll.until(
          "the first batch waits for the lock",
          Duration.ofSeconds(30),
          () -> waitingForLocks(node.databaseUrl(), lock) == 1);
      for (int n = 1; n <= 50; n++) {
        await(
            devices
                .get(n % 5)
                .publish(
                    "streams/grow/d" + n % 5, json(n, null), MqttQoS.AT_LEAST_ONCE, false, false));
      }
      Poll.until(
          "the 51 messages are received", Duration.ofSeconds(30), () -> inflight(node) == 51);
      assertThat(acks).as("no PUBACK before the commit").allMatch(a -> a.received.isEmpty());
      assertThat(MetricsScrape.value(node, "loopline_ingest_mqtt_batch_records_count") - batches)
          .as("one batch sent")
          .isEqualTo(1);
      lock.rollback();
      Poll.until(
          "every PUBACK after the commits",
          Duration.ofSeconds(30),
          () -> acks.stream().mapToInt(a -> a.received.size()).sum() == 51);
    }
    assertThat(MetricsScrape.value(node, "loopline_ingest_mqtt_batch_records_count") - batches)
        .as("the first message alone, then the 50 that gathered meanwhile")
        .isEqualTo(2);
    assertThat(MetricsScrape.value(node, "loopline_ingest_mqtt_batch_records_sum") - records)
        .isEqualTo(51);
    assertThat(StoredRecords.count(node.databaseUrl(), "grow")).isEqualTo(51);
    for (MqttClient device : devices) {
      await(device.disconnect());
    }
  }

  @Test
  void aPayloadThatIsNoRecordIsDroppedAndCountedAndTheConnectionStays() {
    double payloads = dropped("payload");
    double topics = dropped("topic");
    Acks acks = new Acks();
    MqttClient client = connect(node.node().mqttPort(), "sloppy-device", null, acks);
    int bad =
        await(
            client.publish(
                "streams/sloppy/d1",
                Buffer.buffer("twenty-one"),
                MqttQoS.AT_LEAST_ONCE,
                false,
                false));
    int badTopic =
        await(client.publish("devices/d1", json(1, null), MqttQoS.AT_LEAST_ONCE, false, false));
    await(
        client.publish(
            "streams/sloppy/d1",
            Buffer.buffer("{\"value\": 1, \"colour\": 2}"),
            MqttQoS.AT_MOST_ONCE,
            false,
            false));
    int good =
        await(
            client.publish(
                "streams/sloppy/d1", json(7, null), MqttQoS.AT_LEAST_ONCE, false, false));
    Poll.until(
        "every QoS 1 message acknowledged",
        Duration.ofSeconds(30),
        () -> acks.received.containsAll(Set.of(bad, badTopic, good)));
    assertThat(client.isConnected()).isTrue();
    assertThat(StoredRecords.of(node.databaseUrl(), "sloppy"))
        .extracting(Stored::value)
        .containsExactly(7.0);
    assertThat(dropped("payload")).isEqualTo(payloads + 2);
    assertThat(dropped("topic")).isEqualTo(topics + 1);
    assertThat(MetricsScrape.value(node, "loopline_ingest_records_accepted_total{source=\"mqtt\"}"))
        .isPositive();
    await(client.disconnect());
  }

  @Test
  void clientsAuthenticateWithAnApiKeyThatMayWrite() throws Exception {
    assertThatThrownBy(
            () -> connect(node.node().mqttPort(), "guesser", "ll_not-a-key-at-all", new Acks()))
        .hasMessageContaining("BAD_USER_NAME_OR_PASSWORD");
    assertThatThrownBy(() -> connect(node.node().mqttPort(), "reader", readerKey, new Acks()))
        .hasMessageContaining("NOT_AUTHORIZED");
    Result refused =
        mosquittoPub(
            node.node().mqttPort(),
            "-V",
            "mqttv5",
            "-q",
            "1",
            "-t",
            "streams/auth/d",
            "-u",
            "dashboard",
            "-P",
            readerKey,
            "-m",
            "1");
    assertThat(refused.exit()).as(refused.output()).isNotZero();
    assertThat(StoredRecords.count(node.databaseUrl(), "auth")).isZero();

    // A key revoked while its device is connected ends the connection.
    String key = createKey("soon-revoked", "write");
    Acks acks = new Acks();
    MqttClient client = connect(node.node().mqttPort(), "revoked-device", key, acks);
    JsonObject keys =
        await(
                node.client()
                    .get("/admin/api-keys")
                    .bearerTokenAuthentication(TestNode.ADMIN_KEY)
                    .send())
            .bodyAsJsonObject();
    long id =
        keys.getJsonArray("keys").stream()
            .map(k -> (JsonObject) k)
            .filter(k -> k.getString("name").equals("soon-revoked"))
            .findFirst()
            .orElseThrow()
            .getLong("id");
    assertThat(
            await(
                    node.client()
                        .delete("/admin/api-keys/" + id)
                        .bearerTokenAuthentication(TestNode.ADMIN_KEY)
                        .send())
                .statusCode())
        .isBetween(200, 204);
    Poll.until(
        "the connection of the revoked key closes", Duration.ofSeconds(30), () -> acks.closed);
  }

  @Test
  void inFlightMessagesAreBoundedPerConnectionAndPerNode() throws Exception {
    try (TestNode limited =
            TestNode.start(
                new JsonObject()
                    .put(
                        "mqtt",
                        new JsonObject()
                            .put("enabled", true)
                            .put("port", 0)
                            .put("maxInflightPerConnection", 2)
                            .put("maxInflight", 3))
                    .put("ingest", new JsonObject().put("writeTimeoutMs", 120_000))
                    .put("db", new JsonObject().put("queryTimeoutMs", 120_000)));
        Connection lock = TestServers.jdbc(limited.databaseUrl())) {
      lock.setAutoCommit(false);
      holdStream(lock, "bounded");
      double overload =
          MetricsScrape.value(limited, "loopline_ingest_mqtt_dropped_total{reason=\"overload\"}");

      // Per connection: a third unacknowledged QoS 1 message ends an MQTT 3.1.1 connection (it
      // cannot be refused alone).
      Acks eager = new Acks();
      MqttClient client = connect(limited.node().mqttPort(), "eager", null, eager);
      for (int i = 0; i < 3; i++) {
        client.publish("streams/bounded/eager", json(i, null), MqttQoS.AT_LEAST_ONCE, false, false);
      }
      Poll.until(
          "the connection over its bound closes", Duration.ofSeconds(30), () -> eager.closed);
      assertThat(inflight(limited)).isEqualTo(2);

      // Per node: one more message fits; then QoS 0 is dropped, and an MQTT 5 QoS 1 message refused
      // (0x97).
      MqttClient other = connect(limited.node().mqttPort(), "other", null, new Acks());
      await(
          other.publish(
              "streams/bounded/other", json(10, null), MqttQoS.AT_MOST_ONCE, false, false));
      await(
          other.publish(
              "streams/bounded/other", json(11, null), MqttQoS.AT_MOST_ONCE, false, false));
      Poll.until(
          "the node is full",
          Duration.ofSeconds(30),
          () ->
              inflight(limited) == 3
                  && MetricsScrape.value(
                          limited, "loopline_ingest_mqtt_dropped_total{reason=\"overload\"}")
                      == overload + 2);
      Result quota =
          mosquittoPub(
              limited.node().mqttPort(),
              "-V",
              "mqttv5",
              "-q",
              "1",
              "-t",
              "streams/bounded/v5",
              "-m",
              "1");
      assertThat(quota.output()).containsIgnoringCase("quota exceeded");
      assertThat(other.isConnected())
          .as("QoS 0 over the bound is dropped, the connection stays")
          .isTrue();

      lock.rollback();
      Poll.until(
          "the messages in flight stored",
          Duration.ofSeconds(30),
          () -> StoredRecords.count(limited.databaseUrl(), "bounded") == 3);
      assertThat(StoredRecords.of(limited.databaseUrl(), "bounded"))
          .extracting(Stored::value)
          .containsExactlyInAnyOrder(0.0, 1.0, 10.0);
      Poll.until("nothing in flight", Duration.ofSeconds(30), () -> inflight(limited) == 0);
      await(other.disconnect());
    }
  }

  @Test
  void overTlsWithKeysRequired() throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    try (TestNode secure =
        TestNode.start(
            new JsonObject()
                .put(
                    "mqtt",
                    new JsonObject()
                        .put("enabled", true)
                        .put("port", 0)
                        .put("tlsCertPath", certificate.certificatePath())
                        .put("tlsKeyPath", certificate.privateKeyPath()))
                .put("auth", new JsonObject().put("required", true)))) {
      int port = secure.node().mqttPort();
      String key = createKey(secure, "tls-fleet", "write");
      Acks acks = new Acks();
      MqttClient client = connect(port, "tls-device", key, acks, true);
      int id =
          await(
              client.publish(
                  "streams/tls/d1", json(3.5, null), MqttQoS.AT_LEAST_ONCE, false, false));
      Poll.until("acknowledged", Duration.ofSeconds(30), () -> acks.received.contains(id));
      assertThat(StoredRecords.of(secure.databaseUrl(), "tls"))
          .extracting(Stored::value)
          .containsExactly(3.5);
      await(client.disconnect());

      assertThatThrownBy(() -> connect(port, "anonymous", null, new Acks(), true))
          .hasMessageContaining("NOT_AUTHORIZED");
      assertThatThrownBy(() -> connect(port, "plain", key, new Acks(), false))
          .as("plain TCP to a TLS port")
          .isNotNull();
      Result published =
          mosquittoPub(
              port,
              "--cafile",
              certificate.certificatePath(),
              "--insecure",
              "-q",
              "1",
              "-t",
              "streams/tls/d2",
              "-u",
              "d2",
              "-P",
              key,
              "-m",
              "4.5");
      assertThat(published.exit()).as(published.output()).isZero();
      assertThat(StoredRecords.count(secure.databaseUrl(), "tls")).isEqualTo(2);
    }
  }

  /**
   * QoS 1 across a node killed before its batch committed: the client got no PUBACK, so it publishes again to
   * the next node. A batch is written in a transaction that only the writer commits (COPY), so PostgreSQL rolls
   * back what the dead node left open, whichever step it was at, and the record published again is stored once.
   * (A node that dies after the commit and before the PUBACK leaves it stored twice: at least once, as QoS 1
   * promises.)
   */
  @Test
  void aNodeKilledBeforeTheCommitLeavesItToTheClientToPublishAgain() throws Exception {
    String database = TestServers.createDatabase();
    String lost = "killed-lost";
    String late = otherLane(lost);
    Map<String, String> env =
        Map.of(
            "LOOPLINE_MQTT_ENABLED",
            "true",
            "LOOPLINE_MQTT_PORT",
            "0",
            "LOOPLINE_DB_QUERY_TIMEOUT_MS",
            "120000",
            "LOOPLINE_INGEST_WRITE_TIMEOUT_MS",
            "120000");
    try (Connection lockLost = TestServers.jdbc(database);
        Connection lockLate = TestServers.jdbc(database)) {
      NodeProcess victim = NodeProcess.start(database, env);
      try {
        int port = mqttPort(victim);
        lockLost.setAutoCommit(false);
        lockLate.setAutoCommit(false);
        holdStream(lockLost, lost);
        holdStream(lockLate, late);
        Acks acks = new Acks();
        MqttClient device = connect(port, "kill-device", null, acks);
        Buffer first = json(1, "2026-12-01T10:00:00Z");
        Buffer second = json(2, "2026-12-01T10:00:01Z");
        await(device.publish("streams/" + lost + "/d", first, MqttQoS.AT_LEAST_ONCE, false, false));
        await(
            device.publish("streams/" + late + "/d", second, MqttQoS.AT_LEAST_ONCE, false, false));
        Poll.until(
            "both batches wait in PostgreSQL",
            Duration.ofSeconds(60),
            () ->
                waitingForLocks(database, lockLost) == 1
                    && waitingForLocks(database, lockLate) == 1);
        assertThat(acks.received).isEmpty();

        victim.kill();
        lockLost.rollback();
        lockLate.rollback();
        // The dead node's transactions end with its connections, rolled back: they were never
        // committed.
        Poll.until(
            "the dead node's ingest connections are gone",
            Duration.ofSeconds(30),
            () -> ingestBackends(database) == 0);
        assertThat(StoredRecords.count(database, lost)).isZero();
        assertThat(StoredRecords.count(database, late)).isZero();
        await(device.disconnect().recover(e -> io.vertx.core.Future.succeededFuture()));
      } finally {
        victim.close();
      }

      try (NodeProcess next = NodeProcess.start(database, env)) {
        Acks acks = new Acks();
        MqttClient device = connect(mqttPort(next), "kill-device", null, acks);
        // What a QoS 1 client does with messages that got no PUBACK: publishes them again, flagged
        // DUP.
        int again =
            await(
                device.publish(
                    "streams/" + lost + "/d",
                    json(1, "2026-12-01T10:00:00Z"),
                    MqttQoS.AT_LEAST_ONCE,
                    true,
                    false));
        int againLate =
            await(
                device.publish(
                    "streams/" + late + "/d",
                    json(2, "2026-12-01T10:00:01Z"),
                    MqttQoS.AT_LEAST_ONCE,
                    true,
                    false));
        Poll.until(
            "both acknowledged",
            Duration.ofSeconds(30),
            () -> acks.received.containsAll(Set.of(again, againLate)));
        await(device.disconnect());
      }
      assertThat(StoredRecords.of(database, lost))
          .as("not lost")
          .containsExactly(new Stored(1, "d", "2026-12-01T10:00:00.000000Z", 1, null));
      assertThat(StoredRecords.of(database, late))
          .as("not doubled")
          .containsExactly(new Stored(1, "d", "2026-12-01T10:00:01.000000Z", 2, null));
    } finally {
      TestServers.dropDatabase(database);
    }
  }

  /** Connections of the ingest writers (pgjdbc's, named loopline-ingest) to {@code database}. */
  private static int ingestBackends(String database) throws Exception {
    try (Connection c = TestServers.jdbc(database);
        java.sql.ResultSet rows =
            c.createStatement()
                .executeQuery(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'loopline-ingest'")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  /** A stream name that the persistence verticle writes on another connection than {@code stream}'s (4 by default). */
  private static String otherLane(String stream) {
    for (int i = 0; ; i++) {
      String candidate = "killed-late-" + i;
      if (Math.floorMod(candidate.hashCode(), 4) != Math.floorMod(stream.hashCode(), 4)) {
        return candidate;
      }
    }
  }

  private static int mqttPort(NodeProcess process) throws InterruptedException {
    String line =
        process.awaitLine("MQTT on "); // logged as the MQTT role starts, before the node is ready
    process.port();
    return Integer.parseInt(line.substring(line.lastIndexOf(':') + 1).trim());
  }

  /** Keeps batches of {@code stream} from committing until {@code lock} ends its transaction: they wait for the stream's row. */
  static void holdStream(Connection lock, String stream) throws Exception {
    lock.createStatement()
        .execute(
            "INSERT INTO streams (name, records, first_time, last_time) VALUES ('"
                + stream
                + "', 0, now(), now())");
  }

  /**
   * Backends waiting for a lock {@code lock}'s session holds, seen from a connection of its own (within a
   * transaction PostgreSQL shows a snapshot of {@code pg_stat_activity} that does not move).
   */
  static int waitingForLocks(String databaseUrl, Connection lock) throws Exception {
    int holder;
    try (ResultSet pid = lock.createStatement().executeQuery("SELECT pg_backend_pid()")) {
      pid.next();
      holder = pid.getInt(1);
    }
    try (Connection look = TestServers.jdbc(databaseUrl);
        ResultSet rows =
            look.createStatement()
                .executeQuery(
                    "SELECT count(*) FROM pg_stat_activity WHERE "
                        + holder
                        + " = ANY(pg_blocking_pids(pid))")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  static Buffer json(double value, String time) {
    JsonObject payload = new JsonObject().put("value", value);
    return (time == null ? payload : payload.put("time", time)).toBuffer();
  }

  /** What a client heard back: PUBACKs by packet id, and whether its connection closed. */
  static final class Acks {
    final Set<Integer> received = ConcurrentHashMap.newKeySet();
    volatile boolean closed;
  }

  /** A Vert.x MQTT 3.1.1 client connected with this password (an API key), or without one. */
  static MqttClient connect(int port, String clientId, String password, Acks acks) {
    return connect(port, clientId, password, acks, false);
  }

  static MqttClient connect(int port, String clientId, String password, Acks acks, boolean tls) {
    MqttClientOptions options =
        new MqttClientOptions().setClientId(clientId).setMaxInflightQueue(100).setAckTimeout(120);
    if (tls) {
      options.setSsl(true).setTrustAll(true).setHostnameVerificationAlgorithm("");
    }
    if (password != null) {
      options.setUsername(clientId).setPassword(password);
    }
    MqttClient client = MqttClient.create(vertx, options);
    client.publishCompletionHandler(acks.received::add);
    client.closeHandler(v -> acks.closed = true);
    await(client.connect(port, "127.0.0.1"));
    return client;
  }

  record Result(int exit, String output) {}

  /** Runs Debian's {@code mosquitto_pub} against 127.0.0.1:{@code port} (30 s at most). */
  static Result mosquittoPub(int port, String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(port), "-d"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("mosquitto_pub did not finish in 30 s");
    }
    return new Result(
        process.exitValue(),
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  private static String createKey(String name, String scope) {
    return createKey(node, name, scope);
  }

  private static String createKey(TestNode on, String name, String scope) {
    return await(
            on.client()
                .post("/admin/api-keys")
                .bearerTokenAuthentication(TestNode.ADMIN_KEY)
                .sendJsonObject(
                    new JsonObject().put("name", name).put("scopes", new JsonArray().add(scope))))
        .bodyAsJsonObject()
        .getString("key");
  }

  private static double dropped(String reason) {
    return MetricsScrape.value(
        node, "loopline_ingest_mqtt_dropped_total{reason=\"" + reason + "\"}");
  }

  private static double inflight(TestNode on) {
    return MetricsScrape.value(on, "loopline_ingest_mqtt_inflight");
  }
}
