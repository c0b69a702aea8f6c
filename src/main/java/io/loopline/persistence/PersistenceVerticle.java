package io.loopline.persistence;

import io.loopline.config.CacheSettings;
import io.loopline.config.DbSettings;
import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.contract.Role;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.function.Function;

/**
 * Owns the only PostgreSQL client and every SQL statement, and answers the persistence addresses of the
 * event-bus contract. An item write is answered only after the cache was told of it, whoever asked for the
 * write. Receives the {@code db} and {@code cache} sections, with {@code db.url} already pointing at the
 * embedded server when none was configured.
 */
public final class PersistenceVerticle extends VerticleBase {

  private Database db;

  @Override
  public Future<?> start() {
    db = new Database(vertx, DbSettings.from(config()));
    UserStore users = new UserStore(db);
    ItemStore items = new ItemStore(db);
    CacheInvalidation cache = new CacheInvalidation(vertx.eventBus(), CacheSettings.from(config()));
    return Future.all(List.of(
        answer(Addresses.health(Role.PERSISTENCE), this::health),
        answer(Addresses.USERS_CREATE, users::create),
        answer(Addresses.USERS_GET, users::get),
        answer(Addresses.USERS_LIST, users::list),
        answer(Addresses.USERS_UPDATE, users::update),
        answer(Addresses.USERS_DELETE, users::delete),
        answer(Addresses.ITEMS_CREATE, items::create),
        answer(Addresses.ITEMS_GET, items::get),
        answer(Addresses.ITEMS_GET_MANY, items::getMany),
        answer(Addresses.ITEMS_LIST, items::list),
        answer(Addresses.ITEMS_REPLACE, m -> items.replace(m).compose(cache::changed)),
        answer(Addresses.ITEMS_UPDATE, m -> items.update(m).compose(cache::changed)),
        answer(Addresses.ITEMS_DELETE, m -> items.delete(m).compose(cache::deleted))));
  }

  /** Registers an operation: its answer is the reply, its failure a coded event-bus failure. */
  private Future<Void> answer(String address, Function<JsonObject, Future<JsonObject>> operation) {
    return vertx.eventBus().<Object>consumer(address, message -> {
      if (!(message.body() instanceof JsonObject body)) {
        message.fail(Failures.BAD_REQUEST, "the message body must be a JSON object");
        return;
      }
      Future<JsonObject> result;
      try {
        result = operation.apply(body);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onSuccess(message::reply).onFailure(e -> StoreFailure.reply(message, e));
    }).completion();
  }

  private Future<JsonObject> health(JsonObject ignored) {
    return db.run("SELECT 1", Tuple.tuple())
        .map(rows -> new JsonObject().put("role", Role.PERSISTENCE.id()).put("database", "UP"));
  }

  @Override
  public Future<?> stop() {
    return db == null ? Future.succeededFuture() : db.close();
  }
}
