package io.loopline.items;

import io.loopline.platform.bus.Fields;
import io.loopline.platform.bus.StoreFailure;
import io.loopline.platform.db.Cursor;
import io.loopline.platform.db.Database;
import io.loopline.platform.db.VersionedRows;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** Items: create, read one or many, page with filters, replace, merge-update, delete. */
public final class ItemStore {

  static final int MANY_MAX = 500;
  private static final Set<String> ITEM_FIELDS = Set.of("name", "price", "description", "tags");
  private static final Set<String> LIST_FIELDS =
      Set.of("limit", "cursor", "namePrefix", "minPrice", "maxPrice", "tag", "sort");

  private final Database db;
  private final VersionedRows versioned;

  public ItemStore(Database db) {
    this.db = db;
    this.versioned = new VersionedRows(db, ItemSql.EXISTS, "item");
  }

  public Future<JsonObject> create(JsonObject message) {
    Fields.only(message, "", ITEM_FIELDS);
    return db.run(
            ItemSql.INSERT,
            Tuple.of(
                Fields.text(message, "name", Fields.NAME_MAX, true),
                Fields.text(message, "description", Fields.DESCRIPTION_MAX, false),
                Fields.price(message.getValue("price"), "price", true),
                Fields.tags(message, true)))
        .map(rows -> toJson(rows.iterator().next()));
  }

  public Future<JsonObject> get(JsonObject message) {
    long id = Fields.id(message);
    return db.run(ItemSql.GET, Tuple.of(id))
        .map(
            rows -> {
              if (rows.size() == 0) {
                throw StoreFailure.notFound("no item " + id);
              }
              return toJson(rows.iterator().next());
            });
  }

  /** Many items in one statement, answered in the order asked; unknown ids are listed as missing. */
  public Future<JsonObject> getMany(JsonObject message) {
    Object value = message.getValue("ids");
    if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > MANY_MAX) {
      throw StoreFailure.invalid("ids: must be a list of 1 to " + MANY_MAX + " ids");
    }
    Set<Long> ids = new LinkedHashSet<>();
    for (Object id : array) {
      Long whole = Fields.wholeNumber(id, 1, Long.MAX_VALUE);
      if (whole == null) {
        throw StoreFailure.invalid("ids: each id must be a positive integer");
      }
      ids.add(whole);
    }
    return db.run(ItemSql.GET_MANY, Tuple.of(ids.toArray(Long[]::new)))
        .map(
            rows -> {
              Map<Long, JsonObject> found = new HashMap<>();
              rows.forEach(row -> found.put(row.getLong("id"), toJson(row)));
              JsonArray items = new JsonArray();
              JsonArray missing = new JsonArray();
              for (Long id : ids) {
                JsonObject item = found.get(id);
                if (item == null) {
                  missing.add(id);
                } else {
                  items.add(item);
                }
              }
              return new JsonObject().put("items", items).put("missing", missing);
            });
  }

  public Future<JsonObject> list(JsonObject message) {
    Fields.only(message, "", LIST_FIELDS);
    int limit = Fields.limit(message);
    String sort = message.getString("sort", "id");
    String sql = ItemSql.LIST.get(sort);
    if (sql == null) {
      throw StoreFailure.invalid(
          "sort: must be one of " + new java.util.TreeSet<>(ItemSql.LIST.keySet()));
    }
    Cursor after = Cursor.decode(message.getString("cursor"), sort);
    String prefix = Fields.text(message, "namePrefix", Fields.NAME_MAX, false);
    String tag = Fields.text(message, "tag", Fields.TAG_MAX, false);
    if (tag != null && !Fields.TAG.matcher(tag).matches()) {
      throw StoreFailure.invalid(
          "tag: is 1 to " + Fields.TAG_MAX + " characters of a-z, 0-9 and '-'");
    }
    Tuple params =
        Tuple.tuple()
            .addString(prefix == null ? null : likePrefix(prefix))
            .addValue(Fields.price(message.getValue("minPrice"), "minPrice", false))
            .addValue(Fields.price(message.getValue("maxPrice"), "maxPrice", false))
            .addString(tag)
            .addString(after == null ? null : cursorKey(after, sort))
            .addValue(after == null ? null : after.id())
            .addInteger(limit + 1);
    return db.run(sql, params)
        .map(
            rows ->
                Cursor.page(
                    rows, limit, "items", sort, ItemStore::toJson, last -> sortKey(last, sort)));
  }

  public Future<JsonObject> replace(JsonObject message) {
    long id = Fields.id(message);
    Integer ifVersion = Fields.ifVersion(message);
    JsonObject item = Fields.object(message, "item");
    Fields.only(item, "item.", ITEM_FIELDS);
    Tuple params =
        Tuple.of(
            id,
            ifVersion,
            Fields.text(item, "name", Fields.NAME_MAX, true),
            Fields.text(item, "description", Fields.DESCRIPTION_MAX, false),
            Fields.price(item.getValue("price"), "item.price", true),
            Fields.tags(item, true));
    return write(id, ItemSql.REPLACE, params);
  }

  public Future<JsonObject> update(JsonObject message) {
    long id = Fields.id(message);
    Integer ifVersion = Fields.ifVersion(message);
    JsonObject changes = Fields.changes(message, ITEM_FIELDS);
    if (changes.containsKey("name") && changes.getValue("name") == null
        || changes.containsKey("price") && changes.getValue("price") == null) {
      throw StoreFailure.invalid("changes: name and price cannot be removed");
    }
    Tuple params =
        Tuple.tuple()
            .addLong(id)
            .addInteger(ifVersion)
            .addString(Fields.text(changes, "name", Fields.NAME_MAX, false))
            .addString(Fields.text(changes, "description", Fields.DESCRIPTION_MAX, false))
            .addValue(Fields.price(changes.getValue("price"), "changes.price", false))
            .addValue(Fields.tags(changes, false))
            .addBoolean(changes.containsKey("description"));
    return write(id, ItemSql.UPDATE, params);
  }

  public Future<JsonObject> delete(JsonObject message) {
    long id = Fields.id(message);
    Integer ifVersion = Fields.ifVersion(message);
    return db.run(ItemSql.DELETE, Tuple.of(id, ifVersion))
        .compose(rows -> versioned.deleted(rows, id));
  }

  private Future<JsonObject> write(long id, String sql, Tuple params) {
    return db.run(sql, params).compose(rows -> versioned.written(rows, id, ItemStore::toJson));
  }

  /** The prefix as a LIKE pattern, its own wildcards escaped so that "50%" means the characters "50%". */
  private static String likePrefix(String prefix) {
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
  }

  private static String cursorKey(Cursor cursor, String sort) {
    return switch (sort.replace("-", "")) {
      case "name" ->
          Fields.text(
              new JsonObject().put("cursor", cursor.key()), "cursor", Fields.NAME_MAX, true);
      case "price" -> Fields.price(cursor.key(), "cursor", true).toPlainString();
      default -> null;
    };
  }

  private static Object sortKey(JsonObject item, String sort) {
    return switch (sort.replace("-", "")) {
      case "name" -> item.getString("name");
      case "price" -> item.getString("price");
      default -> null;
    };
  }

  static JsonObject toJson(Row row) {
    BigDecimal price = row.getBigDecimal("price");
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("name", row.getString("name"))
        .put("description", row.getString("description"))
        .put("price", price.setScale(2).toPlainString())
        .put("tags", new JsonArray(java.util.List.of(row.getArrayOfStrings("tags"))))
        .put("version", row.getInteger("version"))
        .put("createdAt", Fields.time(row.getOffsetDateTime("created_at")))
        .put("updatedAt", Fields.time(row.getOffsetDateTime("updated_at")));
  }
}
