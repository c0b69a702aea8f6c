package io.loopline.streams;

import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.platform.bus.Operations;
import io.loopline.platform.bus.StoreFailure;
import io.loopline.platform.db.Database;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Conversations that hold a database connection across many event-bus messages: an atomic upload (one
 * transaction) and an NDJSON export (one cursor). Each session answers on an address of its own, at most
 * {@code max} are open at once (more: 503 at once), and one that is not spoken to for {@code idleMs} (its
 * client went away, or the node that asked died) is closed, which rolls its transaction back.
 */
final class StreamSessions {

  /**
   * One open session: it answers the messages sent to its address. Its connection goes back to the pool when
   * the session ends, which rolls back a transaction still open (and closes its cursors).
   */
  interface Session {
    /** The answer to one message; {@link Answer#last()} closes the session once it is sent. */
    Future<Answer> handle(Object body);
  }

  /** A reply, its headers, and whether the session is over. */
  record Answer(Object body, DeliveryOptions options, boolean last) {
    static Answer of(Object body, boolean last) {
      return new Answer(body, new DeliveryOptions(), last);
    }
  }

  private final Vertx vertx;
  private final Pool pool;
  private final int max;
  private final long idleMs;
  private final String kind;
  private final Map<String, Open> open = new HashMap<>();

  private final class Open {
    final String id;
    final SqlConnection connection;
    Session session;
    MessageConsumer<Object> consumer;
    long idleTimer = -1;
    boolean closed;

    Open(String id, SqlConnection connection) {
      this.id = id;
      this.connection = connection;
    }
  }

  StreamSessions(Vertx vertx, Database db, String kind, int max, long idleMs) {
    this.vertx = vertx;
    this.pool = db.pool("loopline-pg-" + kind, Math.max(1, max));
    this.max = max;
    this.idleMs = idleMs;
    this.kind = kind;
  }

  /**
   * Opens a session on a connection of its own: {@code starter} readies it (a transaction, a cursor). The
   * reply names the address to talk to it at.
   */
  Future<JsonObject> open(Function<SqlConnection, Future<Session>> starter) {
    if (open.size() >= max) {
      return Future.failedFuture(
          new StoreFailure(
              Failures.UNAVAILABLE,
              "all " + max + " " + kind + " sessions are in use; try again shortly"));
    }
    String id = UUID.randomUUID().toString();
    open.put(id, null); // holds the place while the connection opens
    return pool.getConnection()
        .onFailure(e -> open.remove(id))
        .compose(
            connection -> {
              Open entry = new Open(id, connection);
              open.put(id, entry);
              connection.closeHandler(v -> close(entry));
              return starter
                  .apply(connection)
                  .compose(
                      session -> {
                        entry.session = session;
                        entry.consumer =
                            Operations.answerWith(
                                vertx.eventBus(),
                                Addresses.streamSession(id),
                                body ->
                                    handle(entry, body)
                                        .map(
                                            answer -> {
                                              // The reply is made: closing first only unregisters
                                              // this address and returns the connection.
                                              if (answer.last()) {
                                                close(entry);
                                              }
                                              return new Operations.Reply(
                                                  answer.body(), answer.options());
                                            }),
                                StoreFailure::reply);
                        touch(entry);
                        return entry.consumer.completion();
                      })
                  .onFailure(e -> close(entry))
                  .map(v -> new JsonObject().put("session", Addresses.streamSession(id)));
            });
  }

  /** Sessions open now. */
  int size() {
    return open.size();
  }

  private Future<Answer> handle(Open entry, Object body) {
    if (entry.closed) {
      return Future.failedFuture(StoreFailure.notFound("session: is closed"));
    }
    touch(entry);
    Future<Answer> answer;
    try {
      answer = entry.session.handle(body);
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    // A failed step (a statement refused, the connection lost) leaves nothing to continue: the
    // session ends.
    return answer.onFailure(e -> close(entry));
  }

  private void touch(Open entry) {
    if (entry.idleTimer >= 0) {
      vertx.cancelTimer(entry.idleTimer);
    }
    entry.idleTimer = vertx.setTimer(idleMs, t -> close(entry));
  }

  /** Ends the session: its address goes, its connection goes back to the pool (rolling back what is open). */
  private void close(Open entry) {
    if (entry.closed) {
      return;
    }
    entry.closed = true;
    open.remove(entry.id);
    vertx.cancelTimer(entry.idleTimer);
    if (entry.consumer != null) {
      entry.consumer.unregister();
    }
    entry.connection.close();
  }

  /** Ends every session (rolled back) and closes the pool. */
  Future<Void> close() {
    open.values().stream().filter(java.util.Objects::nonNull).toList().forEach(this::close);
    return pool.close();
  }
}
