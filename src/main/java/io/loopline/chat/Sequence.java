package io.loopline.chat;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The rooms' order. A {@code seq} is the larger of the last one plus one and the current time in
 * microseconds since the epoch: strictly increasing while this sequencer lives. An elected sequencer starts
 * above a floor (the last seq stored, and the last its predecessor said it gave), so seqs also increase
 * across a takeover, whatever the clocks of the two nodes. One counter serves every room: seqs are
 * increasing in each room, not contiguous.
 */
final class Sequence {

  private long last;

  /** Every seq from now on is above {@code floor}. */
  void floor(long floor) {
    last = Math.max(last, floor);
  }

  /** The last seq given. */
  long last() {
    return last;
  }

  /** A new event of the room: {@code {"type", "room", "seq", "time"}}. */
  JsonObject stamp(String type, String room) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    long micros = Math.multiplyExact(System.currentTimeMillis(), 1000L);
    last = Math.max(last + 1, micros);
    return new JsonObject()
        .put("type", type)
        .put("room", room)
        .put("seq", last)
        .put("time", now.toString());
  }
}
