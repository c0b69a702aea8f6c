package io.loopline.roles;

import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.contract.Role;
import io.loopline.items.NearCache;
import io.loopline.items.NodeConfirmations;
import io.loopline.items.RedisItems;
import io.loopline.kv.CacheBackend;
import io.loopline.kv.KeyValues;
import io.loopline.kv.LocalCache;
import io.loopline.kv.RedisCache;
import io.loopline.platform.bus.Fields;
import io.loopline.platform.bus.Operations;
import io.loopline.platform.config.CacheSettings;
import io.loopline.platform.config.RedisSettings;
import io.loopline.platform.redis.RedisGuard;
import io.loopline.platform.redis.RedisSubscription;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the cache: the Redis client (pooled, every call under a circuit breaker), or the in-process store
 * when no Redis URL is configured. Answers the key-value addresses and the item tier, and keeps this
 * node's {@link NearCache} told of every item invalidation: its own, and other nodes' through Redis
 * pub/sub, each confirmed back to the writer. Receives the {@code redis} and {@code cache} sections.
 *
 * <p>Item entries in Redis are bound to the identity of the database they came from ({@link
 * Addresses#CACHE_IDENTITY}, asked of the persistence verticle at start and every {@code
 * cache.identityCheckMs}): keys are {@code <namespace>db:<identity>:item:<id>}. Until the identity is known
 * the Redis item tier is not used; when it changes (a restore, {@link Addresses#CACHE_RESTORED}) the near
 * cache is emptied and reads that began before cannot fill either tier.
 */
public final class CacheVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(CacheVerticle.class);

  private final String nodeId = UUID.randomUUID().toString();
  private RedisSettings redis;
  private CacheSettings settings;
  private NearCache near;
  private CacheBackend backend;
  private KeyValues keyValues;
  private Redis client;
  private Redis subscriberClient;

  /** The item tier under the current database identity; null without Redis or while the identity is unknown. */
  private RedisItems items;

  /** Every item entry of the namespace, whatever its database: for publishing and for a flush without an identity. */
  private RedisItems anyItems;

  private String identity;

  /** Counts changes of identity; part of the epoch, so a fill from a read under another identity is dropped. */
  private long identitySeq;

  private Future<String> fetchingIdentity;
  private long identityTimer = -1;
  private long heartbeatTimer = -1;

  /** When this node last heard its own heartbeat (or subscribed), in System.nanoTime(). */
  private long lastHeartbeat;

  private RedisGuard guard;
  private RedisSubscription subscription;
  private NodeConfirmations confirmations;

  @Override
  public Future<?> start() {
    redis = RedisSettings.from(config());
    settings = CacheSettings.from(config());
    near = NearCache.of(vertx, settings);
    if (redis.inProcess()) {
      backend = new LocalCache(settings.localMaxEntries());
      // One node and no other writer: every invalidation is local, so the near cache is always
      // current.
      near.activate();
    } else {
      startRedis();
    }
    keyValues =
        new KeyValues(
            backend, guard, redis.namespace() + KeyValues.PUBLIC, settings.maxValueBytes());
    KeyValues internal =
        new KeyValues(
            backend, guard, redis.namespace() + KeyValues.INTERNAL, settings.maxValueBytes());
    identity();
    identityTimer = vertx.setPeriodic(settings.identityCheckMs(), t -> checkIdentity());
    var bus = vertx.eventBus();
    return Future.all(
        List.of(
            answer(Addresses.CACHE_RESTORED, m -> restored()),
            Operations.answerIgnoringBody(
                    bus, Addresses.health(Role.CACHE), this::health, KeyValues::fail)
                .completion(),
            answer(Addresses.CACHE_GET, keyValues::get),
            answer(Addresses.CACHE_PUT, keyValues::put),
            answer(Addresses.CACHE_DELETE, keyValues::delete),
            answer(Addresses.CACHE_INTERNAL_GET, internal::get),
            answer(Addresses.CACHE_INTERNAL_PUT, internal::put),
            answer(Addresses.CACHE_ITEMS_GET, this::getItem),
            Operations.<JsonObject>listen(bus, Addresses.CACHE_ITEMS_FILL, this::fillItem)
                .completion(),
            answer(Addresses.CACHE_ITEMS_INVALIDATE, this::invalidateItem)));
  }

  /**
   * Registers an operation of the cache: its body is a JSON object of any text (Redis stores bytes), its
   * failure a refusal or 503 ({@link KeyValues#fail}).
   */
  private Future<Void> answer(String address, Function<JsonObject, Future<JsonObject>> operation) {
    return Operations.answerAnyText(vertx.eventBus(), address, operation, KeyValues::fail)
        .completion();
  }

  private void startRedis() {
    client = Redis.createClient(vertx, redisOptions("loopline-redis", redis.poolSize()));
    subscriberClient = Redis.createClient(vertx, redisOptions("loopline-redis-pubsub", 1));
    backend = new RedisCache(client);
    anyItems = new RedisItems(client, redis.namespace() + "db:");
    guard =
        new RedisGuard(
            vertx,
            redis.timeoutMs(),
            settings.breakerMaxFailures(),
            settings.breakerResetMs(),
            backend::ping,
            this::flushItems);
    confirmations = new NodeConfirmations(vertx);
    subscription =
        new RedisSubscription(
            vertx,
            subscriberClient,
            List.of(invalidationChannel(), ackChannel()),
            settings.breakerResetMs(),
            this::heard,
            this::subscriptionChanged);
    subscription.start();
    heartbeatTimer = vertx.setPeriodic(settings.heartbeatMs(), t -> heartbeat());
  }

  /**
   * Near-cache entries live until invalidated, so a subscriber connection that died without either side noticing
   * must not go unseen: every {@code cache.heartbeatMs} this node publishes a heartbeat on its own channel, and
   * when it has heard none back through its subscription for {@code cache.heartbeatTimeoutMs} (a dead
   * subscriber connection, or a Redis this node cannot reach at all) the subscription counts as lost: the near
   * cache is emptied and switched off and the connection made again.
   */
  private void heartbeat() {
    if (!subscription.subscribed()) {
      return;
    }
    if (System.nanoTime() - lastHeartbeat
        > TimeUnit.MILLISECONDS.toNanos(settings.heartbeatTimeoutMs())) {
      log.warn(
          "Redis subscription: no heartbeat heard back for {} ms; the near cache is off until it is made again",
          settings.heartbeatTimeoutMs());
      subscription.reset("no heartbeat heard back");
      return;
    }
    // Not under the breaker: a heartbeat that times out must not count against Redis.
    anyItems
        .publish(ackChannel(), "hb")
        .timeout(redis.timeoutMs(), TimeUnit.MILLISECONDS)
        .onFailure(e -> log.debug("heartbeat not published: {}", e.toString()));
  }

  /** A named pool, so its metrics keep one series across restarts. */
  private RedisOptions redisOptions(String name, int poolSize) {
    return new RedisOptions()
        .setPoolName(name)
        .setConnectionString(redis.url())
        .setMaxPoolSize(poolSize)
        .setMaxPoolWaiting(poolSize * 64)
        .setMaxWaitingHandlers(poolSize * 256)
        .setNetClientOptions(
            new NetClientOptions()
                .setConnectTimeout((int) redis.timeoutMs())
                .setTcpNoDelay(true)
                .setTcpKeepAlive(true));
  }

  // ---- item tier

  private Future<JsonObject> getItem(JsonObject message) {
    long id = positive(message, "id");
    if (items == null || !guard.itemsUsable()) {
      return Future.succeededFuture(miss(id));
    }
    long epoch = epoch();
    RedisItems current = items;
    return guard
        .call(() -> current.get(id))
        .map(
            cached ->
                cached == null
                    ? miss(id)
                    : new JsonObject()
                        .put("id", id)
                        .put("version", cached.version())
                        .put("json", cached.json())
                        .put("epoch", epoch))
        .otherwise(e -> miss(id));
  }

  /** A miss; without a Redis tier (or a database identity) there is no epoch, so the reader offers nothing back. */
  private JsonObject miss(long id) {
    JsonObject miss = new JsonObject().put("id", id);
    return items == null ? miss : miss.put("epoch", epoch());
  }

  /** The guard's epoch and the identity's: a fill must carry both of the lookup it follows. */
  private long epoch() {
    return (identitySeq << 32) | (guard.epoch() & 0xffffffffL);
  }

  private void fillItem(JsonObject fill) {
    if (items == null
        || !guard.itemsUsable()
        || fill == null
        || fill.getLong("epoch", -1L) != epoch()
        || !(fill.getValue("id") instanceof Number id)
        || !(fill.getValue("version") instanceof Number version)
        || !(fill.getValue("json") instanceof String json)) {
      return;
    }
    RedisItems current = items;
    guard.call(
        () ->
            current.fill(
                id.longValue(), version.intValue(), json, settings.itemTtlSeconds() * 1000));
  }

  /**
   * After a write: drop the item here, replace it in Redis (or leave a tombstone) and tell every node in the
   * same step, then answer once every node has confirmed, or the invalidation timeout has passed. This is
   * tried whenever Redis answers, even while its item entries are not trusted: other nodes' near caches
   * still need to hear of the write, and a newer version is always safe to store.
   */
  private Future<JsonObject> invalidateItem(JsonObject change) {
    long id = positive(change, "id");
    boolean deleted = change.getBoolean("deleted", false);
    Object item = change.getValue("item");
    Object version = change.getValue("version");
    if (!deleted
        && (!(item instanceof JsonObject)
            || !(version instanceof Integer)
            || (Integer) version < 1)) {
      throw Operations.refusal(
          Failures.BAD_REQUEST,
          "item: a change needs the item and its version (a positive integer)");
    }
    near.invalidate(id);
    vertx
        .eventBus()
        .publish(
            Addresses.CACHE_ITEMS_INVALIDATED,
            deleted
                ? new JsonObject().put("id", id)
                : new JsonObject().put("id", id).put("version", version));
    if (anyItems == null) {
      return Future.succeededFuture(invalidated(id, "none", 0, 0));
    }
    if (!guard.available()) {
      guard.distrust();
      return Future.succeededFuture(invalidated(id, "bypassed", 0, 0));
    }
    int stored = deleted ? RedisItems.DELETED : (Integer) version;
    String json = deleted ? "" : ((JsonObject) item).encode();
    return identity()
        .transform(ar -> tellEveryNode(id, stored, json, ar.succeeded() ? items : null));
  }

  /** {@code target} null: the database identity is unknown, so the entry cannot be replaced; the nodes are still told. */
  private Future<JsonObject> tellEveryNode(long id, int version, String json, RedisItems target) {
    NodeConfirmations.Wait wait = confirmations.open(settings.invalidationTimeoutMs());
    String note =
        new JsonObject().put("node", nodeId).put("seq", wait.seq()).put("id", id).encode();
    long ttlMs =
        (version == RedisItems.DELETED ? settings.tombstoneTtlSeconds() : settings.itemTtlSeconds())
            * 1000;
    boolean[] updated = {false};
    guard
        .call(
            () ->
                target == null
                    ? anyItems.publish(invalidationChannel(), note)
                    : target.replaceAndPublish(
                        id, version, json, ttlMs, invalidationChannel(), note))
        .onSuccess(
            nodes -> {
              updated[0] = target != null;
              if (target == null) {
                log.warn(
                    "item {} not updated in Redis (the database identity is unknown): Redis item entries are flushed first",
                    id);
                guard.distrust();
              }
              wait.expect(nodes);
            })
        .onFailure(
            e -> {
              log.warn(
                  "item {} not updated in Redis ({}): Redis item entries are flushed before they are used again",
                  id,
                  e.toString());
              guard.distrust();
              wait.expect(0);
            });
    return wait.done()
        .transform(
            ar -> {
              if (!wait.complete()) {
                log.warn(
                    "item {}: {} of {} nodes confirmed the invalidation within {} ms",
                    id,
                    wait.confirmed(),
                    wait.expected(),
                    settings.invalidationTimeoutMs());
              }
              return Future.succeededFuture(
                  invalidated(
                      id, updated[0] ? "updated" : "bypassed", wait.expected(), wait.confirmed()));
            });
  }

  /** The message's positive integer field; a refusal (400) when it is anything else. */
  private static long positive(JsonObject message, String field) {
    Long value = Fields.wholeNumber(message.getValue(field), 1, Long.MAX_VALUE);
    if (value == null) {
      throw Operations.refusal(Failures.BAD_REQUEST, field + ": must be a positive integer");
    }
    return value;
  }

  private static JsonObject invalidated(long id, String redisOutcome, int nodes, int confirmed) {
    return new JsonObject()
        .put("id", id)
        .put("nodes", nodes)
        .put("confirmed", confirmed)
        .put("redis", redisOutcome);
  }

  /**
   * Removes every item entry of this database from Redis (of every database of the namespace while the identity
   * is unknown), then tells every node to empty its near cache.
   */
  private Future<Void> flushItems() {
    RedisItems target = items != null ? items : anyItems;
    return flushFrom(target, "0")
        .compose(
            v -> {
              near.clear();
              String note =
                  new JsonObject().put("node", nodeId).put("seq", 0).put("all", true).encode();
              return guard.call(() -> anyItems.publish(invalidationChannel(), note)).mapEmpty();
            });
  }

  private Future<Void> flushFrom(RedisItems target, String cursor) {
    return guard
        .call(() -> target.flushPage(cursor))
        .compose(next -> "0".equals(next) ? Future.succeededFuture() : flushFrom(target, next));
  }

  // ---- database identity

  /** The identity of the database, asked of the persistence verticle when not known yet (one request at a time). */
  private Future<String> identity() {
    if (identity != null) {
      return Future.succeededFuture(identity);
    }
    if (fetchingIdentity == null) {
      long seq = identitySeq;
      fetchingIdentity =
          askIdentity(Addresses.CACHE_IDENTITY)
              .map(
                  id -> {
                    if (seq == identitySeq) {
                      adopt(id);
                    }
                    return identity;
                  })
              .andThen(ar -> fetchingIdentity = null);
    }
    return fetchingIdentity.compose(
        id ->
            id == null
                ? Future.failedFuture("database identity changed meanwhile")
                : Future.succeededFuture(id));
  }

  private Future<String> askIdentity(String address) {
    return vertx
        .eventBus()
        .<JsonObject>request(
            address,
            new JsonObject(),
            new DeliveryOptions().setSendTimeout(settings.lookupTimeoutMs()))
        .map(reply -> reply.body().getString("identity"));
  }

  /** The periodic check: a database restored under a running node is noticed here (its tables have new oids). */
  private void checkIdentity() {
    if (identity == null) {
      identity().onFailure(e -> log.debug("database identity not known yet: {}", e.getMessage()));
      return;
    }
    long seq = identitySeq;
    askIdentity(Addresses.CACHE_IDENTITY)
        .onSuccess(
            next -> {
              if (seq == identitySeq) {
                adopt(next);
              }
            })
        .onFailure(e -> log.debug("database identity not checked: {}", e.getMessage()));
  }

  /** Binds the item tier to this identity; a change empties the near cache and ends the reads begun before it. */
  private void adopt(String next) {
    if (next.equals(identity)) {
      return;
    }
    if (identity != null) {
      log.warn(
          "database identity changed ({} -> {}): the near cache is emptied and Redis entries of the old one are no longer read",
          identity,
          next);
    } else {
      log.info(
          "database identity {}: Redis item entries under {}db:{}:", next, redis.namespace(), next);
    }
    identity = next;
    identitySeq++;
    items =
        anyItems == null
            ? null
            : new RedisItems(client, redis.namespace() + "db:" + next + ":item:");
    near.clear();
    vertx.eventBus().publish(Addresses.CACHE_ITEMS_INVALIDATED, new JsonObject().put("all", true));
  }

  /** Forgets the identity (another node says the database was restored) and asks again. */
  private void forgetIdentity() {
    identity = null;
    identitySeq++;
    items = null;
    fetchingIdentity = null;
    near.clear();
    vertx.eventBus().publish(Addresses.CACHE_ITEMS_INVALIDATED, new JsonObject().put("all", true));
    identity()
        .onFailure(
            e ->
                log.warn(
                    "database identity not known after a restore: Redis item entries unused until it is ({})",
                    e.getMessage()));
  }

  /** The operator restored the database: a new generation, adopted here and announced to every node. */
  private Future<JsonObject> restored() {
    return askIdentity(Addresses.CACHE_IDENTITY_BUMP)
        .recover(
            e ->
                Future.failedFuture(
                    Operations.refusal(
                        Failures.UNAVAILABLE, "the database did not answer: " + e.getMessage())))
        .compose(
            next -> {
              adopt(next);
              log.info("database restored: cache generation bumped, identity now {}", next);
              JsonObject reply = new JsonObject().put("identity", next);
              if (anyItems == null) {
                return Future.succeededFuture(reply.put("nodes", 0));
              }
              String note =
                  new JsonObject().put("node", nodeId).put("seq", 0).put("identity", next).encode();
              return anyItems
                  .publish(invalidationChannel(), note)
                  .timeout(redis.timeoutMs(), TimeUnit.MILLISECONDS)
                  .map(nodes -> reply.put("nodes", nodes))
                  // Nodes that miss this find the new identity at their next check
                  // (cache.identityCheckMs).
                  .otherwise(
                      e ->
                          reply
                              .put("nodes", 0)
                              .put("note", "other nodes not told: " + e.getMessage()));
            });
  }

  // ---- pub/sub: other nodes' invalidations and their confirmations

  private void heard(String channel, String payload) {
    try {
      if (channel.equals(ackChannel())) {
        if ("hb".equals(payload)) {
          lastHeartbeat = System.nanoTime();
        } else {
          confirmations.confirm(Long.parseLong(payload));
        }
      } else {
        invalidatedElsewhere(new JsonObject(payload));
      }
    } catch (RuntimeException e) {
      log.warn("ignored a malformed message on {}: {}", channel, e.toString());
    }
  }

  /** Another node's invalidation (or our own, coming back): drop the item, then confirm to the writer. */
  private void invalidatedElsewhere(JsonObject note) {
    String from = note.getString("node");
    long seq = note.getLong("seq");
    if (nodeId.equals(from)) {
      confirmations.confirm(seq);
      return;
    }
    if (note.containsKey("identity")) {
      if (!note.getString("identity").equals(identity)) {
        forgetIdentity();
      }
    } else if (note.getBoolean("all", false)) {
      near.clear();
      vertx
          .eventBus()
          .publish(Addresses.CACHE_ITEMS_INVALIDATED, new JsonObject().put("all", true));
    } else {
      near.invalidate(note.getLong("id"));
      vertx
          .eventBus()
          .publish(
              Addresses.CACHE_ITEMS_INVALIDATED, new JsonObject().put("id", note.getLong("id")));
    }
    if (seq > 0) {
      // Not under the breaker: a confirmation is worth trying even while this node bypasses Redis.
      anyItems
          .publish(redis.namespace() + "ack:" + from, Long.toString(seq))
          .timeout(redis.timeoutMs(), TimeUnit.MILLISECONDS)
          .onFailure(e -> log.debug("confirmation to {} not sent: {}", from, e.toString()));
    }
  }

  private void subscriptionChanged(boolean subscribed) {
    lastHeartbeat = System.nanoTime();
    if (subscribed) {
      near.activate();
    } else {
      near.deactivate();
    }
  }

  private String invalidationChannel() {
    return redis.namespace() + "invalidate";
  }

  private String ackChannel() {
    return redis.namespace() + "ack:" + nodeId;
  }

  // ---- health

  private Future<JsonObject> health() {
    JsonObject report =
        new JsonObject()
            .put("role", Role.CACHE.id())
            .put("backend", backend.kind())
            .put("identity", identity == null ? "unknown" : identity);
    if (guard == null) {
      return backend
          .ping()
          .transform(
              ar ->
                  Future.succeededFuture(
                      report
                          .put("state", "up")
                          .put("detail", ar.succeeded() ? ar.result() : ar.cause().getMessage())
                          .put("nearCache", near.size())));
    }
    report
        .put("breaker", guard.breakerState())
        .put("subscription", subscription.subscribed() ? "up" : "down")
        .put(
            "items",
            identity == null
                ? "bypassed until the database identity is known"
                : guard.trusted() ? "in use" : "bypassed until flushed")
        .put("nearCache", near.active() ? near.size() + " items" : "off");
    if (!guard.available()) {
      return Future.succeededFuture(
          degraded(report, "Redis is bypassed (circuit breaker " + guard.breakerState() + ")"));
    }
    return guard
        .call(backend::ping)
        .map(
            pong ->
                subscription.subscribed() && guard.trusted()
                    ? report.put("state", "up").put("detail", pong)
                    : degraded(
                        report,
                        subscription.subscribed()
                            ? "Redis item tier is being flushed"
                            : "Redis subscription is down"))
        .otherwise(e -> degraded(report, "redis does not answer: " + e.getMessage()));
  }

  /** Redis trouble is not the node's failure: it serves from PostgreSQL meanwhile, so readiness stays up. */
  private static JsonObject degraded(JsonObject report, String reason) {
    return report.put("state", "degraded").put("reason", reason);
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(identityTimer);
    vertx.cancelTimer(heartbeatTimer);
    near.deactivate();
    if (guard == null) {
      return backend == null ? Future.succeededFuture() : backend.close();
    }
    guard.close();
    return subscription
        .stop()
        .eventually(
            () -> {
              client.close();
              subscriberClient.close();
              return Future.succeededFuture();
            });
  }
}
