package io.loopline.persistence;

import io.loopline.contract.ChatNames;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** Chat history: batches written by the rooms' sequencer, pages read by the HTTP side. */
final class ChatStore {

  /** The most messages one history request may ask for; the HTTP side applies its own, lower, limit. */
  static final int PAGE_MAX = 1000;

  private final Database db;

  ChatStore(Database db) {
    this.db = db;
  }

  Future<JsonObject> append(JsonObject message) {
    JsonArray messages = message.getJsonArray("messages");
    if (messages == null || messages.isEmpty()) {
      throw StoreFailure.invalid("messages: must be a non-empty list");
    }
    int n = messages.size();
    String[] rooms = new String[n];
    Long[] seqs = new Long[n];
    String[] ids = new String[n];
    String[] senders = new String[n];
    String[] texts = new String[n];
    OffsetDateTime[] times = new OffsetDateTime[n];
    for (int i = 0; i < n; i++) {
      JsonObject m = messages.getJsonObject(i);
      rooms[i] = room(m);
      seqs[i] = m.getLong("seq");
      ids[i] = m.getString("id");
      senders[i] = m.getString("sender");
      texts[i] = m.getString("text");
      times[i] = OffsetDateTime.parse(m.getString("time"));
      if (seqs[i] == null || ids[i] == null || senders[i] == null || texts[i] == null) {
        throw StoreFailure.invalid("messages: each needs room, seq, id, sender, text and time");
      }
    }
    return db.run(ChatSql.APPEND, Tuple.of(rooms, seqs, ids, senders, texts, times))
        .map(rows -> new JsonObject().put("stored", rows.rowCount()));
  }

  Future<JsonObject> list(JsonObject message) {
    String room = room(message);
    Long before = message.getLong("before");
    Integer limit = message.getInteger("limit", 50);
    if (limit < 1 || limit > PAGE_MAX) {
      throw StoreFailure.invalid("limit: must be from 1 to " + PAGE_MAX);
    }
    return db.run(ChatSql.PAGE, Tuple.of(room, before, limit + 1)).map(rows -> {
      List<JsonObject> page = new ArrayList<>();
      for (Row row : rows) {
        page.add(toJson(room, row));
      }
      boolean more = page.size() > limit;
      List<JsonObject> shown = page.subList(0, Math.min(limit, page.size()));
      JsonArray oldestFirst = new JsonArray();
      for (int i = shown.size() - 1; i >= 0; i--) {
        oldestFirst.add(shown.get(i));
      }
      return new JsonObject()
          .put("room", room)
          .put("messages", oldestFirst)
          .put("next", more ? shown.get(shown.size() - 1).getLong("seq") : null);
    });
  }

  private static String room(JsonObject message) {
    String room = message.getString("room");
    if (!ChatNames.validRoom(room)) {
      throw StoreFailure.invalid("room: must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
    }
    return room;
  }

  private static JsonObject toJson(String room, Row row) {
    return new JsonObject()
        .put("type", "message")
        .put("id", row.getString("id"))
        .put("seq", row.getLong("seq"))
        .put("room", room)
        .put("sender", row.getString("sender"))
        .put("text", row.getString("text"))
        .put("time", Fields.time(row.getOffsetDateTime("sent_at")));
  }
}
