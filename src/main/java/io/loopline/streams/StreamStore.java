package io.loopline.streams;

import io.loopline.contract.Addresses;
import io.loopline.contract.RecordBatch;
import io.loopline.contract.StreamRecords;
import io.loopline.platform.bus.Fields;
import io.loopline.platform.bus.StoreFailure;
import io.loopline.platform.config.IngestSettings;
import io.loopline.platform.db.Cursor;
import io.loopline.platform.db.Database;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams and their records: batches appended (from the HTTP and MQTT edges, or any service on the bus),
 * atomic uploads, the streams list, series buckets, pages, the tail {@code /live} follows, and export cursors.
 * After every batch it stores it publishes {@link Addresses#streamStored}.
 */
public final class StreamStore {

  /** The most records one JSON append on the bus may carry. */
  static final int APPEND_MAX = 10_000;

  /** Errors listed in an answer; the rest are only counted. */
  static final int ERRORS_SHOWN = 100;

  private static final Set<String> RECORD_FIELDS = Set.of("device", "time", "value", "attrs");
  private static final Pattern STEP = Pattern.compile("^([1-9][0-9]{0,5})([smhd])$");
  private static final long MICROS = 1_000_000L;

  /** Bounds that stand for "no bound" in time filters: every stored time lies between them. */
  private static final OffsetDateTime EARLIEST =
      OffsetDateTime.of(1, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);

  private static final OffsetDateTime LATEST =
      OffsetDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000, ZoneOffset.UTC);

  private final Vertx vertx;
  private final Database db;

  /** One of the two writers, as {@code ingest.writer} says. */
  private final StreamWriters writers;

  private final CopyWriters copies;
  private final StreamSessions atomics;
  private final StreamSessions exports;
  private final IngestSettings settings;
  private final IngestMetrics metrics;

  public StreamStore(Vertx vertx, Database db, IngestSettings settings, IngestMetrics metrics) {
    this.vertx = vertx;
    this.db = db;
    this.settings = settings;
    this.metrics = metrics;
    boolean copy = IngestSettings.COPY.equals(settings.writer());
    this.writers = copy ? null : new StreamWriters(db, settings.writerConnections());
    this.copies =
        copy
            ? new CopyWriters(
                vertx,
                CopyWriters.target(
                    db.settings().url(),
                    db.settings().queryTimeoutMs(),
                    db.settings().connectTimeoutMs()),
                settings.writerConnections(),
                settings.writerQueueRecords(),
                settings.copyGroupRecords(),
                db.timeoutMs())
            : null;
    if (copies != null) {
      metrics.gauge(
          "loopline.ingest.writer.queued",
          "Records waiting in the ingest writer lanes, not yet being written",
          copies::queuedRecords);
    }
    this.atomics =
        new StreamSessions(
            vertx, db, "atomic", settings.atomicSessions(), settings.sessionIdleMs());
    this.exports =
        new StreamSessions(
            vertx, db, "export", settings.exportSessions(), settings.sessionIdleMs());
  }

  /** {@link Addresses#STREAMS_APPEND}: a {@link RecordBatch} as it is, a JSON request checked record by record. */
  public Future<JsonObject> append(Object body) {
    if (body instanceof RecordBatch batch) {
      return write(batch)
          .map(
              seq ->
                  new JsonObject()
                      .put("accepted", batch.size())
                      .put("rejected", 0)
                      .put("errors", new JsonArray())
                      .put("seq", seq));
    }
    if (!(body instanceof JsonObject request)) {
      throw StoreFailure.invalid("the message body must be a JSON object or a RecordBatch");
    }
    String stream = stream(request);
    Object list = request.getValue("records");
    if (!(list instanceof JsonArray records) || records.isEmpty() || records.size() > APPEND_MAX) {
      throw StoreFailure.invalid("records: must be a list of 1 to " + APPEND_MAX + " records");
    }
    boolean atomic = Boolean.TRUE.equals(request.getValue("atomic"));
    RecordBatch.Builder builder = RecordBatch.builder(stream, RecordBatch.BUS, records.size());
    JsonArray errors = new JsonArray();
    int rejected = 0;
    for (int i = 0; i < records.size(); i++) {
      String problem = addRecord(builder, records.getValue(i));
      if (problem != null) {
        if (atomic) {
          throw StoreFailure.invalid("records[" + i + "]." + problem);
        }
        rejected++;
        if (errors.size() < ERRORS_SHOWN) {
          errors.add(new JsonObject().put("index", i).put("detail", problem));
        }
      }
    }
    metrics.rejected(RecordBatch.BUS, rejected);
    JsonObject answer =
        new JsonObject()
            .put("accepted", builder.size())
            .put("rejected", rejected)
            .put("errors", errors);
    if (builder.size() == 0) {
      return db.run(StreamSql.HEAD, Tuple.of(stream)).map(rows -> answer.put("seq", head(rows)));
    }
    return write(builder.build()).map(seq -> answer.put("seq", seq));
  }

  /** Stores a checked batch in one statement; the answer is the stream's newest seq. */
  Future<Long> write(RecordBatch batch) {
    Timer.Sample timing = Timer.start();
    Future<Long> written =
        copies != null
            ? copies.write(batch)
            : writers
                .run(batch.stream(), StreamSql.APPEND, appendParams(batch))
                .map(rows -> rows.iterator().next().getLong("seq"));
    return written.map(
        seq -> {
          timing.stop(metrics.batchWrite());
          metrics.accepted(batch.source(), batch.size());
          vertx
              .eventBus()
              .publish(
                  Addresses.streamStored(batch.stream()),
                  new JsonObject()
                      .put("stream", batch.stream())
                      .put("seq", seq)
                      .put("count", batch.size()));
          return seq;
        });
  }

  /**
   * {@link Addresses#STREAMS_ATOMIC}: a transaction of its own, with a staging table that collects the
   * upload's batches; the commit moves them into the stream at once, taking their seqs then.
   */
  public Future<JsonObject> atomic(JsonObject request) {
    String stream = stream(request);
    return atomics.open(
        connection ->
            connection
                .begin()
                .compose(
                    tx ->
                        connection
                            .query(StreamSql.STAGING_CREATE)
                            .execute()
                            .map(created -> new AtomicUpload(stream, connection, tx))));
  }

  /** One atomic upload's session. */
  private final class AtomicUpload implements StreamSessions.Session {
    private final String stream;
    private final SqlConnection connection;
    private final Transaction tx;
    private String source = RecordBatch.HTTP;

    AtomicUpload(String stream, SqlConnection connection, Transaction tx) {
      this.stream = stream;
      this.connection = connection;
      this.tx = tx;
    }

    @Override
    public Future<StreamSessions.Answer> handle(Object body) {
      if (body instanceof RecordBatch batch) {
        if (!batch.stream().equals(stream)) {
          throw StoreFailure.invalid("stream: this session appends to " + stream);
        }
        source = batch.source();
        Timer.Sample timing = Timer.start();
        return connection
            .preparedQuery(StreamSql.STAGING_APPEND)
            .execute(stagingParams(batch))
            .map(
                rows -> {
                  timing.stop(metrics.batchWrite());
                  return StreamSessions.Answer.of(
                      new JsonObject().put("accepted", batch.size()), false);
                });
      }
      if (body instanceof JsonObject command && Boolean.TRUE.equals(command.getValue("commit"))) {
        return commit();
      }
      if (body instanceof JsonObject command && Boolean.TRUE.equals(command.getValue("rollback"))) {
        return tx.rollback()
            .map(v -> StreamSessions.Answer.of(new JsonObject().put("accepted", 0), true));
      }
      throw StoreFailure.invalid(
          "an atomic session takes RecordBatch, {\"commit\": true} or {\"rollback\": true}");
    }

    /** Moves the staged records into the stream (a longer statement timeout: it may be millions of rows). */
    private Future<StreamSessions.Answer> commit() {
      return connection
          .query("SET LOCAL statement_timeout = " + settings.atomicCommitTimeoutMs())
          .execute()
          .compose(v -> connection.query(StreamSql.STAGING_SIZE).execute())
          .compose(
              size -> {
                Row staged = size.iterator().next();
                long n = staged.getLong("n");
                if (n == 0) {
                  return tx.commit()
                      .compose(v -> db.run(StreamSql.HEAD, Tuple.of(stream)))
                      .map(rows -> new JsonObject().put("accepted", 0).put("seq", head(rows)));
                }
                return connection
                    .preparedQuery(StreamSql.STAGING_COMMIT)
                    .execute(
                        Tuple.of(
                            stream,
                            n,
                            staged.getOffsetDateTime("first"),
                            staged.getOffsetDateTime("last")))
                    .compose(rows -> tx.commit().map(rows.iterator().next().getLong("seq")))
                    .map(
                        seq -> {
                          metrics.accepted(source, n);
                          vertx
                              .eventBus()
                              .publish(
                                  Addresses.streamStored(stream),
                                  new JsonObject()
                                      .put("stream", stream)
                                      .put("seq", seq)
                                      .put("count", n));
                          return new JsonObject().put("accepted", n).put("seq", seq);
                        });
              })
          .map(answer -> StreamSessions.Answer.of(answer, true));
    }
  }

  /** {@link Addresses#STREAMS_LIST}. */
  public Future<JsonObject> list(JsonObject request) {
    int limit = Fields.limit(request);
    Object cursor = request.getValue("cursor");
    if (cursor != null && !(cursor instanceof String text && StreamRecords.validStream(text))) {
      throw StoreFailure.invalid("cursor: is malformed; use the 'next' value of a previous page");
    }
    return db.run(StreamSql.LIST, Tuple.of(cursor, limit + 1))
        .map(
            rows -> {
              JsonArray streams = new JsonArray();
              String next = null;
              for (Row row : rows) {
                if (streams.size() == limit) {
                  next = streams.getJsonObject(limit - 1).getString("name");
                  break;
                }
                streams.add(streamJson(row));
              }
              return new JsonObject().put("streams", streams).put("next", next);
            });
  }

  /** {@link Addresses#STREAMS_GET}. */
  public Future<JsonObject> get(JsonObject request) {
    String stream = stream(request);
    return db.run(StreamSql.GET, Tuple.of(stream))
        .compose(
            rows ->
                rows.size() == 0
                    ? Future.failedFuture(StoreFailure.notFound("no stream " + stream))
                    : Future.succeededFuture(streamJson(rows.iterator().next())));
  }

  /** {@link Addresses#STREAMS_SERIES}: {@code date_bin} buckets, no more than {@code ingest.maxBuckets}. */
  public Future<JsonObject> series(JsonObject request) {
    String stream = stream(request);
    String device = device(request);
    long to = time(request, "to", StreamRecords.nowMicros());
    long from = time(request, "from", to - 3600 * MICROS);
    String step =
        request.getValue("step") == null ? "1m" : String.valueOf(request.getValue("step"));
    Matcher parts = STEP.matcher(step);
    if (!parts.matches()) {
      throw StoreFailure.invalid(
          "step: must be a whole number of s, m, h or d, such as 30s, 1m, 1h or 1d");
    }
    long stepSeconds =
        Long.parseLong(parts.group(1))
            * switch (parts.group(2)) {
              case "s" -> 1L;
              case "m" -> 60L;
              case "h" -> 3600L;
              default -> 86_400L;
            };
    if (from >= to) {
      throw StoreFailure.invalid("from: must be before to");
    }
    long stepMicros = stepSeconds * MICROS;
    long buckets = Math.floorDiv(to - 1, stepMicros) - Math.floorDiv(from, stepMicros) + 1;
    if (buckets > settings.maxBuckets()) {
      throw StoreFailure.invalid(
          "step: from "
              + StreamRecords.formatTime(from)
              + " to "
              + StreamRecords.formatTime(to)
              + " in steps of "
              + step
              + " makes "
              + buckets
              + " buckets; at most "
              + settings.maxBuckets()
              + " are allowed");
    }
    Future<RowSet<Row>> rows =
        device == null
            ? db.run(
                StreamSql.SERIES_STREAM,
                Tuple.of(stream, toTime(from), toTime(to), (double) stepSeconds))
            : db.run(
                StreamSql.SERIES_DEVICE,
                Tuple.of(stream, device, toTime(from), toTime(to), (double) stepSeconds));
    return rows.map(
        found -> {
          JsonArray out = new JsonArray();
          for (Row row : found) {
            out.add(
                new JsonObject()
                    .put("time", StreamRecords.formatTime(micros(row.getOffsetDateTime("bucket"))))
                    .put("count", row.getLong("n"))
                    .put("min", row.getDouble("min"))
                    .put("max", row.getDouble("max"))
                    .put("avg", row.getDouble("avg")));
          }
          return new JsonObject()
              .put("stream", stream)
              .put("device", device)
              .put("from", StreamRecords.formatTime(from))
              .put("to", StreamRecords.formatTime(to))
              .put("step", step)
              .put("buckets", out);
        });
  }

  /** {@link Addresses#STREAMS_RECORDS}: with a device in time order, else in seq order. */
  public Future<JsonObject> records(JsonObject request) {
    Filter filter = filter(request);
    int limit = pageLimit(request, 100);
    String sort = filter.device == null ? "seq" : "time";
    Cursor cursor = Cursor.decode(request.getString("cursor"), sort);
    Future<RowSet<Row>> rows;
    if (filter.device == null) {
      long after = cursor == null ? 0 : cursor.id();
      rows =
          db.run(
              StreamSql.RECORDS_STREAM,
              Tuple.of(filter.stream, filter.from, filter.to, after, limit + 1));
    } else {
      OffsetDateTime afterTime = cursor == null ? EARLIEST : toTime(cursorMicros(cursor));
      long afterSeq = cursor == null ? 0 : cursor.id();
      rows =
          db.run(
              StreamSql.RECORDS_DEVICE,
              Tuple.of(
                  filter.stream,
                  filter.device,
                  filter.from,
                  filter.to,
                  afterTime,
                  afterSeq,
                  limit + 1));
    }
    return rows.map(
        found -> {
          JsonArray page = new JsonArray();
          String next = null;
          long lastMicros = 0;
          for (Row row : found) {
            if (page.size() == limit) {
              JsonObject last = page.getJsonObject(limit - 1);
              next =
                  new Cursor(sort, filter.device == null ? null : lastMicros, last.getLong("seq"))
                      .encode();
              break;
            }
            lastMicros = micros(row.getOffsetDateTime("recorded_at"));
            page.add(recordJson(row));
          }
          return new JsonObject().put("records", page).put("next", next);
        });
  }

  /**
   * {@link Addresses#STREAMS_AFTER}: what {@code /live} reads after each notification. {@code last} is where the
   * next read starts: the last record returned, or after a short page the stream's head (with a device filter,
   * the records of other devices up to it are passed over).
   */
  public Future<JsonObject> after(JsonObject request) {
    String stream = stream(request);
    String device = device(request);
    Object after = request.getValue("after");
    if (after == null) {
      return db.run(StreamSql.HEAD, Tuple.of(stream))
          .map(rows -> new JsonObject().put("records", new JsonArray()).put("last", head(rows)));
    }
    Long whole = Fields.wholeNumber(after, 0, Long.MAX_VALUE);
    if (whole == null) {
      throw StoreFailure.invalid("after: must be a seq (a whole number, 0 or more)");
    }
    long from = whole;
    int limit = pageLimit(request, 500);
    Future<RowSet<Row>> rows =
        device == null
            ? db.run(StreamSql.AFTER, Tuple.of(stream, from, limit))
            : db.run(StreamSql.AFTER_DEVICE, Tuple.of(stream, from, limit, device));
    return rows.map(
        found -> {
          JsonArray records = new JsonArray();
          long last = from;
          long head = from;
          for (Row row : found) {
            head = row.getLong("head");
            if (row.getLong("seq") != null) {
              records.add(recordJson(row));
              last = row.getLong("seq");
            }
          }
          // A short page saw the whole stream up to its head, in the same snapshot.
          return new JsonObject()
              .put("records", records)
              .put("last", records.size() < limit ? Math.max(head, from) : last);
        });
  }

  /** {@link Addresses#STREAMS_EXPORT}: a cursor in a read-only transaction, read a chunk per fetch. */
  public Future<JsonObject> export(JsonObject request) {
    Filter filter = filter(request);
    String sql = filter.device == null ? StreamSql.EXPORT_STREAM : StreamSql.EXPORT_DEVICE;
    Tuple params =
        filter.device == null
            ? Tuple.of(filter.stream, filter.from, filter.to)
            : Tuple.of(filter.stream, filter.device, filter.from, filter.to);
    return exports.open(
        connection ->
            connection
                .begin()
                .compose(tx -> connection.prepare(sql))
                .map(
                    statement -> {
                      io.vertx.sqlclient.Cursor rows = statement.cursor(params);
                      return body -> {
                        if (body instanceof JsonObject command
                            && Boolean.TRUE.equals(command.getValue("fetch"))) {
                          return rows.read(settings.exportChunkRows())
                              .map(
                                  chunk -> {
                                    metrics.exported(chunk.size());
                                    Buffer lines = Buffer.buffer(chunk.size() * 96);
                                    for (Row row : chunk) {
                                      lines
                                          .appendString(recordJson(row).encode())
                                          .appendByte((byte) '\n');
                                    }
                                    boolean more = rows.hasMore();
                                    return new StreamSessions.Answer(
                                        lines,
                                        new DeliveryOptions()
                                            .addHeader("more", String.valueOf(more)),
                                        !more);
                                  });
                        }
                        return Future.succeededFuture(
                            StreamSessions.Answer.of(new JsonObject(), true)); // {"close": true}
                      };
                    }));
  }

  public Future<Void> close() {
    return Future.join(
            atomics.close(), exports.close(), copies != null ? copies.close() : writers.close())
        .mapEmpty();
  }

  private record Filter(String stream, String device, OffsetDateTime from, OffsetDateTime to) {}

  private static Filter filter(JsonObject request) {
    String stream = stream(request);
    String device = device(request);
    OffsetDateTime from =
        request.getValue("from") == null ? EARLIEST : toTime(time(request, "from", 0));
    OffsetDateTime to = request.getValue("to") == null ? LATEST : toTime(time(request, "to", 0));
    return new Filter(stream, device, from, to);
  }

  private int pageLimit(JsonObject request, int fallback) {
    Object value = request.getValue("limit");
    if (value == null) {
      return fallback;
    }
    Long limit = Fields.wholeNumber(value, 1, settings.pageMax());
    if (limit == null) {
      throw StoreFailure.invalid("limit: must be an integer from 1 to " + settings.pageMax());
    }
    return limit.intValue();
  }

  /** The time of a records cursor: microseconds, however JSON gave the number back. */
  private static long cursorMicros(Cursor cursor) {
    if (!(cursor.key() instanceof Number micros)) {
      throw StoreFailure.invalid("cursor: is malformed; use the 'next' value of a previous page");
    }
    return micros.longValue();
  }

  /** Checks one record of a JSON append and adds it; the problem, when it cannot be added. */
  private static String addRecord(RecordBatch.Builder builder, Object value) {
    if (!(value instanceof JsonObject record)) {
      return "a record must be a JSON object";
    }
    for (String field : record.fieldNames()) {
      if (!RECORD_FIELDS.contains(field)) {
        return field + ": is not a known field (device, time, value, attrs)";
      }
    }
    Object device = record.getValue("device");
    String deviceProblem = StreamRecords.deviceProblem(device instanceof String text ? text : null);
    if (deviceProblem != null) {
      return device == null || device instanceof String
          ? deviceProblem
          : "device: must be a string";
    }
    if (!(record.getValue("value") instanceof Number number)) {
      return "value: must be a finite number";
    }
    double measured = number.doubleValue();
    if (StreamRecords.valueProblem(measured) != null) {
      return StreamRecords.valueProblem(measured);
    }
    long time;
    Object given = record.getValue("time");
    if (given == null) {
      time = StreamRecords.nowMicros();
    } else if (!(given instanceof String text)) {
      return "time: must be an RFC 3339 date-time string";
    } else {
      try {
        time = StreamRecords.parseTime(text);
      } catch (IllegalArgumentException e) {
        return e.getMessage();
      }
    }
    Object attrs = record.getValue("attrs");
    String attrsJson = null;
    if (attrs != null) {
      if (!(attrs instanceof JsonObject object)) {
        return "attrs: must be a JSON object";
      }
      attrsJson = object.encode();
      if (attrsJson.length() > StreamRecords.ATTRS_MAX_BYTES
          && attrsJson.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
              > StreamRecords.ATTRS_MAX_BYTES) {
        return "attrs: must be at most " + StreamRecords.ATTRS_MAX_BYTES + " bytes of JSON";
      }
    }
    builder.add((String) device, time, measured, attrsJson);
    return null;
  }

  private static String stream(JsonObject request) {
    Object stream = request.getValue("stream");
    if (!(stream instanceof String name) || !StreamRecords.validStream(name)) {
      throw StoreFailure.invalid(
          "stream: must be 1 to 64 characters of A-Z a-z 0-9 . _ -, not . or ..");
    }
    return name;
  }

  private static String device(JsonObject request) {
    Object device = request.getValue("device");
    if (device == null) {
      return null;
    }
    String problem = StreamRecords.deviceProblem(device instanceof String text ? text : null);
    if (problem != null) {
      throw StoreFailure.invalid(device instanceof String ? problem : "device: must be a string");
    }
    return (String) device;
  }

  private static long time(JsonObject request, String field, long fallback) {
    Object value = request.getValue(field);
    if (value == null) {
      return fallback;
    }
    try {
      if (value instanceof String text) {
        return StreamRecords.parseTime(text);
      }
    } catch (IllegalArgumentException e) {
      // answered below, naming the field
    }
    throw StoreFailure.invalid(
        field + ": must be an RFC 3339 date-time such as 2026-12-01T10:15:30Z");
  }

  private static long head(RowSet<Row> rows) {
    return rows.size() == 0 ? 0 : rows.iterator().next().getLong("records");
  }

  private static JsonObject streamJson(Row row) {
    return new JsonObject()
        .put("name", row.getString("name"))
        .put("records", row.getLong("records"))
        .put("firstTime", StreamRecords.formatTime(micros(row.getOffsetDateTime("first_time"))))
        .put("lastTime", StreamRecords.formatTime(micros(row.getOffsetDateTime("last_time"))));
  }

  /** A record as clients see it: {@code {"seq", "device", "time", "value", "attrs"?}}. */
  private static JsonObject recordJson(Row row) {
    JsonObject record =
        new JsonObject()
            .put("seq", row.getLong("seq"))
            .put("device", row.getString("device"))
            .put("time", StreamRecords.formatTime(micros(row.getOffsetDateTime("recorded_at"))))
            .put("value", row.getDouble("value"));
    String attrs = row.getString("attrs");
    if (attrs != null) {
      record.put("attrs", new JsonObject(attrs));
    }
    return record;
  }

  private static Tuple appendParams(RecordBatch batch) {
    int n = batch.size();
    String[] devices = new String[n];
    OffsetDateTime[] times = new OffsetDateTime[n];
    Double[] values = new Double[n];
    String[] attrs = new String[n];
    for (int i = 0; i < n; i++) {
      devices[i] = batch.device(i);
      times[i] = toTime(batch.time(i));
      values[i] = batch.value(i);
      attrs[i] = batch.attrs(i);
    }
    return Tuple.of(
        batch.stream(),
        devices,
        times,
        values,
        attrs,
        toTime(batch.minTime()),
        toTime(batch.maxTime()));
  }

  private static Tuple stagingParams(RecordBatch batch) {
    Tuple all = appendParams(batch);
    return Tuple.of(all.getValue(1), all.getValue(2), all.getValue(3), all.getValue(4));
  }

  public static OffsetDateTime toTime(long micros) {
    return Instant.ofEpochSecond(
            Math.floorDiv(micros, MICROS), Math.floorMod(micros, MICROS) * 1000L)
        .atOffset(ZoneOffset.UTC);
  }

  static long micros(OffsetDateTime time) {
    return time.toEpochSecond() * MICROS + time.getNano() / 1000;
  }
}
