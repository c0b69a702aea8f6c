package io.loopline.support;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** What a stream holds in PostgreSQL, read over JDBC straight from the database (not through Loopline). */
public final class StoredRecords {

  /** One stored record; {@code time} is RFC 3339 as PostgreSQL prints it in UTC. */
  public record Stored(long seq, String device, String time, double value, String attrs) {}

  private StoredRecords() {}

  /** The stream's records in seq order. */
  public static List<Stored> of(String databaseUrl, String stream) {
    try (Connection db = TestServers.jdbc(databaseUrl);
        Statement st = db.createStatement()) {
      st.execute("SET TIME ZONE 'UTC'");
      List<Stored> out = new ArrayList<>();
      try (ResultSet rows =
          st.executeQuery(
              "SELECT seq, device, to_char(recorded_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS t,"
                  + " value, attrs::text FROM stream_records WHERE stream = '"
                  + stream.replace("'", "''")
                  + "' ORDER BY seq")) {
        while (rows.next()) {
          out.add(
              new Stored(
                  rows.getLong(1),
                  rows.getString(2),
                  rows.getString(3),
                  rows.getDouble(4),
                  rows.getString(5)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** How many records the stream holds. */
  public static long count(String databaseUrl, String stream) {
    try (Connection db = TestServers.jdbc(databaseUrl);
        Statement st = db.createStatement();
        ResultSet rows =
            st.executeQuery(
                "SELECT count(*) FROM stream_records WHERE stream = '"
                    + stream.replace("'", "''")
                    + "'")) {
      rows.next();
      return rows.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The stream's row ({@code records}), or -1 when there is none. */
  public static long head(String databaseUrl, String stream) {
    try (Connection db = TestServers.jdbc(databaseUrl);
        Statement st = db.createStatement();
        ResultSet rows =
            st.executeQuery(
                "SELECT records FROM streams WHERE name = '" + stream.replace("'", "''") + "'")) {
      return rows.next() ? rows.getLong(1) : -1;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** NDJSON lines {@code {"device": "dev-<n % devices>", "time": <base + n s>, "value": n}} for n in [from, to). */
  public static String lines(int from, int to, int devices) {
    StringBuilder out = new StringBuilder();
    for (int n = from; n < to; n++) {
      out.append(line(n, devices)).append('\n');
    }
    return out.toString();
  }

  public static String line(int n, int devices) {
    return "{\"device\":\"dev-"
        + (n % devices)
        + "\",\"time\":\""
        + BASE.plusSeconds(n)
        + "\",\"value\":"
        + n
        + "}";
  }

  /** The time of line n, as {@link #of} shows it: 2026-12-01T00:00:00Z plus n seconds. */
  public static String time(int n) {
    return BASE.plusSeconds(n).toString().replace("Z", ".000000Z");
  }

  private static final java.time.Instant BASE = java.time.Instant.parse("2026-12-01T00:00:00Z");
}
