import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The two ways to bulk-load records that the Vert.x PostgreSQL client leaves (it has no COPY,
 * eclipse-vertx/vertx-sql-client#153), measured on Loopline's own table and seq rule:
 *
 * <ul>
 *   <li>{@code unnest}: one {@code INSERT ... SELECT FROM unnest($2::text[], ...)} per batch through the
 *       pipelined client, as the persistence verticle runs it (4 connections, prepared statements cached);
 *   <li>{@code copy}: pgjdbc's {@code CopyManager} on worker threads, one JDBC connection each: per batch a
 *       transaction that takes the stream's seqs, then {@code COPY ... FROM STDIN (FORMAT binary)}.
 * </ul>
 *
 * Records are made before the clock starts; what is timed is encoding, sending and PostgreSQL's work, with up
 * to {@code inflight} batches at once. Prints one RESULT line.
 *
 * <pre>java -cp target/loopline.jar bench/ingest/WriteBench.java unnest|copy DB_URL RECORDS BATCH INFLIGHT</pre>
 * DB_URL is {@code postgresql://user@host:port/db}, a database migrated by Loopline (it truncates the tables).
 */
public class WriteBench {

  static final String APPEND = """
      WITH head AS (
        INSERT INTO streams AS s (name, records, first_time, last_time)
        VALUES ($1, cardinality($2::text[]), $6, $7)
        ON CONFLICT (name) DO UPDATE SET records = s.records + EXCLUDED.records,
          first_time = least(s.first_time, EXCLUDED.first_time), last_time = greatest(s.last_time, EXCLUDED.last_time),
          updated_at = now()
        RETURNING s.records - cardinality($2::text[]) AS base
      ), stored AS (
        INSERT INTO stream_records (stream, seq, device, recorded_at, value, attrs)
        SELECT $1, head.base + r.n, r.device, r.t, r.value, r.attrs::jsonb
        FROM head, unnest($2::text[], $3::timestamptz[], $4::float8[], $5::text[]) WITH ORDINALITY AS r(device, t, value, attrs, n)
      )
      SELECT base + cardinality($2::text[]) AS seq FROM head""";

  static final String TAKE_SEQS = """
      INSERT INTO streams AS s (name, records, first_time, last_time) VALUES (?, ?, to_timestamp(?), to_timestamp(?))
      ON CONFLICT (name) DO UPDATE SET records = s.records + EXCLUDED.records,
        first_time = least(s.first_time, EXCLUDED.first_time), last_time = greatest(s.last_time, EXCLUDED.last_time),
        updated_at = now()
      RETURNING s.records - ?""";

  /** Microseconds from 1970 to 2000-01-01, PostgreSQL's binary epoch. */
  static final long PG_EPOCH_MICROS = 946_684_800_000_000L;
  static final byte[] COPY_HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0};

  record Batch(String[] devices, long[] times, double[] values, String[] attrs) {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String url = args[1];
    int records = Integer.parseInt(args[2]);
    int batchSize = Integer.parseInt(args[3]);
    int inflight = Integer.parseInt(args[4]);
    Batch[] batches = make(records, batchSize);
    try (Connection jdbc = jdbc(url)) {
      jdbc.createStatement().execute("TRUNCATE streams, stream_records");
    }
    long start = System.nanoTime();
    switch (mode) {
      case "unnest" -> unnest(url, batches, inflight);
      case "copy" -> copy(url, batches, inflight);
      default -> throw new IllegalArgumentException("mode: unnest or copy");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long stored;
    try (Connection jdbc = jdbc(url); ResultSet rows = jdbc.createStatement().executeQuery(
        "SELECT count(*), max(seq) FROM stream_records")) {
      rows.next();
      stored = rows.getLong(1);
      if (stored != records) {
        throw new IllegalStateException("stored " + stored + " records, max seq " + rows.getLong(2));
      }
    }
    System.out.printf("RESULT mode=%s records=%d batch=%d inflight=%d seconds=%.2f rate=%.0f%n",
        mode, records, batchSize, inflight, seconds, records / seconds);
  }

  /** Devices dev-0000..dev-0099, one record a millisecond, a tenth with attributes: the upload benchmark's data. */
  static Batch[] make(int records, int batchSize) {
    int n = (records + batchSize - 1) / batchSize;
    Batch[] batches = new Batch[n];
    long t0 = 1_796_169_600_000_000L; // 2026-12-01T00:00:00Z
    java.util.Random random = new java.util.Random(42);
    for (int b = 0; b < n; b++) {
      int size = Math.min(batchSize, records - b * batchSize);
      Batch batch = new Batch(new String[size], new long[size], new double[size], new String[size]);
      for (int i = 0; i < size; i++) {
        int k = b * batchSize + i;
        batch.devices[i] = String.format("dev-%04d", k % 100);
        batch.times[i] = t0 + k * 1000L;
        batch.values[i] = Math.round(random.nextGaussian() * 1000) / 100.0;
        batch.attrs[i] = k % 10 == 0 ? "{\"unit\":\"C\",\"site\":\"north\"}" : null;
      }
      batches[b] = batch;
    }
    return batches;
  }

  static void unnest(String url, Batch[] batches, int inflight) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      SqlClient client = PgBuilder.client()
          .with(new PoolOptions().setMaxSize(4))
          .connectingTo(PgConnectOptions.fromUri(url).setPipeliningLimit(256).setCachePreparedStatements(true))
          .using(vertx).build();
      Promise<Void> done = Promise.promise();
      vertx.runOnContext(v -> new Object() {
        int next;
        int running;

        void pump() {
          while (running < inflight && next < batches.length) {
            Batch batch = batches[next++];
            running++;
            int n = batch.devices.length;
            OffsetDateTime[] times = new OffsetDateTime[n];
            Double[] values = new Double[n];
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (int i = 0; i < n; i++) {
              times[i] = time(batch.times[i]);
              values[i] = batch.values[i];
              min = Math.min(min, batch.times[i]);
              max = Math.max(max, batch.times[i]);
            }
            client.preparedQuery(APPEND).execute(Tuple.of(stream(next), batch.devices, times, values, batch.attrs, time(min), time(max)))
                .onSuccess(rows -> {
                  running--;
                  pump();
                })
                .onFailure(done::tryFail);
          }
          if (running == 0 && next == batches.length) {
            done.tryComplete();
          }
        }
      }.pump());
      done.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES);
      client.close();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  static void copy(String url, Batch[] batches, int inflight) throws Exception {
    int workers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    ThreadLocal<Connection> connections = ThreadLocal.withInitial(() -> {
      try {
        Connection c = jdbc(url);
        c.setAutoCommit(false);
        return c;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Semaphore slots = new Semaphore(inflight);
    AtomicReference<Exception> failure = new AtomicReference<>();
    for (int b = 0; b < batches.length; b++) {
      Batch batch = batches[b];
      int number = b;
      slots.acquire();
      if (failure.get() != null) {
        break;
      }
      pool.execute(() -> {
        try {
          copyOne(connections.get(), batch, stream(number));
        } catch (Exception e) {
          failure.compareAndSet(null, e);
        } finally {
          slots.release();
        }
      });
    }
    pool.shutdown();
    pool.awaitTermination(30, TimeUnit.MINUTES);
    if (failure.get() != null) {
      throw failure.get();
    }
  }

  static void copyOne(Connection connection, Batch batch, String streamName) throws java.sql.SQLException, IOException {
    int n = batch.devices.length;
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (long t : batch.times) {
      min = Math.min(min, t);
      max = Math.max(max, t);
    }
    long base;
    try (PreparedStatement take = connection.prepareStatement(TAKE_SEQS)) {
      take.setString(1, streamName);
      take.setLong(2, n);
      take.setDouble(3, min / 1e6);
      take.setDouble(4, max / 1e6);
      take.setLong(5, n);
      try (ResultSet rows = take.executeQuery()) {
        rows.next();
        base = rows.getLong(1);
      }
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(n * 64);
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(COPY_HEADER);
    byte[] stream = streamName.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < n; i++) {
      out.writeShort(6);
      out.writeInt(stream.length);
      out.write(stream);
      out.writeInt(8);
      out.writeLong(base + i + 1);
      byte[] device = batch.devices[i].getBytes(StandardCharsets.UTF_8);
      out.writeInt(device.length);
      out.write(device);
      out.writeInt(8);
      out.writeLong(batch.times[i] - PG_EPOCH_MICROS);
      out.writeInt(8);
      out.writeDouble(batch.values[i]);
      if (batch.attrs[i] == null) {
        out.writeInt(-1);
      } else {
        byte[] attrs = batch.attrs[i].getBytes(StandardCharsets.UTF_8);
        out.writeInt(attrs.length + 1);
        out.writeByte(1); // jsonb binary format version
        out.write(attrs);
      }
    }
    out.writeShort(-1);
    CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
    copy.copyIn("COPY stream_records (stream, seq, device, recorded_at, value, attrs) FROM STDIN (FORMAT binary)",
        new java.io.ByteArrayInputStream(bytes.toByteArray()));
    connection.commit();
  }

  static OffsetDateTime time(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L)
        .atOffset(ZoneOffset.UTC);
  }

  /** Batches go to STREAMS streams in turn (environment, default 1). */
  static String stream(int batch) {
    return "bench-" + batch % Integer.parseInt(System.getenv().getOrDefault("STREAMS", "1"));
  }

  static Connection jdbc(String url) throws java.sql.SQLException {
    String rest = url.substring("postgresql://".length());
    String user = rest.substring(0, rest.indexOf('@'));
    return DriverManager.getConnection("jdbc:postgresql://" + rest.substring(rest.indexOf('@') + 1), user, "");
  }

}
