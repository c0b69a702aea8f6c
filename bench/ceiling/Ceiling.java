import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ceiling: the fastest plain Vert.x code for Loopline's benchmark endpoints. One verticle per core, no
 * router, no validation, no metrics, no event bus; a pipelined PostgreSQL client. What Loopline costs on top
 * is the difference. Run: java -cp target/loopline.jar bench/ceiling/Ceiling.java PORT DB_URL [cached]
 *
 * <p>GET /items/{id} (from PostgreSQL, or with "cached" from an in-process map filled on first read),
 * GET /sleep/{seconds}, GET /health/live.
 */
public class Ceiling extends VerticleBase {

  static final String SQL = "SELECT id, name, description, price::text AS price, tags, version, created_at, updated_at FROM items WHERE id = $1";
  static final Map<Long, Buffer> CACHE = new ConcurrentHashMap<>();
  static int port;
  static String url;
  static boolean cached;

  private SqlClient db;

  public static void main(String[] args) {
    port = Integer.parseInt(args[0]);
    url = args[1];
    cached = args.length > 2 && args[2].equals("cached");
    Vertx vertx = Vertx.vertx();
    int cores = Runtime.getRuntime().availableProcessors();
    vertx.deployVerticle(Ceiling::new, new DeploymentOptions().setInstances(cores))
        .onSuccess(id -> System.out.println("ceiling ready on " + port + " with " + cores + " verticles"))
        .onFailure(e -> { e.printStackTrace(); System.exit(1); });
  }

  @Override
  public Future<?> start() {
    db = PgBuilder.client().with(new PoolOptions().setMaxSize(4)).connectingTo(PgConnectOptions.fromUri(url).setPipeliningLimit(256).setCachePreparedStatements(true))
        .using(vertx).build();
    return vertx.createHttpServer(new HttpServerOptions().setPort(port).setAcceptBacklog(4096))
        .requestHandler(this::handle).listen();
  }

  private void handle(HttpServerRequest request) {
    String path = request.path();
    if (path.startsWith("/items/")) {
      long id;
      try {
        id = Long.parseLong(path.substring(7));
      } catch (NumberFormatException e) {
        request.response().setStatusCode(400).end();
        return;
      }
      Buffer hit = cached ? CACHE.get(id) : null;
      if (hit != null) {
        json(request, hit);
        return;
      }
      db.preparedQuery(SQL).execute(Tuple.of(id)).onComplete(ar -> {
        if (ar.failed()) {
          request.response().setStatusCode(503).end();
        } else if (ar.result().size() == 0) {
          request.response().setStatusCode(404).end();
        } else {
          Buffer body = toJson(ar.result().iterator().next()).toBuffer();
          if (cached) {
            CACHE.put(id, body);
          }
          json(request, body);
        }
      });
    } else if (path.startsWith("/sleep/")) {
      double seconds = Double.parseDouble(path.substring(7));
      vertx.setTimer(Math.max(1, (long) (seconds * 1000)), t ->
          json(request, Buffer.buffer("{\"message\":\"Slept for " + path.substring(7) + " seconds.\"}")));
    } else if (path.equals("/health/live")) {
      json(request, Buffer.buffer("{\"status\":\"UP\"}"));
    } else {
      request.response().setStatusCode(404).end();
    }
  }

  private static void json(HttpServerRequest request, Buffer body) {
    request.response().putHeader("Content-Type", "application/json").end(body);
  }

  private static JsonObject toJson(Row row) {
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("name", row.getString("name"))
        .put("description", row.getString("description"))
        .put("price", row.getString("price"))
        .put("tags", new JsonArray(java.util.List.of(row.getArrayOfStrings("tags"))))
        .put("version", row.getInteger("version"))
        .put("createdAt", DateTimeFormatter.ISO_INSTANT.format(row.getOffsetDateTime("created_at").toInstant()))
        .put("updatedAt", DateTimeFormatter.ISO_INSTANT.format(row.getOffsetDateTime("updated_at").toInstant()));
  }
}
