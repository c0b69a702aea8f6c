package io.loopline.chat;

import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.platform.bus.LocalFirst;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which chat node is the rooms' sequencer: a lease row in PostgreSQL ({@code chat_sequencer}), taken by one
 * node at a time and renewed every fifth of {@code chat.sequencerLeaseMs}. A node that is not the sequencer
 * tries to take the lease at the same pace, and gets it once the holder let it run out (it died, or it was
 * cut off from the database) or gave it up (a clean stop). Each taking raises the lease's epoch, and history
 * writes name their epoch, so a sequencer that lost the lease without knowing it stores nothing more.
 *
 * <p>Why PostgreSQL rather than a Hazelcast lock: the lease lives next to what it protects, so it can fence
 * the history writes (a Hazelcast lock gives no token the database could check); it holds across a split of
 * the Hazelcast cluster, where two halves would each grant the lock; it needs no cluster at all (nodes that
 * share only a database elect one sequencer too); and its takeover time is the lease's, not Hazelcast's
 * failure detection. The price is one small write per renewal and per attempt, a second apart.
 *
 * <p>Runs on its chat verticle's event loop.
 */
final class SequencerLease {

  private static final Logger log = LoggerFactory.getLogger(SequencerLease.class);

  /** What the chat verticle is told. */
  interface Listener {
    /** This node now orders the rooms, from above {@code floor} (every seq given before is at most that). */
    void elected(long epoch, long floor);

    /** This node no longer does, or may no longer: stop ordering at once. */
    void deposed(String reason);
  }

  private final Vertx vertx;
  private final LocalFirst persistence;
  private final DeliveryOptions delivery;
  private final String holder;
  private final long leaseMs;
  private final LongSupplier lastSeq;
  private final Listener listener;
  private long epoch;

  /** nanoTime until which the lease surely runs: when its last renewal was sent, plus the lease. */
  private long runsUntil;

  private boolean asking;
  private long timer = -1;

  SequencerLease(
      Vertx vertx, String holder, long leaseMs, LongSupplier lastSeq, Listener listener) {
    this.vertx = vertx;
    this.persistence = new LocalFirst(vertx.eventBus(), vertx.isClustered());
    this.delivery = new DeliveryOptions().setSendTimeout(Math.max(100, leaseMs / 2));
    this.holder = holder;
    this.leaseMs = leaseMs;
    this.lastSeq = lastSeq;
    this.listener = listener;
  }

  /** Tries once at once (the future completes after that try, elected or not), then every fifth of the lease. */
  Future<Void> start() {
    timer = vertx.setPeriodic(Math.max(20, leaseMs / 5), t -> tick());
    return take();
  }

  boolean leading() {
    return epoch != 0;
  }

  long epoch() {
    return epoch;
  }

  /** A history write was refused for this epoch: another node took the lease. */
  void fenced() {
    depose(
        "another node took the sequencer's lease (a history write of epoch "
            + epoch
            + " was refused)");
  }

  private void tick() {
    if (asking) {
      return;
    }
    if (!leading()) {
      take();
    } else if (System.nanoTime() - runsUntil >= 0) {
      depose("the sequencer's lease could not be renewed within " + leaseMs + " ms");
    } else {
      renew();
    }
  }

  private Future<Void> take() {
    asking = true;
    long sent = System.nanoTime();
    return request(
            Addresses.CHAT_LEASE_TAKE,
            new JsonObject().put("holder", holder).put("leaseMs", leaseMs))
        .onComplete(done -> asking = false)
        .map(
            taken -> {
              epoch = taken.getLong("epoch");
              runsUntil = sent + TimeUnit.MILLISECONDS.toNanos(leaseMs);
              // Join and leave seqs are not stored: the last one the previous holder gave may be
              // above history's
              // last, by what it gave since its last renewal (seqs follow the clock, in
              // microseconds).
              long floor =
                  Math.max(
                      taken.getLong("lastStored"), taken.getLong("lastGiven") + 2 * leaseMs * 1000);
              log.info(
                  "chat sequencer elected: this node orders the rooms (epoch {}, seqs above {})",
                  epoch,
                  floor);
              listener.elected(epoch, floor);
              return (Void) null;
            })
        .recover(
            e -> {
              if (!(e instanceof ReplyException reply
                  && reply.failureCode() == Failures.CONFLICT)) {
                log.debug("chat sequencer's lease not taken: {}", e.getMessage());
              }
              return Future.succeededFuture();
            });
  }

  private void renew() {
    asking = true;
    long sent = System.nanoTime();
    long renewing = epoch;
    request(
            Addresses.CHAT_LEASE_RENEW,
            new JsonObject()
                .put("epoch", renewing)
                .put("holder", holder)
                .put("leaseMs", leaseMs)
                .put("lastSeq", lastSeq.getAsLong()))
        .onComplete(done -> asking = false)
        .onSuccess(
            renewed -> {
              if (epoch == renewing) {
                runsUntil = sent + TimeUnit.MILLISECONDS.toNanos(leaseMs);
              }
            })
        .onFailure(
            e -> {
              if (e instanceof ReplyException reply && reply.failureCode() == Failures.CONFLICT) {
                depose("another node took the sequencer's lease");
              } else {
                log.warn(
                    "chat sequencer's lease not renewed (tried again in {} ms): {}",
                    leaseMs / 5,
                    e.getMessage());
              }
            });
  }

  private void depose(String reason) {
    if (!leading()) {
      return;
    }
    log.warn("chat sequencer deposed (epoch {}): {}", epoch, reason);
    epoch = 0;
    listener.deposed(reason);
  }

  /** On a clean stop: no more tries, and the lease given up so that another node takes over at once. */
  Future<Void> release() {
    vertx.cancelTimer(timer);
    if (!leading()) {
      return Future.succeededFuture();
    }
    long releasing = epoch;
    epoch = 0;
    return request(
            Addresses.CHAT_LEASE_RELEASE,
            new JsonObject().put("epoch", releasing).put("lastSeq", lastSeq.getAsLong()))
        .onSuccess(r -> log.info("chat sequencer's lease given up (epoch {})", releasing))
        .onFailure(
            e ->
                log.warn(
                    "chat sequencer's lease not given up (it runs out by itself): {}",
                    e.getMessage()))
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  private Future<JsonObject> request(String address, JsonObject body) {
    return persistence.<JsonObject>request(address, body, delivery).map(Message::body);
  }
}
