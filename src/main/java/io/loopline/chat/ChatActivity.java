package io.loopline.chat;

import io.loopline.platform.bus.Fields;
import io.loopline.platform.db.Database;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/** How busy chat rooms are, from their history: messages per minute over the last {@link #WINDOW_MINUTES}. */
public final class ChatActivity {

  static final int WINDOW_MINUTES = 15;
  private static final int ROOMS_MAX = 100;

  /**
   * Messages per room and minute of the window (the current minute last), with the room's latest seq and time;
   * rooms most recently active first. Uses the index on {@code sent_at}. $1 rooms at most.
   */
  static final String PER_MINUTE =
      """
      WITH recent AS (
        SELECT room, seq, sent_at, date_trunc('minute', sent_at) AS minute FROM chat_messages
        WHERE sent_at > date_trunc('minute', now()) - interval '14 minutes'),
      rooms AS (
        SELECT room, max(seq) AS last_seq, max(sent_at) AS last_at, count(*) AS messages FROM recent
        GROUP BY room ORDER BY max(sent_at) DESC LIMIT $1)
      SELECT r.room, r.last_seq, r.last_at, r.messages,
             (extract(epoch FROM date_trunc('minute', now()) - m.minute) / 60)::int AS minutes_ago, m.n
      FROM rooms r
      JOIN (SELECT room, minute, count(*) AS n FROM recent GROUP BY room, minute) m ON m.room = r.room
      ORDER BY r.last_at DESC, r.room""";

  private final Database db;

  public ChatActivity(Database db) {
    this.db = db;
  }

  public Future<JsonObject> rooms(JsonObject ignored) {
    return db.run(PER_MINUTE, Tuple.of(ROOMS_MAX))
        .map(
            rows -> {
              Map<String, JsonObject> rooms = new LinkedHashMap<>();
              for (Row row : rows) {
                JsonObject room =
                    rooms.computeIfAbsent(
                        row.getString("room"),
                        name -> {
                          JsonArray perMinute = new JsonArray();
                          for (int i = 0; i < WINDOW_MINUTES; i++) {
                            perMinute.add(0L);
                          }
                          OffsetDateTime last = row.getOffsetDateTime("last_at");
                          return new JsonObject()
                              .put("room", name)
                              .put("messages", row.getLong("messages"))
                              .put("lastSeq", row.getLong("last_seq"))
                              .put("lastAt", Fields.time(last))
                              .put("perMinute", perMinute);
                        });
                int slot = WINDOW_MINUTES - 1 - row.getInteger("minutes_ago");
                if (slot >= 0 && slot < WINDOW_MINUTES) {
                  room.getJsonArray("perMinute").set(slot, row.getLong("n"));
                }
              }
              return new JsonObject()
                  .put("windowMinutes", WINDOW_MINUTES)
                  .put("rooms", new JsonArray(new java.util.ArrayList<>(rooms.values())));
            });
  }
}
