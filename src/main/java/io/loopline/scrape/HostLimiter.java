package io.loopline.scrape;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Bounds how many fetches run at once, by any number of counters a fetch needs a slot of (the node, the
 * host, a job, a job's host), and spaces the starts of fetches to one host: a ticket starts no sooner than
 * its spacing after the last start on its host (the node's {@code perHostDelayMs}, or the site's
 * {@code Crawl-delay} when that is longer). Waiters are served first come, first served, except that one
 * whose host or job is full, or whose host must wait, does not hold up the others. Used on the scraper
 * verticle's event loop only.
 */
final class HostLimiter {

  /** A counter and its limit, e.g. {@code host:example.com} at 4. */
  record Limit(String key, int max) {}

  /** Hosts remembered beyond which the starts too old to space anything are forgotten. */
  private static final int REMEMBERED_HOSTS = 4096;

  private final Vertx vertx;
  private final Map<String, Integer> inUse = new HashMap<>();

  /** The last start on each host (monotonic ms). */
  private final Map<String, Long> lastStart = new HashMap<>();

  private final LinkedList<Ticket> waiting = new LinkedList<>();
  private long longestSpacing;
  private long wakeTimer = -1;
  private long wakeAt = Long.MAX_VALUE;

  HostLimiter(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Waits for a slot of every limit and for {@code spacingMs} since the last start on {@code host};
   * {@link Ticket#release()} gives the slots back (or leaves the queue).
   */
  Ticket acquire(String host, List<Limit> limits, long spacingMs) {
    return acquire(host, limits, () -> spacingMs);
  }

  /**
   * As {@link #acquire(String, List, long)}, with a spacing that may change while the ticket waits (the
   * autothrottle's delay for the host): read each time the ticket could start.
   */
  Ticket acquire(String host, List<Limit> limits, LongSupplier spacingMs) {
    Ticket ticket = new Ticket(host, limits, spacingMs);
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
      Long last = lastStart.get(ticket.host);
      long spacing = Math.max(0, ticket.spacingMs.getAsLong());
      longestSpacing = Math.max(longestSpacing, spacing);
      if (last != null && last + spacing > now) {
        earliest = Math.min(earliest, last + spacing);
        continue;
      }
      it.remove();
      ticket.limits.forEach(l -> inUse.merge(l.key(), 1, Integer::sum));
      lastStart.put(ticket.host, now);
      ticket.held = true;
      ticket.granted.complete();
    }
    if (lastStart.size() > REMEMBERED_HOSTS) {
      lastStart.values().removeIf(start -> start + longestSpacing <= now);
    }
    wakeAt(earliest, now);
  }

  /** One timer, for the earliest time a waiting ticket may start. */
  private void wakeAt(long at, long now) {
    if (at == Long.MAX_VALUE || wakeTimer != -1 && wakeAt <= at) {
      return;
    }
    if (wakeTimer != -1) {
      vertx.cancelTimer(wakeTimer);
    }
    wakeAt = at;
    wakeTimer =
        vertx.setTimer(
            Math.max(1, at - now),
            t -> {
              wakeTimer = -1;
              wakeAt = Long.MAX_VALUE;
              pump();
            });
  }

  /** One fetch's claim on the limits. */
  final class Ticket {
    private final String host;
    private final List<Limit> limits;
    private final LongSupplier spacingMs;
    private final Promise<Void> granted = Promise.promise();
    private boolean held;
    private boolean done;

    private Ticket(String host, List<Limit> limits, LongSupplier spacingMs) {
      this.host = host;
      this.limits = limits;
      this.spacingMs = spacingMs;
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
