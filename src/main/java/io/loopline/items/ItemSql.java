package io.loopline.items;

import java.util.Map;

/** Every statement the item store runs. Parameters are always bound. */
final class ItemSql {

  private static final String COLUMNS =
      "id, name, description, price, tags, version, created_at, updated_at";

  static final String INSERT =
      "INSERT INTO items (name, description, price, tags) VALUES ($1, $2, $3, $4) RETURNING "
          + COLUMNS;
  static final String GET = "SELECT " + COLUMNS + " FROM items WHERE id = $1";
  static final String GET_MANY = "SELECT " + COLUMNS + " FROM items WHERE id = ANY($1)";
  static final String REPLACE =
      """
      UPDATE items SET name = $3, description = $4, price = $5, tags = $6,
                       version = version + 1, updated_at = now()
      WHERE id = $1 AND ($2::int IS NULL OR version = $2)
      RETURNING\s"""
          + COLUMNS;

  /** A merge: null leaves a field as it is, except the description, which {@code $7} says to set (even to null). */
  static final String UPDATE =
      """
      UPDATE items SET name = COALESCE($3, name),
                       description = CASE WHEN $7 THEN $4 ELSE description END,
                       price = COALESCE($5, price), tags = COALESCE($6, tags),
                       version = version + 1, updated_at = now()
      WHERE id = $1 AND ($2::int IS NULL OR version = $2)
      RETURNING\s"""
          + COLUMNS;

  static final String DELETE =
      "DELETE FROM items WHERE id = $1 AND ($2::int IS NULL OR version = $2) RETURNING id";
  static final String EXISTS = "SELECT version FROM items WHERE id = $1";

  /**
   * One page of a listing, per sort. Filters: {@code $1} name prefix (a LIKE pattern, already escaped),
   * {@code $2}/{@code $3} price range, {@code $4} tag; {@code $5}/{@code $6} the cursor's key and id;
   * {@code $7} the page size.
   */
  static final Map<String, String> LIST =
      Map.of(
          "id", list("($6::bigint IS NULL OR id > $6) AND $5::text IS NULL", "id"),
          "-id", list("($6::bigint IS NULL OR id < $6) AND $5::text IS NULL", "id DESC"),
          "name", list("($6::bigint IS NULL OR (name, id) > ($5::text, $6))", "name, id"),
          "-name",
              list("($6::bigint IS NULL OR (name, id) < ($5::text, $6))", "name DESC, id DESC"),
          "price",
              list("($6::bigint IS NULL OR (price, id) > ($5::text::numeric, $6))", "price, id"),
          "-price",
              list(
                  "($6::bigint IS NULL OR (price, id) < ($5::text::numeric, $6))",
                  "price DESC, id DESC"));

  private static String list(String after, String order) {
    return "SELECT "
        + COLUMNS
        + " FROM items"
        + " WHERE ($1::text IS NULL OR name LIKE $1)"
        + " AND ($2::numeric IS NULL OR price >= $2) AND ($3::numeric IS NULL OR price <= $3)"
        + " AND ($4::text IS NULL OR tags @> ARRAY[$4::text])"
        + " AND "
        + after
        + " ORDER BY "
        + order
        + " LIMIT $7";
  }

  private ItemSql() {}
}
