package io.loopline.scrape;

import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.platform.bus.Fields;
import io.loopline.platform.bus.StoreFailure;
import io.loopline.platform.db.Cursor;
import io.loopline.platform.db.Database;
import io.loopline.platform.web.Csv;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Set;

/**
 * Scrape jobs and their pages: store, read, page through, cancel, and the runners' claim, renew, complete
 * and release. A page is stored once per job and URL; a completion counts its page and adds the links to
 * follow under the job's row lock, so {@code maxPages} holds with any number of runners.
 */
public final class ScrapeStore {

  private static final Set<String> PAGE_STATES =
      Set.of("pending", "running", "done", "failed", "cancelled");
  private static final int OWNER_MAX = 200;

  /** Pages one completion batch may carry. */
  static final int MAX_BATCH = 256;

  private final Database db;

  public ScrapeStore(Database db) {
    this.db = db;
  }

  /** Request from the scraper: {@code {"options", "maxPages", "urls": [normalised], "invalid": [{"url", "result"}]}}. */
  public Future<JsonObject> store(JsonObject message) {
    JsonObject options = Fields.object(message, "options");
    int maxPages = message.getInteger("maxPages");
    String[] urls =
        message.getJsonArray("urls", new JsonArray()).stream()
            .map(String::valueOf)
            .toArray(String[]::new);
    JsonArray invalid = message.getJsonArray("invalid", new JsonArray());
    String[] invalidUrls =
        invalid.stream().map(i -> ((JsonObject) i).getString("url")).toArray(String[]::new);
    JsonObject[] invalidResults =
        invalid.stream()
            .map(i -> ((JsonObject) i).getJsonObject("result"))
            .toArray(JsonObject[]::new);
    int total = urls.length + invalidUrls.length;
    return db.transaction(
        conn ->
            conn.preparedQuery(ScrapeSql.INSERT_JOB)
                .execute(Tuple.of(options, maxPages, total, invalidUrls.length))
                .compose(
                    rows -> {
                      JsonObject job = toJob(rows.iterator().next());
                      long id = job.getLong("id");
                      return conn.preparedQuery(ScrapeSql.INSERT_SEEDS)
                          .execute(Tuple.tuple().addValue(id).addValue(urls))
                          .compose(
                              v ->
                                  invalidUrls.length == 0
                                      ? Future.succeededFuture()
                                      : conn.preparedQuery(ScrapeSql.INSERT_INVALID)
                                          .execute(Tuple.of(id, invalidUrls, invalidResults)))
                          .map(job);
                    }));
  }

  public Future<JsonObject> get(JsonObject message) {
    long id = Fields.id(message);
    return db.run(ScrapeSql.GET_JOB, Tuple.of(id))
        .map(
            rows -> {
              if (rows.size() == 0) {
                throw StoreFailure.notFound("no scrape job " + id);
              }
              return toJob(rows.iterator().next());
            });
  }

  /** Jobs, newest first, a page at a time. */
  public Future<JsonObject> list(JsonObject message) {
    Fields.only(message, "", Set.of("state", "limit", "cursor"));
    String state = message.getString("state");
    if (state != null && !Set.of("pending", "running", "done", "cancelled").contains(state)) {
      throw StoreFailure.invalid("state: must be pending, running, done or cancelled");
    }
    int limit = Fields.limit(message);
    Cursor after = Cursor.decode(message.getString("cursor"), "-id");
    return db.run(
            ScrapeSql.LIST_JOBS, Tuple.of(state, after == null ? null : after.id(), limit + 1))
        .map(rows -> Cursor.page(rows, limit, "jobs", "-id", ScrapeStore::toJob, last -> null));
  }

  public Future<JsonObject> pages(JsonObject message) {
    long id = Fields.id(message);
    String state = message.getString("state");
    if (state != null && !PAGE_STATES.contains(state)) {
      throw StoreFailure.invalid("state: must be one of " + PAGE_STATES);
    }
    int limit = Fields.limit(message);
    Cursor after = Cursor.decode(message.getString("cursor"), "id");
    return get(new JsonObject().put("id", id))
        .compose(
            job ->
                db.run(
                    ScrapeSql.PAGES,
                    Tuple.of(id, state, after == null ? null : after.id(), limit + 1)))
        .map(rows -> Cursor.page(rows, limit, "pages", "id", row -> toPage(row, ""), last -> null));
  }

  /** The columns of a CSV export, in order; the header row. */
  static final String CSV_HEADER =
      "id,url,depth,state,seq,finished_at,status,final_url,title,description,canonical,"
          + "link_count,error,fields\r\n";

  /** A chunk of a job's export: see {@link Addresses#SCRAPE_JOBS_EXPORT}. */
  public Future<JsonObject> export(JsonObject message) {
    long id = Fields.id(message);
    String state = message.getString("state");
    if (state != null && !PAGE_STATES.contains(state)) {
      throw StoreFailure.invalid("state: one of " + PAGE_STATES);
    }
    boolean csv = "csv".equals(message.getString("format"));
    long after = message.getLong("after", 0L);
    int limit = Math.max(1, Math.min(1000, message.getInteger("limit", 500)));
    Future<JsonObject> job =
        after == 0 ? get(new JsonObject().put("id", id)) : Future.succeededFuture();
    return job.compose(j -> db.run(ScrapeSql.EXPORT, Tuple.of(id, state, after, limit)))
        .map(
            rows -> {
              StringBuilder lines = new StringBuilder(csv && after == 0 ? CSV_HEADER : "");
              Long last = null;
              for (Row row : rows) {
                last = row.getLong("id");
                if (csv) {
                  Csv.row(
                      lines,
                      row.getLong("id"),
                      row.getString("url"),
                      row.getInteger("depth"),
                      row.getString("state"),
                      row.getLong("seq"),
                      Fields.time(row.getOffsetDateTime("finished_at")),
                      row.getString("status"),
                      row.getString("final_url"),
                      row.getString("title"),
                      row.getString("description"),
                      row.getString("canonical"),
                      row.getString("link_count"),
                      row.getString("error"),
                      row.getString("fields"));
                } else {
                  lines.append(row.getString("line")).append('\n');
                }
              }
              return new JsonObject()
                  .put("lines", lines.toString())
                  .put("count", rows.size())
                  .put("last", rows.size() < limit ? null : last);
            });
  }

  /**
   * A job's event stream catching up. Request: {@code {"id", "after"?, "limit"?}}. Reply: {@code {"job", "last",
   * "pages"}}: the job, the last seq it gave, and (when {@code after} is given) its pages stored after that
   * seq, in seq order, at most {@code limit}. The job is read first, so a finished job's pages are all there.
   */
  public Future<JsonObject> events(JsonObject message) {
    long id = Fields.id(message);
    Object after = message.getValue("after");
    if (after != null && Fields.wholeNumber(after, 0, Long.MAX_VALUE) == null) {
      throw StoreFailure.invalid("after: must be a seq, an integer from 0");
    }
    int limit = Fields.limit(message);
    return db.run(ScrapeSql.EVENTS_JOB, Tuple.of(id))
        .compose(
            rows -> {
              if (rows.size() == 0) {
                return Future.failedFuture(StoreFailure.notFound("no scrape job " + id));
              }
              Row row = rows.iterator().next();
              JsonObject reply =
                  new JsonObject()
                      .put("job", toJob(row))
                      .put("last", row.getLong("last_seq"))
                      .put("pages", new JsonArray());
              if (after == null) {
                return Future.succeededFuture(reply);
              }
              return db.run(
                      ScrapeSql.EVENT_PAGES, Tuple.of(id, ((Number) after).longValue(), limit))
                  .map(
                      pages -> {
                        pages.forEach(page -> reply.getJsonArray("pages").add(toPage(page, "")));
                        return reply;
                      });
            });
  }

  /** Cancels the job and its unfinished pages in one transaction; the caller tells the runners. */
  public Future<JsonObject> cancel(JsonObject message) {
    long id = Fields.id(message);
    return db.transaction(
        conn ->
            conn.preparedQuery(ScrapeSql.CANCEL_JOB)
                .execute(Tuple.of(id))
                .compose(
                    rows -> {
                      if (rows.size() == 0) {
                        return get(new JsonObject().put("id", id))
                            .compose(
                                job ->
                                    Future.failedFuture(
                                        new StoreFailure(
                                            Failures.CONFLICT,
                                            "scrape job "
                                                + id
                                                + " is "
                                                + job.getString("state")
                                                + "; only a pending or running job can be cancelled")));
                      }
                      JsonObject job = toJob(rows.iterator().next());
                      return conn.preparedQuery(ScrapeSql.CANCEL_PAGES)
                          .execute(Tuple.of(id))
                          .map(job);
                    }));
  }

  public Future<JsonObject> claim(JsonObject message) {
    String owner = Fields.text(message, "owner", OWNER_MAX, true);
    return db.run(
            ScrapeSql.CLAIM,
            Tuple.of(owner, message.getInteger("limit", 1), message.getLong("leaseMs", 30_000L)))
        .map(
            rows -> {
              JsonArray pages = new JsonArray();
              rows.forEach(
                  row ->
                      pages.add(
                          new JsonObject()
                              .put("id", row.getLong("id"))
                              .put("jobId", row.getLong("job_id"))
                              .put("url", row.getString("url"))
                              .put("depth", row.getInteger("depth"))
                              .put("attempts", row.getInteger("attempts"))
                              .put("options", row.getJsonObject("options"))));
              return new JsonObject().put("pages", pages);
            });
  }

  public Future<JsonObject> renew(JsonObject message) {
    String owner = Fields.text(message, "owner", OWNER_MAX, true);
    Long[] ids =
        message.getJsonArray("ids", new JsonArray()).stream()
            .map(id -> ((Number) id).longValue())
            .toArray(Long[]::new);
    return db.run(ScrapeSql.RENEW, Tuple.of(owner, ids, message.getLong("leaseMs", 30_000L)))
        .map(
            rows -> {
              JsonArray renewed = new JsonArray();
              rows.forEach(row -> renewed.add(row.getLong(0)));
              return new JsonObject().put("renewed", renewed);
            });
  }

  public Future<JsonObject> release(JsonObject message) {
    String owner = Fields.text(message, "owner", OWNER_MAX, true);
    return db.run(ScrapeSql.RELEASE, Tuple.of(owner))
        .map(rows -> new JsonObject().put("released", rows.rowCount()));
  }

  /**
   * Request: {@code {"jobId", "owner", "pages": [{"id", "failed", "result"}]}} (at most {@link #MAX_BATCH}), each
   * result a JSON object or its encoded text (which the store passes on without reading it).
   * Reply: {@code {"completed": [{"job", "page"}]}}, without the pages whose lease was lost.
   */
  public Future<JsonObject> completeMany(JsonObject message) {
    long jobId = Fields.id(message, "jobId");
    String owner = Fields.text(message, "owner", OWNER_MAX, true);
    JsonArray pages = message.getJsonArray("pages", new JsonArray());
    if (pages.isEmpty() || pages.size() > MAX_BATCH) {
      return Future.failedFuture(
          StoreFailure.invalid("pages: between 1 and " + MAX_BATCH + " pages"));
    }
    Long[] ids = new Long[pages.size()];
    String[] states = new String[pages.size()];
    String[] results = new String[pages.size()];
    for (int i = 0; i < pages.size(); i++) {
      if (!(pages.getValue(i) instanceof JsonObject page)) {
        return Future.failedFuture(StoreFailure.invalid("pages: each page must be an object"));
      }
      ids[i] = Fields.id(page);
      states[i] = page.getBoolean("failed", false) ? "failed" : "done";
      // JSON text as the runner encoded it (a JSON object); an object is encoded here.
      Object result = page.getValue("result");
      if (result instanceof JsonObject object) {
        results[i] = object.encode();
      } else if (result instanceof String text && text.startsWith("{")) {
        results[i] = text;
      } else {
        return Future.failedFuture(
            StoreFailure.invalid("pages: each result must be a JSON object"));
      }
    }
    return db.run(ScrapeSql.FINISH_LEAVES, Tuple.of(jobId, owner, ids, states, results))
        .map(
            rows -> {
              JsonArray completed = new JsonArray();
              rows.forEach(
                  row ->
                      completed.add(
                          new JsonObject()
                              .put("job", toJob(row))
                              .put("page", toPage(row, "page_"))));
              return new JsonObject().put("completed", completed);
            });
  }

  /** Request: {@code {"id", "owner", "failed", "result", "links"}}. Reply: {@code {"job", "page", "added"}}. */
  public Future<JsonObject> complete(JsonObject message) {
    long id = Fields.id(message);
    String owner = Fields.text(message, "owner", OWNER_MAX, true);
    boolean failed = message.getBoolean("failed", false);
    JsonObject result = Fields.object(message, "result");
    String[] links =
        message.getJsonArray("links", new JsonArray()).stream()
            .map(String::valueOf)
            .toArray(String[]::new);
    if (links.length == 0) {
      return db.run(ScrapeSql.FINISH_LEAF, Tuple.of(id, owner, failed ? "failed" : "done", result))
          .compose(
              rows -> {
                if (rows.size() == 0) {
                  return db.run(ScrapeSql.PAGE_EXISTS, Tuple.of(id))
                      .compose(
                          exists ->
                              Future.<JsonObject>failedFuture(
                                  exists.size() == 0
                                      ? StoreFailure.notFound("no scrape page " + id)
                                      : new StoreFailure(
                                          Failures.CONFLICT,
                                          "scrape page "
                                              + id
                                              + " is no longer leased to this runner (lease lost or job cancelled)")));
                }
                Row row = rows.iterator().next();
                JsonObject page = toPage(row, "page_");
                return Future.succeededFuture(
                    new JsonObject().put("job", toJob(row)).put("page", page).put("added", 0));
              });
    }
    return db.transaction(
        conn ->
            conn.preparedQuery(ScrapeSql.LOCK_JOB_OF_PAGE)
                .execute(Tuple.of(id))
                .compose(
                    locked -> {
                      if (locked.size() == 0) {
                        return Future.failedFuture(StoreFailure.notFound("no scrape page " + id));
                      }
                      Row job = locked.iterator().next();
                      long jobId = job.getLong("id");
                      int room = job.getInteger("max_pages") - job.getInteger("total");
                      long seq = job.getLong("last_seq") + 1;
                      return conn.preparedQuery(ScrapeSql.FINISH_PAGE)
                          .execute(Tuple.of(id, owner, failed ? "failed" : "done", result, seq))
                          .compose(
                              pages -> {
                                if (pages.size() == 0) {
                                  return Future.failedFuture(
                                      new StoreFailure(
                                          Failures.CONFLICT,
                                          "scrape page "
                                              + id
                                              + " is no longer leased to this runner (lease lost or job cancelled)"));
                                }
                                JsonObject page = toPage(pages.iterator().next(), "");
                                Future<Integer> added =
                                    links.length == 0
                                            || room <= 0
                                            || !"running".equals(job.getString("state"))
                                        ? Future.succeededFuture(0)
                                        : conn.preparedQuery(ScrapeSql.INSERT_LINKS)
                                            .execute(
                                                Tuple.of(
                                                    jobId,
                                                    links,
                                                    page.getInteger("depth") + 1,
                                                    room))
                                            .map(RowSet::rowCount);
                                return added.compose(
                                    n ->
                                        counted(conn, jobId, failed, n, seq)
                                            .map(
                                                counted ->
                                                    new JsonObject()
                                                        .put("job", counted)
                                                        .put("page", page)
                                                        .put("added", n)));
                              });
                    }));
  }

  private static Future<JsonObject> counted(
      SqlConnection conn, long jobId, boolean failed, int added, long seq) {
    return conn.preparedQuery(ScrapeSql.COUNT_PAGE)
        .execute(Tuple.of(jobId, failed ? 0 : 1, failed ? 1 : 0, added, seq))
        .map(rows -> toJob(rows.iterator().next()));
  }

  static JsonObject toJob(Row row) {
    String state = row.getString("state");
    int total = row.getInteger("total");
    int done = row.getInteger("done");
    int failed = row.getInteger("failed");
    int rest = total - done - failed;
    boolean cancelled = "cancelled".equals(state);
    OffsetDateTime started = row.getOffsetDateTime("started_at");
    OffsetDateTime finished = row.getOffsetDateTime("finished_at");
    OffsetDateTime now = row.getOffsetDateTime("now");
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("state", state)
        .put("options", row.getJsonObject("options"))
        .put("maxPages", row.getInteger("max_pages"))
        .put(
            "counts",
            new JsonObject()
                .put("total", total)
                .put("done", done)
                .put("failed", failed)
                .put("pending", cancelled ? 0 : rest)
                .put("cancelled", cancelled ? rest : 0))
        .put("createdAt", Fields.time(row.getOffsetDateTime("created_at")))
        .put("startedAt", Fields.time(started))
        .put("finishedAt", Fields.time(finished))
        .put(
            "elapsedMs",
            started == null
                ? null
                : Duration.between(started, finished == null ? now : finished).toMillis());
  }

  /** A page from columns named {@code prefix + column}. */
  static JsonObject toPage(Row row, String prefix) {
    return new JsonObject()
        .put("id", row.getLong(prefix + "id"))
        .put("jobId", row.getLong(prefix + "job_id"))
        .put("url", row.getString(prefix + "url"))
        .put("depth", row.getInteger(prefix + "depth"))
        .put("state", row.getString(prefix + "state"))
        .put("attempts", row.getInteger(prefix + "attempts"))
        .put("result", row.getJsonObject(prefix + "result"))
        .put("finishedAt", Fields.time(row.getOffsetDateTime(prefix + "finished_at")))
        .put("seq", row.getLong(prefix + "seq"));
  }
}
