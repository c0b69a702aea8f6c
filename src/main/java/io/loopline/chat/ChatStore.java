package io.loopline.chat;

import io.loopline.contract.ChatNames;
import io.loopline.contract.Failures;
import io.loopline.platform.bus.Fields;
import io.loopline.platform.bus.StoreFailure;
import io.loopline.platform.db.Database;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Chat history: batches written by the rooms' sequencer, pages read by the HTTP side; and the sequencer's
 * lease, which elects one sequencer among the chat nodes and fences the history writes of any other.
 */
public final class ChatStore {

  /** The most messages one history request may ask for; the HTTP side applies its own, lower, limit. */
  static final int PAGE_MAX = 1000;

  private static final int HOLDER_MAX = 200;

  private final Database db;

  public ChatStore(Database db) {
    this.db = db;
  }

  /** Request: {@code {"epoch", "messages"}}. Fails 409 when {@code epoch} no longer holds the lease. */
  public Future<JsonObject> append(JsonObject message) {
    long epoch = Fields.id(message, "epoch");
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
    return db.run(ChatSql.APPEND, Tuple.of(rooms, seqs, ids, senders, texts, times, epoch))
        .map(
            rows -> {
              Row row = rows.iterator().next();
              if (row.getLong("leading") == 0) {
                throw new StoreFailure(
                    Failures.CONFLICT,
                    "epoch " + epoch + " no longer holds the chat sequencer's lease");
              }
              return new JsonObject().put("stored", row.getLong("stored"));
            });
  }

  /**
   * Request: {@code {"holder", "leaseMs"}}. Reply: {@code {"epoch", "lastStored", "lastGiven"}}: the new epoch,
   * the highest seq stored (every write of an earlier epoch is in it or will be refused), and the highest seq
   * the previous holder said it gave. Fails 409 while another holder's lease runs.
   */
  public Future<JsonObject> takeLease(JsonObject message) {
    String holder = Fields.text(message, "holder", HOLDER_MAX, true);
    long leaseMs = Fields.id(message, "leaseMs");
    return db.transaction(
        conn ->
            conn.preparedQuery(ChatSql.LEASE_TAKE)
                .execute(Tuple.of(holder, leaseMs))
                .compose(
                    taken -> {
                      if (taken.size() == 0) {
                        return conn.preparedQuery(ChatSql.LEASE_HOLDER)
                            .execute(Tuple.tuple())
                            .compose(
                                held -> {
                                  Row row = held.iterator().next();
                                  return Future.failedFuture(
                                      new StoreFailure(
                                          Failures.CONFLICT,
                                          "the chat sequencer's lease is held by "
                                              + row.getString("holder")
                                              + " (epoch "
                                              + row.getLong("epoch")
                                              + ") for "
                                              + row.getLong("remaining_ms")
                                              + " ms more"));
                                });
                      }
                      Row lease = taken.iterator().next();
                      return conn.preparedQuery(ChatSql.LAST_STORED)
                          .execute(Tuple.tuple())
                          .map(
                              stored ->
                                  new JsonObject()
                                      .put("epoch", lease.getLong("epoch"))
                                      .put("lastGiven", lease.getLong("last_seq"))
                                      .put("lastStored", stored.iterator().next().getLong("seq")));
                    }));
  }

  /** Request: {@code {"epoch", "holder", "leaseMs", "lastSeq"}}. Reply: {@code {"epoch"}}. Fails 409 when the epoch is over. */
  public Future<JsonObject> renewLease(JsonObject message) {
    long epoch = Fields.id(message, "epoch");
    String holder = Fields.text(message, "holder", HOLDER_MAX, true);
    Tuple params =
        Tuple.of(epoch, holder, Fields.id(message, "leaseMs"), message.getLong("lastSeq", 0L));
    return db.run(ChatSql.LEASE_RENEW, params)
        .map(
            rows -> {
              if (rows.size() == 0) {
                throw new StoreFailure(
                    Failures.CONFLICT,
                    "epoch " + epoch + " no longer holds the chat sequencer's lease");
              }
              return new JsonObject().put("epoch", epoch);
            });
  }

  /** Request: {@code {"epoch", "lastSeq"}}: the holder gives the lease up. Reply: {@code {"released": true | false}}. */
  public Future<JsonObject> releaseLease(JsonObject message) {
    long epoch = Fields.id(message, "epoch");
    return db.run(ChatSql.LEASE_RELEASE, Tuple.of(epoch, message.getLong("lastSeq", 0L)))
        .map(rows -> new JsonObject().put("released", rows.size() == 1));
  }

  public Future<JsonObject> list(JsonObject message) {
    String room = room(message);
    Long before = message.getLong("before");
    Long after = message.getLong("after");
    Integer limit = message.getInteger("limit", 50);
    if (limit < 1 || limit > PAGE_MAX) {
      throw StoreFailure.invalid("limit: must be from 1 to " + PAGE_MAX);
    }
    return db.run(ChatSql.PAGE, Tuple.of(room, before, limit + 1, after))
        .map(
            rows -> {
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
      throw StoreFailure.invalid(
          "room: must be 1 to 64 characters of A-Z a-z 0-9 . _ -, not . or ..");
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
