package io.loopline.scrape;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;

/**
 * Bounds how many fetches run at once, by any number of counters a fetch needs a slot of (the node, the
 * host, a job, a job's host), and spaces the starts of fetches to one host by a delay. Waiters are served
 * first come, first served, except that one whose host or job is full does not hold up the others. Used on
 * the scraper verticle's event loop only.
 */
final class HostLimiter {

  /** A counter and its limit, e.g. {@code host:example.com} at 4. */
  record Limit(String key, int max) {}

  private final Vertx vertx;
  private final long perHostDelayMs;
  private final Map<String, Integer> inUse = new HashMap<>();
  private final Map<String, Long> nextStart = new HashMap<>();
  private final LinkedList<Ticket> waiting = new LinkedList<>();
  private long wakeTimer = -1;

  HostLimiter(Vertx vertx, long perHostDelayMs) {
    this.vertx = vertx;
    this.perHostDelayMs = perHostDelayMs;
  }

  /** Waits for a slot of every limit; {@link Ticket#release()} gives them back (or leaves the queue). */
  Ticket acquire(String host, List<Limit> limits) {
    Ticket ticket = new Ticket(host, limits);
    waiting.add(ticket);
    pump();
    return ticket;
  }

  /** Fetches running now under {@code key}. */
  int inUse(String key) {
    return inUse.getOrDefault(key, 0);
  }

  private void pump() {
    long now = System.nanoTime() / 1_000_000; // monotonic, unlike the wall clock
    long earliest = Long.MAX_VALUE;
    for (Iterator<Ticket> it = waiting.iterator(); it.hasNext(); ) {
      Ticket ticket = it.next();
      if (!ticket.limits.stream().allMatch(l -> inUse(l.key()) < l.max())) {
        continue;
      }
      long start = nextStart.getOrDefault(ticket.host, 0L);
      if (start > now) {
        earliest = Math.min(earliest, start);
        continue;
      }
      it.remove();
      ticket.limits.forEach(l -> inUse.merge(l.key(), 1, Integer::sum));
      if (perHostDelayMs > 0) {
        nextStart.put(ticket.host, now + perHostDelayMs);
      }
      ticket.held = true;
      ticket.granted.complete();
    }
    if (earliest != Long.MAX_VALUE && wakeTimer == -1) {
      wakeTimer = vertx.setTimer(Math.max(1, earliest - now), t -> {
        wakeTimer = -1;
        pump();
      });
    }
  }

  /** One fetch's claim on the limits. */
  final class Ticket {
    private final String host;
    private final List<Limit> limits;
    private final Promise<Void> granted = Promise.promise();
    private boolean held;
    private boolean done;

    private Ticket(String host, List<Limit> limits) {
      this.host = host;
      this.limits = limits;
    }

    Future<Void> granted() {
      return granted.future();
    }

    /** Frees the slots, or leaves the queue (the grant then fails); safe to call twice. */
    void release() {
      if (done) {
        return;
      }
      done = true;
      if (held) {
        limits.forEach(l -> inUse.computeIfPresent(l.key(), (k, n) -> n <= 1 ? null : n - 1));
      } else {
        waiting.remove(this);
        granted.tryFail("cancelled while waiting for a fetch slot");
      }
      pump();
    }
  }
}
