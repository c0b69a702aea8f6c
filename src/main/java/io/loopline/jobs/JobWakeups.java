package io.loopline.jobs;

import io.loopline.contract.Addresses;
import io.loopline.platform.config.DbSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LISTEN on {@code loopline_jobs}: the database trigger notifies whenever a job becomes pending, from any
 * node or any other writer, and each notification is published on the bus so runners claim within
 * milliseconds. The subscriber reconnects by itself; runners also poll slowly in case a wake-up is lost.
 */
public final class JobWakeups {

  private static final Logger log = LoggerFactory.getLogger(JobWakeups.class);
  static final String CHANNEL = "loopline_jobs";

  private final PgSubscriber subscriber;
  private final long connectTimeoutMs;

  public JobWakeups(Vertx vertx, DbSettings settings) {
    subscriber = PgSubscriber.subscriber(vertx, PgConnectOptions.fromUri(settings.url()));
    connectTimeoutMs = settings.connectTimeoutMs();
    subscriber.reconnectPolicy(
        retries -> {
          if (retries == 0) {
            log.warn(
                "job wake-ups lost their connection; reconnecting (runners keep polling meanwhile)");
          }
          return 1000L;
        });
    subscriber
        .channel(CHANNEL)
        .handler(
            type ->
                vertx
                    .eventBus()
                    .publish(Addresses.JOBS_AVAILABLE, new JsonObject().put("type", type)));
  }

  public Future<Void> start() {
    return subscriber.connect().timeout(connectTimeoutMs, TimeUnit.MILLISECONDS);
  }

  public Future<Void> close() {
    return subscriber.close();
  }
}
