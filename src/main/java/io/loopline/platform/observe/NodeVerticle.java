package io.loopline.platform.observe;

import io.loopline.contract.Addresses;
import io.loopline.contract.Role;
import io.loopline.platform.bus.Operations;
import io.loopline.platform.config.MetricsSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;

/**
 * What a node says about itself, on every node whatever its roles: every few seconds it checks that its own
 * roles' verticles answer (on this node, not anywhere in the cluster), and puts its card (id, roles, HTTP
 * port, start time, readiness) in a cluster-wide map whose entries expire, so a node that dies leaves it
 * within {@link #CARD_TTL_MS}. It samples its own meters every {@code metrics.sampleMs} into a
 * {@link MeterHistory} of {@code metrics.historyMinutes}, and answers for it at {@link Addresses#node(String)}.
 * Receives {@code roles} (those it runs: {@code mqtt} only when enabled), {@code metrics} and {@link Metrics#CONFIG_KEY}; the HTTP port is put in
 * {@link #LOCAL_MAP} by the launcher once the HTTP verticles listen.
 */
public final class NodeVerticle extends VerticleBase {

  /** This node's own facts that become known after its verticles start: {@link #HTTP_PORT}. */
  public static final String LOCAL_MAP = "loopline.node";

  /** The port the HTTP verticles listen on (the OS's choice when {@code http.port} is 0). */
  public static final String HTTP_PORT = "httpPort";

  /** The cluster-wide map of node cards (Hazelcast in a cluster, in process otherwise). */
  static final String NODES_MAP = "loopline.nodes";

  private static final long ANNOUNCE_MS = 5_000;
  static final long CARD_TTL_MS = 3 * ANNOUNCE_MS;
  private static final long CHECK_TIMEOUT_MS = 2_000;

  /** The roles whose verticle answers {@code Addresses.health(role)}. */
  private static final Set<Role> ASKED =
      EnumSet.of(Role.PERSISTENCE, Role.CACHE, Role.SCRAPER, Role.WORKER, Role.CHAT);

  private final String id = UUID.randomUUID().toString().substring(0, 8);
  private final Instant startedAt = Instant.now();
  private List<Role> roles;
  private JsonObject card;
  private MeterHistory history;
  private long sampleMs;
  private AsyncMap<String, JsonObject> nodes;
  private JsonObject readiness =
      new JsonObject().put("ready", false).put("checks", new JsonObject());

  @Override
  public Future<?> start() {
    roles =
        config().getJsonArray("roles").stream().map(r -> Role.parse(String.valueOf(r))).toList();
    MetricsSettings metrics = MetricsSettings.from(config());
    sampleMs = metrics.sampleMs();
    history =
        new MeterHistory(
            Metrics.registry(config()),
            (int) Math.max(1, metrics.historyMinutes() * 60_000 / sampleMs));
    card =
        new JsonObject()
            .put("id", id)
            .put("roles", new JsonArray(roles.stream().map(Role::id).toList()))
            .put("host", hostName())
            .put("pid", ProcessHandle.current().pid())
            .put("version", version())
            .put("clustered", vertx.isClustered())
            .put("startedAt", startedAt.toString());
    history.sample(System.currentTimeMillis());
    vertx.setPeriodic(sampleMs, t -> history.sample(System.currentTimeMillis()));
    var bus = vertx.eventBus();
    return Future.all(
            vertx
                .sharedData()
                .<String, JsonObject>getAsyncMap(NODES_MAP)
                .onSuccess(map -> nodes = map),
            Operations.answerIgnoringBody(
                    bus,
                    Addresses.node(id),
                    () -> Future.succeededFuture(series()),
                    Operations.passingOn(503))
                .completion(),
            Operations.answerIgnoringBody(
                    bus,
                    Addresses.CLUSTER_NODES,
                    () ->
                        cluster()
                            .recover(
                                e ->
                                    Future.failedFuture(
                                        Operations.refusal(
                                            503,
                                            "the node map is unavailable: " + e.getMessage()))),
                    Operations.passingOn(503))
                .completion(),
            Operations.answer(
                    bus, Addresses.CLUSTER_SERIES, this::clusterSeries, Operations.passingOn(503))
                .completion())
        .onSuccess(
            v -> {
              announce();
              vertx.setPeriodic(ANNOUNCE_MS, t -> announce());
            });
  }

  private JsonObject series() {
    return history.series(sampleMs).put("node", id);
  }

  /** Checks this node's roles, then puts the card with a time to live: a dead node's card expires. */
  private void announce() {
    List<Future<String>> checks = new ArrayList<>();
    for (Role role : roles) {
      // Roles with no health address (HTTP, MQTT) are up once deployed; the others are asked on
      // this node only.
      checks.add(
          !ASKED.contains(role)
              ? Future.succeededFuture("UP")
              : vertx
                  .eventBus()
                  .request(
                      Addresses.health(role),
                      new JsonObject(),
                      new DeliveryOptions().setSendTimeout(CHECK_TIMEOUT_MS).setLocalOnly(true))
                  .map("UP")
                  .otherwise(e -> String.valueOf(e.getMessage())));
    }
    Future.join(checks)
        .onComplete(
            done -> {
              JsonObject results = new JsonObject();
              boolean ready = true;
              for (int i = 0; i < roles.size(); i++) {
                String status = checks.get(i).result();
                results.put(roles.get(i).id(), status);
                ready &= "UP".equals(status);
              }
              readiness = new JsonObject().put("ready", ready).put("checks", results);
              nodes
                  .put(id, card(), CARD_TTL_MS)
                  .onFailure(
                      e -> {
                        /* the next announce tries again */
                      });
            });
  }

  private JsonObject card() {
    Object port = vertx.sharedData().getLocalMap(LOCAL_MAP).get(HTTP_PORT);
    return card.copy()
        .mergeIn(readiness)
        .put("httpPort", port)
        .put("seenAt", Instant.now().toString());
  }

  /** Every node's card, this node's own as of now; oldest node first. */
  private Future<JsonObject> cluster() {
    return nodes
        .entries()
        .map(
            entries -> {
              List<JsonObject> cards = new ArrayList<>(entries.values());
              cards.removeIf(c -> id.equals(c.getString("id")));
              cards.add(card());
              cards.sort(
                  Comparator.comparing((JsonObject c) -> c.getString("startedAt"))
                      .thenComparing(c -> c.getString("id")));
              long now = System.currentTimeMillis();
              cards.forEach(
                  c ->
                      c.put(
                          "uptimeSeconds",
                          (now - Instant.parse(c.getString("startedAt")).toEpochMilli()) / 1000));
              return new JsonObject()
                  .put("self", id)
                  .put("nodes", new JsonArray(new ArrayList<>(cards)));
            });
  }

  /** Each node's history, asked of each node; a node that does not answer in time is listed with an error. */
  private Future<JsonObject> clusterSeries(JsonObject message) {
    String only = message.getString("node");
    return cluster()
        .compose(
            all -> {
              List<Future<JsonObject>> answers = new ArrayList<>();
              for (Object c : all.getJsonArray("nodes")) {
                String node = ((JsonObject) c).getString("id");
                if (only != null && !only.equals(node)) {
                  continue;
                }
                answers.add(
                    node.equals(id)
                        ? Future.succeededFuture(series())
                        : vertx
                            .eventBus()
                            .<JsonObject>request(
                                Addresses.node(node),
                                new JsonObject(),
                                new DeliveryOptions().setSendTimeout(CHECK_TIMEOUT_MS))
                            .map(Message::body)
                            .otherwise(
                                e ->
                                    new JsonObject()
                                        .put("node", node)
                                        .put("error", String.valueOf(e.getMessage()))));
              }
              return Future.join(answers)
                  .map(
                      v ->
                          new JsonObject()
                              .put("self", id)
                              .put(
                                  "nodes",
                                  new JsonArray(
                                      answers.stream().map(f -> (Object) f.result()).toList())));
            });
  }

  @Override
  public Future<?> stop() {
    return nodes == null ? Future.succeededFuture() : nodes.remove(id).otherwiseEmpty();
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String version() {
    try (InputStream in =
        NodeVerticle.class.getClassLoader().getResourceAsStream("loopline-build.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
