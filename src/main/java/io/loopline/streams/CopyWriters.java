package io.loopline.streams;

import io.loopline.contract.Failures;
import io.loopline.contract.RecordBatch;
import io.loopline.platform.bus.StoreFailure;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches of records written with PostgreSQL's binary {@code COPY}, which the Vert.x client does not have
 * (vertx-sql-client#153): pgjdbc's {@code CopyIn} on worker threads, one JDBC connection per lane.
 *
 * <p>A stream always goes to the same lane (by its name's hash) and a lane writes one group at a time, in the
 * order batches arrived, so one stream's batches are stored in order: an upload that stops part-way has stored
 * a prefix of its batches. While a lane writes, the batches that arrive queue on it; its next write takes all
 * of them (up to {@code ingest.copyGroupRecords}) in one transaction: one seq-taking statement per stream, one
 * {@code COPY}, one commit. So a lane's transactions grow with the load and the commits (each a WAL flush) do
 * not. A batch is answered when its group commits; a group that fails fails every batch in it (none of it is
 * stored). A lane's queue holds at most {@code ingest.writerQueueRecords} records; a batch beyond that is
 * refused at once with 503, which the edges pass on.
 *
 * <p>Hand-rolled on purpose: Vert.x's {@code executeBlocking} orders tasks per calling context, not per lane;
 * here the lane is the unit of order, and the worker pool only lends it a thread (at most one task per lane).
 */
public final class CopyWriters {

  private static final Logger log = LoggerFactory.getLogger(CopyWriters.class);

  /**
   * Takes {@code ?2} seqs of stream {@code ?1} (its row locked until commit), records from {@code ?3} to {@code ?4};
   * {@code ?5} is {@code ?2} again. Returns the base, the seq before them.
   */
  static final String TAKE_SEQS =
      """
      INSERT INTO streams AS s (name, records, first_time, last_time) VALUES (?, ?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET records = s.records + EXCLUDED.records,
        first_time = least(s.first_time, EXCLUDED.first_time), last_time = greatest(s.last_time, EXCLUDED.last_time),
        updated_at = now()
      RETURNING s.records - ?""";

  static final String COPY =
      "COPY stream_records (stream, seq, device, recorded_at, value, attrs) FROM STDIN (FORMAT binary)";

  /** Microseconds from 1970 to 2000-01-01, PostgreSQL's binary epoch. */
  private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

  private static final byte[] HEADER = {
    'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0
  };
  private static final byte[] TRAILER = {(byte) 0xff, (byte) 0xff};

  /** Where and how a lane connects: pgjdbc's URL and properties (user, password, timeouts). */
  record Target(String url, Properties properties) {}

  private final Target target;
  private final WorkerExecutor workers;
  private final Lane[] lanes;
  private final long maxQueuedRecords;
  private final int groupRecords;
  private final long timeoutMs;

  public CopyWriters(
      Vertx vertx,
      Target target,
      int lanes,
      long maxQueuedRecords,
      int groupRecords,
      long timeoutMs) {
    this.target = target;
    this.workers =
        vertx.createSharedWorkerExecutor(
            "loopline-ingest-copy", lanes, 2 * timeoutMs + 10_000, TimeUnit.MILLISECONDS);
    this.lanes = new Lane[lanes];
    for (int i = 0; i < lanes; i++) {
      this.lanes[i] = new Lane(i);
    }
    this.maxQueuedRecords = maxQueuedRecords;
    this.groupRecords = groupRecords;
    this.timeoutMs = timeoutMs;
  }

  /** Stores {@code batch} after the batches of its stream sent before it; the answer is the stream's newest seq. */
  public Future<Long> write(RecordBatch batch) {
    Lane lane = lanes[Math.floorMod(batch.stream().hashCode(), lanes.length)];
    if (lane.queuedRecords + batch.size() > maxQueuedRecords && !lane.queue.isEmpty()) {
      return Future.failedFuture(
          new StoreFailure(
              Failures.UNAVAILABLE,
              "the ingest writers are full (ingest.writerQueueRecords); try again shortly"));
    }
    Promise<Long> stored = Promise.promise();
    lane.queue.add(new Pending(batch, stored));
    lane.queuedRecords += batch.size();
    lane.pump();
    // The statement timeout cancels a stuck COPY; this covers a connection gone silent (the socket
    // timeout closes it).
    return stored.future().timeout(timeoutMs * 2 + 1000, TimeUnit.MILLISECONDS);
  }

  /** Records waiting in lanes, not yet being written. */
  public long queuedRecords() {
    long sum = 0;
    for (Lane lane : lanes) {
      sum += lane.queuedRecords;
    }
    return sum;
  }

  public Future<Void> close() {
    List<Future<Void>> closed = new ArrayList<>();
    for (Lane lane : lanes) {
      lane.closing = true;
      closed.add(
          workers.executeBlocking(
              () -> {
                lane.disconnect();
                return null;
              },
              false));
    }
    return Future.join(closed).eventually(workers::close).mapEmpty();
  }

  private record Pending(RecordBatch batch, Promise<Long> stored) {}

  /** One connection and its queue. The queue is touched on the persistence verticle's loop only, the connection on a worker only. */
  private final class Lane {
    final int number;
    final ArrayDeque<Pending> queue = new ArrayDeque<>();
    long queuedRecords;

    /** Batches to write one per transaction: those of a group the database refused, so only the bad one fails. */
    int alone;

    boolean writing;
    boolean closing;

    /** Worker side: the connection, its seq statement, and the buffer rows are encoded into. */
    private Connection connection;

    private PreparedStatement takeSeqs;
    private ByteBuffer rows = ByteBuffer.allocate(256 * 1024);

    Lane(int number) {
      this.number = number;
    }

    void pump() {
      if (writing || queue.isEmpty()) {
        return;
      }
      List<Pending> group = new ArrayList<>();
      int records = 0;
      while (!queue.isEmpty()
          && (group.isEmpty()
              || alone == 0 && records + queue.peek().batch().size() <= groupRecords)) {
        Pending next = queue.poll();
        group.add(next);
        records += next.batch().size();
      }
      alone = Math.max(0, alone - 1);
      queuedRecords -= records;
      writing = true;
      workers
          .executeBlocking(() -> store(group), false)
          .onComplete(
              result -> {
                writing = false;
                if (result.failed()
                    && group.size() > 1
                    && result.cause() instanceof StoreFailure refused
                    && refused.code() == Failures.BAD_REQUEST) {
                  for (int i = group.size() - 1; i >= 0; i--) {
                    queue.addFirst(group.get(i));
                    queuedRecords += group.get(i).batch().size();
                  }
                  alone = group.size();
                  pump();
                  return;
                }
                for (int i = 0; i < group.size(); i++) {
                  if (result.succeeded()) {
                    group.get(i).stored().tryComplete(result.result()[i]);
                  } else {
                    group.get(i).stored().tryFail(result.cause());
                  }
                }
                pump();
              });
    }

    /** Worker: one transaction for the group; the newest seq of each batch's stream after it. */
    private long[] store(List<Pending> group) {
      if (closing) {
        throw new StoreFailure(Failures.UNAVAILABLE, "the ingest writers are stopping");
      }
      try {
        Connection c = connection();
        long[] seqs = new long[group.size()];
        // Seqs first, one statement per stream of the group (COPY cannot be interleaved with other
        // statements).
        Map<String, long[]> streams = new LinkedHashMap<>();
        for (Pending pending : group) {
          RecordBatch batch = pending.batch();
          long[] span =
              streams.computeIfAbsent(
                  batch.stream(), s -> new long[] {0, Long.MAX_VALUE, Long.MIN_VALUE});
          span[0] += batch.size();
          span[1] = Math.min(span[1], batch.minTime());
          span[2] = Math.max(span[2], batch.maxTime());
        }
        Map<String, Long> next = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> stream : streams.entrySet()) {
          long[] span = stream.getValue();
          takeSeqs.setString(1, stream.getKey());
          takeSeqs.setLong(2, span[0]);
          takeSeqs.setObject(3, StreamStore.toTime(span[1]));
          takeSeqs.setObject(4, StreamStore.toTime(span[2]));
          takeSeqs.setLong(5, span[0]);
          try (ResultSet base = takeSeqs.executeQuery()) {
            base.next();
            next.put(stream.getKey(), base.getLong(1));
          }
        }
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY);
        try {
          copy.writeToCopy(HEADER, 0, HEADER.length);
          for (int i = 0; i < group.size(); i++) {
            RecordBatch batch = group.get(i).batch();
            long base = next.get(batch.stream());
            encode(batch, base);
            copy.writeToCopy(rows.array(), 0, rows.position());
            next.put(batch.stream(), base + batch.size());
            seqs[i] = base + batch.size();
          }
          copy.writeToCopy(TRAILER, 0, TRAILER.length);
          copy.endCopy();
        } finally {
          if (copy.isActive()) {
            copy.cancelCopy();
          }
        }
        c.commit();
        return seqs;
      } catch (SQLException e) {
        rollback();
        throw failure(e);
      } catch (RuntimeException e) {
        rollback();
        throw e;
      }
    }

    /** One batch as COPY rows (binary format: per row a field count, then each field's length and bytes). */
    private void encode(RecordBatch batch, long base) {
      byte[] stream = batch.stream().getBytes(StandardCharsets.UTF_8);
      rows.clear();
      for (int i = 0; i < batch.size(); i++) {
        byte[] device = batch.device(i).getBytes(StandardCharsets.UTF_8);
        String attrs = batch.attrs(i);
        byte[] json = attrs == null ? null : attrs.getBytes(StandardCharsets.UTF_8);
        room(
            2
                + 4
                + stream.length
                + 12
                + 4
                + device.length
                + 12
                + 12
                + 4
                + (json == null ? 0 : 1 + json.length));
        rows.putShort((short) 6);
        rows.putInt(stream.length).put(stream);
        rows.putInt(8).putLong(base + i + 1);
        rows.putInt(device.length).put(device);
        rows.putInt(8).putLong(batch.time(i) - PG_EPOCH_MICROS);
        rows.putInt(8).putDouble(batch.value(i));
        if (json == null) {
          rows.putInt(-1);
        } else {
          rows.putInt(json.length + 1)
              .put((byte) 1)
              .put(json); // jsonb's binary form: version 1, then the text
        }
      }
    }

    private void room(int bytes) {
      if (rows.remaining() < bytes) {
        ByteBuffer larger =
            ByteBuffer.allocate(Math.max(rows.capacity() * 2, rows.position() + bytes));
        larger.put(rows.array(), 0, rows.position());
        rows = larger;
      }
    }

    private Connection connection() throws SQLException {
      if (connection == null || connection.isClosed()) {
        connection = DriverManager.getConnection(target.url(), target.properties());
        connection.setAutoCommit(false);
        takeSeqs = connection.prepareStatement(TAKE_SEQS);
        log.debug("ingest lane {} connected", number);
      }
      return connection;
    }

    private void rollback() {
      try {
        if (connection != null && !connection.isClosed()) {
          connection.rollback();
        }
      } catch (SQLException e) {
        disconnect(); // a connection that cannot roll back is not used again
      }
    }

    void disconnect() {
      try {
        if (connection != null) {
          connection.close();
        }
      } catch (SQLException e) {
        log.debug("ingest lane {}: closing its connection: {}", number, e.toString());
      }
      connection = null;
      takeSeqs = null;
    }
  }

  /** What a JDBC failure means to the client: a value refused (22, 23) or the database unavailable (anything else). */
  private static StoreFailure failure(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (state.startsWith("22") || state.startsWith("23")) {
      log.info("database refused a batch: {} {}", state, e.getMessage());
      return StoreFailure.invalid("value: refused by the database (out of range or malformed)");
    }
    log.warn("ingest batch not stored: {} {}", state, e.getMessage());
    return new StoreFailure(Failures.UNAVAILABLE, "database unavailable");
  }

  /** pgjdbc's URL and properties for the database at {@code url} ({@code postgresql://...}), with Loopline's timeouts. */
  static Target target(String url, long statementTimeoutMs, long connectTimeoutMs) {
    io.vertx.pgclient.PgConnectOptions options = io.vertx.pgclient.PgConnectOptions.fromUri(url);
    String query = url.contains("?") ? url.substring(url.indexOf('?')) : "";
    Properties properties = new Properties();
    properties.setProperty("user", options.getUser());
    if (options.getPassword() != null) {
      properties.setProperty("password", options.getPassword());
    }
    properties.setProperty("ApplicationName", "loopline-ingest");
    properties.setProperty("options", "-c statement_timeout=" + statementTimeoutMs);
    properties.setProperty("connectTimeout", String.valueOf(Math.max(1, connectTimeoutMs / 1000)));
    // A connection that stops answering is closed (and the batch failed) a little after
    // PostgreSQL's own timeout.
    properties.setProperty("socketTimeout", String.valueOf(statementTimeoutMs / 1000 + 5));
    return new Target(
        "jdbc:postgresql://"
            + options.getHost()
            + ":"
            + options.getPort()
            + "/"
            + options.getDatabase()
            + query,
        properties);
  }
}
