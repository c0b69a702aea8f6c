package io.loopline.streams;

import io.loopline.contract.Addresses;
import io.loopline.contract.RecordBatch;
import io.loopline.platform.bus.BusClient;
import io.loopline.platform.config.IngestSettings;
import io.loopline.platform.web.Problem;
import io.loopline.platform.web.Problems;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upload to {@code POST /streams/{stream}/records}, read as it arrives: a {@link RecordParser} cuts the body
 * into lines, {@link RecordLines} turns each into a record (or an error for its line number), and full batches go
 * to the persistence role while the next one fills. With {@code ingest.uploadQueueBatches} batches waiting to be
 * stored the parser is paused, which stops reading from the socket, so a client never sends faster than
 * PostgreSQL stores and memory holds at most that many batches per upload.
 *
 * <p>The answer comes once every accepted record is stored. When an upload stops early (the client went away,
 * the body passed the limit, a line too long, the database failed) what is stored is what the batches sent
 * before it stopped stored: a stream's batches are written in order, so that is the upload's first lines; the
 * lines not yet in a sent batch are dropped. With {@code ?atomic=true} every batch goes into one transaction,
 * committed at the end, so an upload that stops early, or has a bad line, stores nothing.
 */
final class RecordUpload {

  private static final Logger log = LoggerFactory.getLogger(RecordUpload.class);
  private static final int ERRORS_SHOWN = 100;

  private final Vertx vertx;
  private final RoutingContext ctx;
  private final HttpServerRequest request;
  private final BusClient bus;
  private final Problems problems;
  private final IngestSettings settings;
  private final IngestMetrics metrics;
  private final UploadSlots slots;
  private final String stream;
  private final boolean atomic;
  private final RecordLines lines;
  private final RecordBatch.Builder batch;
  private final StoredLines stored = new StoredLines();
  private final JsonArray errors = new JsonArray();

  private RecordParser parser;
  private String session;
  private long lineNumber;
  private long bytes;

  /** The first line the next batch sent answers for: batches cover the lines between them, bad and empty ones too. */
  private long nextBatchLine = 1;

  private long flushTimer = -1;
  private int writing;
  private boolean paused;
  private boolean bodyEnded;
  private boolean finished;

  /** The answer of an upload that stopped early, given once the batches already sent are settled. */
  private Problem stoppedWith;

  private long accepted;
  private long rejected;

  RecordUpload(
      Vertx vertx,
      RoutingContext ctx,
      BusClient bus,
      Problems problems,
      IngestSettings settings,
      IngestMetrics metrics,
      UploadSlots slots,
      String stream,
      boolean atomic,
      RecordLines lines) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.request = ctx.request();
    this.bus = bus;
    this.problems = problems;
    this.settings = settings;
    this.metrics = metrics;
    this.slots = slots;
    this.stream = stream;
    this.atomic = atomic;
    this.lines = lines;
    this.batch = RecordBatch.builder(stream, RecordBatch.HTTP, settings.batchSize());
  }

  /** Starts reading the body (its slot is taken); for an atomic upload once its transaction is open. */
  void start() {
    ctx.response().closeHandler(v -> clientGone());
    Future<Void> ready =
        atomic
            ? bus.request(Addresses.STREAMS_ATOMIC, new JsonObject().put("stream", stream))
                .map(
                    opened -> {
                      session = opened.getString("session");
                      return null;
                    })
            : Future.succeededFuture();
    ready.onSuccess(v -> read()).onFailure(this::failed);
  }

  private void read() {
    if (finished) {
      rollback();
      return;
    }
    parser = RecordParser.newDelimited("\n", request);
    // The parser's own bound keeps memory in check while it is paused mid-chunk; each line's length
    // is checked
    // exactly below (a chunk is at most 8 KiB, so a paused parser holds at most a line and two
    // chunks).
    parser.maxRecordSize(settings.maxLineBytes() + 16 * 1024);
    parser.handler(this::line);
    parser.exceptionHandler(this::readFailed);
    parser.endHandler(v -> bodyEnd());
    if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
      ctx.response().writeContinue();
    }
    parser.resume();
  }

  private void line(Buffer raw) {
    if (finished) {
      return;
    }
    lineNumber++;
    bytes += raw.length() + 1;
    if (bytes > settings.maxBodyBytes()) {
      tooLarge();
      return;
    }
    if (raw.length() > settings.maxLineBytes()) {
      lineTooLong();
      return;
    }
    int length = raw.length();
    byte[] text = raw.getBytes();
    if (length > 0 && text[length - 1] == '\r') {
      length--;
    }
    if (length == 0) {
      return;
    }
    if (lines.wantsHeader()) {
      String problem = lines.header(text, length);
      if (problem != null) {
        refuse(problem);
      }
      return;
    }
    String problem = lines.add(text, length, batch);
    if (problem != null) {
      bad(problem);
      return;
    }
    if (batch.size() == 1) {
      flushTimer =
          vertx.setTimer(
              settings.batchDelayMs(),
              t -> {
                flushTimer = -1;
                send();
              });
    }
    if (batch.isFull()) {
      send();
    }
  }

  private void bad(String problem) {
    if (atomic) {
      refuse(problem);
      return;
    }
    rejected++;
    if (errors.size() < ERRORS_SHOWN) {
      errors.add(new JsonObject().put("line", lineNumber).put("detail", problem));
    }
  }

  /** Sends the batch being filled to be stored; with the queue full, stops reading until one is stored. */
  private void send() {
    if (batch.size() == 0 || finished) {
      return;
    }
    if (flushTimer >= 0) {
      vertx.cancelTimer(flushTimer);
      flushTimer = -1;
    }
    RecordBatch records = batch.build();
    long first = nextBatchLine;
    long last = lineNumber;
    nextBatchLine = lineNumber + 1;
    writing++;
    if (writing >= settings.uploadQueueBatches() && !paused && !bodyEnded) {
      paused = true;
      parser.pause();
    }
    Future<?> written =
        session == null
            ? bus.request(Addresses.STREAMS_APPEND, records)
            : bus.requestSession(session, records, settings.writeTimeoutMs());
    written.onComplete(
        result -> {
          writing--;
          if (result.succeeded()) {
            accepted += records.size();
            if (!atomic) {
              stored.add(first, last);
            }
          } else {
            failed(result.cause());
          }
          if (finished) {
            answerStopped();
            return;
          }
          if (paused) {
            paused = false;
            parser.resume();
          }
          done();
        });
  }

  private void bodyEnd() {
    if (finished) {
      return;
    }
    bodyEnded = true;
    send();
    done();
  }

  /** Answers once the body is read and every batch is stored (an atomic upload commits first). */
  private void done() {
    if (!bodyEnded || writing > 0 || finished) {
      return;
    }
    Future<Void> committed =
        session == null
            ? Future.succeededFuture()
            : bus.requestSession(
                    session,
                    new JsonObject().put("commit", true),
                    settings.atomicCommitTimeoutMs() + 5000)
                .mapEmpty();
    finish();
    committed
        .onSuccess(
            v -> {
              metrics.upload("ok");
              ctx.json(
                  new JsonObject()
                      .put("accepted", accepted)
                      .put("rejected", rejected)
                      .put("errors", errors));
            })
        .onFailure(
            e -> {
              metrics.upload("unavailable");
              stoppedWith = problemOf(e);
              answerStopped();
            });
  }

  private void tooLarge() {
    stop(
        "too-large",
        Problem.of(
            413,
            "The body is larger than ingest.maxBodyBytes (" + settings.maxBodyBytes() + " bytes)"));
  }

  private void lineTooLong() {
    stop(
        "invalid",
        lineProblem(
            "line: longer than ingest.maxLineBytes (" + settings.maxLineBytes() + " bytes)"));
  }

  /** A line that ends the upload: a bad line of an atomic upload, a CSV header that cannot be read. */
  private void refuse(String problem) {
    stop("invalid", lineProblem(problem));
  }

  private Problem lineProblem(String problem) {
    return Problem.validation(
        "line " + lineNumber + ": " + problem,
        new JsonArray()
            .add(Problem.fieldError("/body/" + lineNumber, problem).put("line", lineNumber)));
  }

  /** The parser's own failures: a line past its bound, or the request stream failing (the client reset it). */
  private void readFailed(Throwable failure) {
    if (failure instanceof IllegalStateException
        && String.valueOf(failure.getMessage()).contains("too long")) {
      lineNumber++;
      lineTooLong();
    } else {
      clientGone();
    }
  }

  /** A batch could not be stored: 503 (database or persistence role unavailable), or what the bus said. */
  private void failed(Throwable failure) {
    stop("unavailable", problemOf(failure));
  }

  private static Problem problemOf(Throwable failure) {
    return failure instanceof Problem.ProblemException known
        ? known.problem()
        : failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT
            ? Problem.of(503, "The database did not store a batch in time")
            : failure instanceof ReplyException reply
                ? Problems.fromBus(reply)
                : Problem.of(503, "A backend is unavailable");
  }

  /**
   * Ends the upload early with {@code problem}: nothing more is read. The answer waits for the batches already
   * sent, so that what it says is stored is exactly what is.
   */
  private void stop(String outcome, Problem problem) {
    if (finished) {
      return;
    }
    finish();
    metrics.upload(outcome);
    stoppedWith = problem;
    answerStopped();
  }

  private void answerStopped() {
    if (stoppedWith == null || writing > 0 || ctx.response().closed() || ctx.response().ended()) {
      return;
    }
    problems.send(
        ctx,
        stoppedWith,
        atomic
            ? new JsonObject().put("accepted", 0)
            : new JsonObject()
                .put("accepted", accepted)
                .put("rejected", rejected)
                .put("storedLines", stored.toJson()));
  }

  /** The client closed the connection before the answer: what was sent to be stored stays, the rest is dropped. */
  private void clientGone() {
    if (finished) {
      return;
    }
    finish();
    metrics.upload("disconnected");
    log.debug(
        "upload to {} ended by the client after line {}: {} records stored or being stored",
        stream,
        lineNumber,
        accepted);
  }

  private void finish() {
    finished = true;
    metrics.rejected(RecordBatch.HTTP, rejected);
    if (flushTimer >= 0) {
      vertx.cancelTimer(flushTimer);
      flushTimer = -1;
    }
    if (parser != null && !bodyEnded) {
      parser.pause(); // read no more of it
    }
    if (session != null && !bodyEnded) {
      rollback();
    }
    slots.give();
  }

  private void rollback() {
    if (session != null) {
      bus.requestSession(session, new JsonObject().put("rollback", true), settings.writeTimeoutMs())
          .onFailure(
              e ->
                  log.debug(
                      "rollback of an atomic upload to {}: {} (its session times out)",
                      stream,
                      e.toString()));
      session = null;
    }
  }

  /**
   * Line ranges of the upload that are settled, merged as batches are acknowledged: their good records are
   * stored, their bad lines counted ({@code rejected}). A client resumes after the end of the first range.
   */
  private static final class StoredLines {
    private final java.util.List<long[]> ranges = new java.util.ArrayList<>();

    void add(long first, long last) {
      if (!ranges.isEmpty() && ranges.get(ranges.size() - 1)[1] + 1 >= first) {
        ranges.get(ranges.size() - 1)[1] = Math.max(last, ranges.get(ranges.size() - 1)[1]);
      } else {
        ranges.add(new long[] {first, last});
      }
    }

    JsonArray toJson() {
      JsonArray out = new JsonArray();
      ranges.forEach(range -> out.add(new JsonArray().add(range[0]).add(range[1])));
      return out;
    }
  }
}
