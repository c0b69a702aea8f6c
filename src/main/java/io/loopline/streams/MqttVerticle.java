package io.loopline.streams;

import io.loopline.contract.Addresses;
import io.loopline.contract.ApiKeyFormat;
import io.loopline.contract.RecordBatch;
import io.loopline.contract.RecordJson;
import io.loopline.contract.StreamRecords;
import io.loopline.platform.bus.LocalFirst;
import io.loopline.platform.bus.Operations;
import io.loopline.platform.config.AccessSettings;
import io.loopline.platform.config.IngestSettings;
import io.loopline.platform.config.MqttSettings;
import io.loopline.platform.observe.Metrics;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.mqtt.MqttAuth;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code mqtt} role: an MQTT server (3.1.1 and 5) that devices publish records to, on topic {@code
 * streams/{stream}/{device}}, with a JSON object {@code {"value", "time"?, "attrs"?}} or a bare number as payload.
 * A QoS 1 message gets its PUBACK only once its batch is stored (committed).
 *
 * <p>Batches grow with the load: messages of a stream gather while {@code mqtt.writesPerStream} of its batches are
 * being stored, and go together when one of them is done, when {@code mqtt.batchSize} are gathered, or when the
 * first has waited {@code mqtt.batchDelayMs}. A stream with no write in progress sends what arrived in the same
 * turn of the event loop at once; so a lone message waits for nothing, and under load each write carries what
 * arrived during the one before it. A payload or topic that is not a record is
 * dropped and counted, and the connection stays. Clients authenticate with an API key as password (any user
 * name), which must hold the {@code write} scope; with {@code auth.required} false, clients may also connect
 * without one. Receives the {@code mqtt}, {@code ingest} and {@code auth} sections.
 *
 * <p>Bounds: a connection may have {@code mqtt.maxInflightPerConnection} QoS 1 messages waiting for their PUBACK
 * (MQTT 5 clients are told so in the CONNACK, as Receive Maximum), and the node {@code mqtt.maxInflight}
 * messages waiting to be stored. Beyond them a QoS 0 message is dropped (counted); a QoS 1 message is refused
 * with PUBACK reason 0x97 (quota exceeded) to MQTT 5 clients, and ends the connection of MQTT 3.1.1 clients,
 * which have no way to hear a refusal: they publish it again after reconnecting.
 */
public final class MqttVerticle extends VerticleBase {

  /**
   * The configuration sections an MQTT verticle receives; {@code rateLimit} only because {@link
   * AccessSettings}, which holds {@code auth.required}, is read from the two together.
   */
  public static final String[] SECTIONS = {"mqtt", "ingest", "auth", "rateLimit"};

  private static final Logger log = LoggerFactory.getLogger(MqttVerticle.class);
  private static final int MQTT_5 = 5;

  private MqttSettings settings;
  private IngestSettings ingest;
  private boolean authRequired;
  private IngestMetrics metrics;
  private LocalFirst bus;
  private MqttServer server;
  private final Set<Client> clients = new HashSet<>();
  private final Map<String, StreamBatch> batches = new HashMap<>();

  /** Messages received and not yet stored (or dropped), over every connection. */
  private int inflight;

  /** One connected client. */
  private static final class Client {
    final MqttEndpoint endpoint;
    final Long keyId;

    /** QoS 1 messages received and not yet acknowledged. */
    int awaitingAck;

    boolean gone;

    Client(MqttEndpoint endpoint, Long keyId) {
      this.endpoint = endpoint;
      this.keyId = keyId;
    }

    boolean mqtt5() {
      return endpoint.protocolVersion() == MQTT_5;
    }
  }

  /** A message in a batch: whom to acknowledge once it is stored. */
  private record Pending(Client client, int messageId, boolean qos1) {}

  /** The batch of one stream being gathered, and how many of the stream's batches are being stored. */
  private final class StreamBatch {
    final String stream;
    RecordBatch.Builder records;
    List<Pending> pending = new ArrayList<>();
    long timer = -1;
    boolean flushQueued;
    int writing;

    StreamBatch(String stream) {
      this.stream = stream;
      records = RecordBatch.builder(stream, RecordBatch.MQTT, settings.batchSize());
    }

    /** A message joined: send now, at the end of this turn of the event loop, or when a write is done. */
    void added() {
      if (records.isFull()) {
        flush(this);
      } else if (writing < settings.writesPerStream()) {
        if (!flushQueued) {
          flushQueued = true;
          vertx.runOnContext(
              v -> {
                flushQueued = false;
                if (writing < settings.writesPerStream()) {
                  flush(this);
                }
              });
        }
      } else if (timer < 0 && pending.size() == 1) {
        timer =
            vertx.setTimer(
                settings.batchDelayMs(),
                t -> {
                  timer = -1;
                  flush(this);
                });
      }
    }
  }

  @Override
  public Future<?> start() {
    settings = MqttSettings.from(config());
    ingest = IngestSettings.from(config());
    authRequired = AccessSettings.from(config()).authRequired();
    metrics = new IngestMetrics(Metrics.registry(config()));
    metrics.gauge(
        "loopline.ingest.mqtt.connections", "MQTT clients connected to this node", clients::size);
    metrics.gauge(
        "loopline.ingest.mqtt.inflight",
        "MQTT messages received and not yet stored, on this node",
        () -> inflight);
    bus = new LocalFirst(vertx.eventBus(), vertx.isClustered());
    MqttServerOptions options =
        new MqttServerOptions()
            .setHost(settings.host())
            .setPort(settings.port())
            .setMaxMessageSize(settings.maxMessageBytes())
            .setTimeoutOnConnect(10);
    if (settings.tls()) {
      options
          .setSsl(true)
          .setKeyCertOptions(
              new PemKeyCertOptions()
                  .setCertPath(settings.tlsCertPath())
                  .setKeyPath(settings.tlsKeyPath()));
    }
    server =
        MqttServer.create(vertx, options)
            .endpointHandler(this::connected)
            .exceptionHandler(e -> log.debug("MQTT connection failed: {}", e.toString()));
    return Future.all(
        Operations.<JsonObject>listen(
                vertx.eventBus(), Addresses.API_KEYS_REVOKED, key -> revoked(key.getLong("id")))
            .completion(),
        server
            .listen()
            .onSuccess(
                listening ->
                    log.info(
                        "MQTT{} on {}:{}",
                        settings.tls() ? " over TLS" : "",
                        settings.host(),
                        listening.actualPort())));
  }

  /** The port MQTT listens on (the one the OS chose when {@code mqtt.port} is 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private void connected(MqttEndpoint endpoint) {
    MqttAuth auth = endpoint.auth();
    String key = auth == null ? null : auth.getPassword();
    if (key == null || key.isEmpty()) {
      if (authRequired) {
        refuse(
            endpoint,
            MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED,
            MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5);
      } else {
        accept(endpoint, null);
      }
      return;
    }
    if (key.length() > ApiKeyFormat.MAX_LENGTH) {
      refuse(
          endpoint,
          MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
          MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD);
      return;
    }
    bus.<JsonObject>request(
            Addresses.API_KEYS_LOOKUP,
            new JsonObject().put("hash", ApiKeyFormat.hashHex(key)),
            new DeliveryOptions().setSendTimeout(ingest.writeTimeoutMs()))
        .map(Message::body)
        .onSuccess(
            holder -> {
              boolean writes =
                  holder.getJsonArray("scopes").contains("write")
                      || holder.getJsonArray("scopes").contains("admin");
              if (Boolean.TRUE.equals(holder.getBoolean("revoked")) || !writes) {
                refuse(
                    endpoint,
                    MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED,
                    MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5);
              } else {
                accept(endpoint, holder.getLong("id"));
              }
            })
        .onFailure(
            e -> {
              boolean unknown =
                  e instanceof io.vertx.core.eventbus.ReplyException reply
                      && reply.failureCode() == 404;
              refuse(
                  endpoint,
                  unknown
                      ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD
                      : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                  unknown
                      ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                      : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5);
            });
  }

  private static void refuse(
      MqttEndpoint endpoint, MqttConnectReturnCode v3, MqttConnectReturnCode v5) {
    endpoint.reject(endpoint.protocolVersion() == MQTT_5 ? v5 : v3);
  }

  private void accept(MqttEndpoint endpoint, Long keyId) {
    Client client = new Client(endpoint, keyId);
    clients.add(client);
    endpoint.publishAutoAck(false);
    endpoint.publishHandler(message -> publish(client, message));
    // An ingest server: nothing to subscribe to. Every subscription is refused (0x80 in MQTT
    // 3.1.1).
    endpoint.subscribeHandler(
        subscribe -> {
          if (client.mqtt5()) {
            endpoint.subscribeAcknowledge(
                subscribe.messageId(),
                subscribe.topicSubscriptions().stream()
                    .map(t -> MqttSubAckReasonCode.NOT_AUTHORIZED)
                    .toList(),
                MqttProperties.NO_PROPERTIES);
          } else {
            endpoint.subscribeAcknowledge(
                subscribe.messageId(),
                subscribe.topicSubscriptions().stream().map(t -> MqttQoS.FAILURE).toList());
          }
        });
    endpoint.unsubscribeHandler(
        unsubscribe -> endpoint.unsubscribeAcknowledge(unsubscribe.messageId()));
    endpoint.closeHandler(v -> gone(client));
    endpoint.exceptionHandler(
        e -> log.debug("MQTT client {}: {}", endpoint.clientIdentifier(), e.toString()));
    MqttProperties properties = new MqttProperties();
    if (client.mqtt5()) {
      // What this server does not do, said up front: QoS 2, retained messages, subscriptions.
      properties.add(
          new MqttProperties.IntegerProperty(
              MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value(),
              settings.maxInflightPerConnection()));
      properties.add(
          new MqttProperties.IntegerProperty(
              MqttProperties.MqttPropertyType.MAXIMUM_QOS.value(), 1));
      properties.add(
          new MqttProperties.IntegerProperty(
              MqttProperties.MqttPropertyType.RETAIN_AVAILABLE.value(), 0));
      properties.add(
          new MqttProperties.IntegerProperty(
              MqttProperties.MqttPropertyType.WILDCARD_SUBSCRIPTION_AVAILABLE.value(), 0));
    }
    endpoint.accept(false, properties);
  }

  private void publish(Client client, MqttPublishMessage message) {
    boolean qos1 = message.qosLevel() == MqttQoS.AT_LEAST_ONCE;
    if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
      metrics.mqttDropped("qos");
      close(
          client,
          MqttDisconnectReasonCode.QOS_NOT_SUPPORTED); // refused in the CONNACK already (MQTT 5)
      return;
    }
    if (qos1 && client.awaitingAck >= settings.maxInflightPerConnection()) {
      metrics.mqttDropped("overload");
      close(client, MqttDisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED);
      return;
    }
    if (inflight >= settings.maxInflight()) {
      metrics.mqttDropped("overload");
      if (qos1 && client.mqtt5()) {
        client.endpoint.publishAcknowledge(
            message.messageId(), MqttPubAckReasonCode.QUOTA_EXCEEDED, MqttProperties.NO_PROPERTIES);
      } else if (qos1) {
        close(
            client,
            MqttDisconnectReasonCode
                .QUOTA_EXCEEDED); // MQTT 3.1.1 cannot refuse one message: it resends after
        // reconnecting
      }
      return;
    }
    String[] topic = message.topicName().split("/", -1);
    String problem =
        topic.length != 3 || !topic[0].equals("streams") || !StreamRecords.validStream(topic[1])
            ? "topic"
            : StreamRecords.deviceProblem(topic[2]) != null ? "topic" : null;
    if (problem == null) {
      StreamBatch batch = batches.computeIfAbsent(topic[1], StreamBatch::new);
      Buffer payload = message.payload();
      byte[] bytes = payload.getBytes();
      if (RecordJson.add(bytes, bytes.length, topic[2], batch.records) != null) {
        problem = "payload";
      } else {
        inflight++;
        if (qos1) {
          client.awaitingAck++;
        }
        batch.pending.add(new Pending(client, message.messageId(), qos1));
        batch.added();
        return;
      }
    }
    // Not a record: dropped and counted; the connection stays, and a QoS 1 message is acknowledged
    // (MQTT 5: as refused).
    metrics.mqttDropped(problem);
    metrics.rejected(RecordBatch.MQTT, 1);
    if (qos1) {
      if (client.mqtt5()) {
        client.endpoint.publishAcknowledge(
            message.messageId(),
            problem.equals("topic")
                ? MqttPubAckReasonCode.TOPIC_NAME_INVALID
                : MqttPubAckReasonCode.PAYLOAD_FORMAT_INVALID,
            MqttProperties.NO_PROPERTIES);
      } else {
        client.endpoint.publishAcknowledge(message.messageId());
      }
    }
  }

  /** Sends a stream's gathered messages to be stored; acknowledges the QoS 1 ones once they are. */
  private void flush(StreamBatch batch) {
    if (batch.pending.isEmpty()) {
      return;
    }
    if (batch.timer >= 0) {
      vertx.cancelTimer(batch.timer);
      batch.timer = -1;
    }
    RecordBatch records = batch.records.build();
    List<Pending> pending = batch.pending;
    batch.records = RecordBatch.builder(batch.stream, RecordBatch.MQTT, settings.batchSize());
    batch.pending = new ArrayList<>();
    batch.writing++;
    metrics.mqttBatch(records.size());
    bus.<JsonObject>request(
            Addresses.STREAMS_APPEND,
            records,
            new DeliveryOptions().setSendTimeout(ingest.writeTimeoutMs()))
        .onComplete(
            stored -> {
              inflight -= pending.size();
              for (Pending one : pending) {
                Client client = one.client();
                if (one.qos1()) {
                  client.awaitingAck--;
                }
                if (client.gone) {
                  continue;
                }
                if (stored.succeeded() && one.qos1()) {
                  client.endpoint.publishAcknowledge(one.messageId());
                } else if (stored.failed() && one.qos1()) {
                  // Not stored, and no PUBACK: the client publishes it again once reconnected.
                  close(client, MqttDisconnectReasonCode.SERVER_BUSY);
                }
              }
              if (stored.failed()) {
                log.warn(
                    "MQTT batch of {} records for stream {} not stored: {}",
                    records.size(),
                    batch.stream,
                    stored.cause().toString());
                pending.stream()
                    .filter(p -> !p.qos1())
                    .forEach(p -> metrics.mqttDropped("unavailable"));
              }
              batch.writing--;
              if (!batch.pending.isEmpty()) {
                flush(batch); // what gathered while this one was stored
              } else if (batch.writing == 0) {
                batches.remove(batch.stream);
              }
            });
  }

  private void close(Client client, MqttDisconnectReasonCode reason) {
    if (client.gone) {
      return;
    }
    if (client.mqtt5() && client.endpoint.isConnected()) {
      client.endpoint.disconnect(reason, MqttProperties.NO_PROPERTIES);
    }
    client.endpoint.close();
    gone(client);
  }

  private void gone(Client client) {
    client.gone = true;
    clients.remove(client);
  }

  /** A revoked key ends the connections made with it. */
  private void revoked(Long keyId) {
    clients.stream()
        .filter(c -> keyId != null && keyId.equals(c.keyId))
        .toList()
        .forEach(c -> close(c, MqttDisconnectReasonCode.NOT_AUTHORIZED));
  }

  @Override
  public Future<?> stop() {
    // Gathered messages go to be stored first; what has not been acknowledged when the node stops
    // is published again by clients.
    new ArrayList<>(batches.values()).forEach(this::flush);
    return server == null ? Future.succeededFuture() : server.close();
  }
}
