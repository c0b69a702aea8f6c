package peer;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Arrays;
import java.util.List;

/** {@code GET /items/{id}}: the same row and JSON fields as Loopline's read, one prepared query, no cache. */
@Path("/")
public class ItemResource {

  private static final String GET = "SELECT id, name, description, price, tags, version, created_at, updated_at FROM items WHERE id = $1";

  public record Item(long id, String name, String description, String price, List<String> tags, int version,
      String createdAt, String updatedAt) {}

  @Inject
  Pool client;

  @GET
  @Path("items/{id}")
  @Produces(MediaType.APPLICATION_JSON)
  public Uni<Response> item(@PathParam("id") long id) {
    return client.preparedQuery(GET).execute(Tuple.of(id)).map(rows -> {
      RowIterator<Row> it = rows.iterator();
      if (!it.hasNext()) {
        return Response.status(404).build();
      }
      Row row = it.next();
      return Response.ok(new Item(row.getLong("id"), row.getString("name"), row.getString("description"),
              row.getBigDecimal("price").toPlainString(), Arrays.asList(row.getArrayOfStrings("tags")),
              row.getInteger("version"), row.getOffsetDateTime("created_at").toString(),
              row.getOffsetDateTime("updated_at").toString()))
          .tag(Integer.toString(row.getInteger("version")))
          .build();
    });
  }

  @GET
  @Path("health/live")
  @Produces(MediaType.TEXT_PLAIN)
  public String live() {
    return "ok";
  }
}
