package io.loopline.items;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;

/**
 * The writer's side of an invalidation: how many nodes got the message (Redis answers PUBLISH with the
 * number of subscribers) and how many have confirmed that their near cache dropped the item. Confirmations
 * may arrive before the count does. Used on the cache verticle's context only.
 */
public final class NodeConfirmations {

  /** One invalidation waiting for its confirmations; {@link #done()} completes when all came, or at the timeout. */
  public final class Wait {
    private final long seq;
    private final Promise<Void> done = Promise.promise();
    private final long timer;
    private int expected = -1;
    private int confirmed;

    private Wait(long seq, long timeoutMs) {
      this.seq = seq;
      this.timer = vertx.setTimer(timeoutMs, t -> finish());
    }

    public long seq() {
      return seq;
    }

    /** The number of nodes that got the message. */
    public void expect(int nodes) {
      expected = nodes;
      check();
    }

    public int expected() {
      return Math.max(expected, 0);
    }

    public int confirmed() {
      return confirmed;
    }

    /** True when every node that got the message confirmed it. */
    public boolean complete() {
      return expected >= 0 && confirmed >= expected;
    }

    public Future<Void> done() {
      return done.future();
    }

    private void confirm() {
      confirmed++;
      check();
    }

    private void check() {
      if (complete()) {
        vertx.cancelTimer(timer);
        finish();
      }
    }

    private void finish() {
      waits.remove(seq);
      done.tryComplete();
    }
  }

  private final Vertx vertx;
  private final Map<Long, Wait> waits = new HashMap<>();
  private long lastSeq;

  public NodeConfirmations(Vertx vertx) {
    this.vertx = vertx;
  }

  public Wait open(long timeoutMs) {
    Wait wait = new Wait(++lastSeq, timeoutMs);
    waits.put(wait.seq(), wait);
    return wait;
  }

  /** A node confirmed invalidation {@code seq}; late or unknown confirmations are ignored. */
  public void confirm(long seq) {
    Wait wait = waits.get(seq);
    if (wait != null) {
      wait.confirm();
    }
  }
}
