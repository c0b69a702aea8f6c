package io.loopline.jobs;

import io.loopline.config.JobSettings;
import io.loopline.contract.Addresses;
import io.loopline.contract.Failures;
import io.loopline.contract.JobType;
import io.loopline.contract.Role;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The worker role: deployed with {@code ThreadingModel.WORKER} on its own pool, so the blocking work it
 * is given (file writes, parsing) never runs on an event loop. It runs the blocking job types.
 */
public final class WorkerVerticle extends VerticleBase {

  private Path logPath;

  @Override
  public Future<?> start() throws IOException {
    logPath = JobSettings.from(config()).logPath().toAbsolutePath().normalize();
    Files.createDirectories(logPath.getParent());
    var bus = vertx.eventBus();
    return Future.all(
        bus.<JsonObject>consumer(Addresses.health(Role.WORKER), this::health).completion(),
        bus.<JsonObject>consumer(JobType.LOG.runAddress(), this::appendLog).completion());
  }

  private void health(Message<JsonObject> message) {
    message.reply(new JsonObject().put("role", Role.WORKER.id()).put("thread", Thread.currentThread().getName()));
  }

  /** The seeds' {@code write_log}: one whole line per job, with a timestamp; runs on a worker thread. */
  private void appendLog(Message<JsonObject> message) {
    JsonObject job = message.body();
    String text = job.getJsonObject("payload").getString("message", "");
    String line = Instant.now() + " job " + job.getLong("id") + ": " + text.replace('\r', ' ').replace('\n', ' ') + "\n";
    try {
      Files.writeString(logPath, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      message.reply(new JsonObject().put("file", logPath.toString()).put("bytes", line.getBytes(StandardCharsets.UTF_8).length));
    } catch (IOException e) {
      message.fail(Failures.UNAVAILABLE, "cannot append to " + logPath + ": " + e);
    }
  }
}
