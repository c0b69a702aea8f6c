package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** The {@code chat} section: socket limits, keep-alive, the history queue, the sequencer's lease and resuming. */
public record ChatSettings(
    int maxFrameBytes,
    int maxMessageLength,
    double messagesPerSecond,
    int burst,
    int rateViolationsBeforeClose,
    int writeQueueMaxBytes,
    long pingIntervalMs,
    long idleTimeoutMs,
    int historyMaxLimit,
    int historyQueueMax,
    int historyBatchSize,
    long historyRetryMs,
    int welcomeMembersMax,
    long hostLeaseMs,
    List<String> allowedOrigins,
    long sequencerLeaseMs,
    int resumeMaxMessages) {

  /** Reads the section from a verticle's config ({@code {"chat": {...}}}). */
  public static ChatSettings from(JsonObject config) {
    JsonObject chat = config.getJsonObject("chat");
    return new ChatSettings(
        chat.getInteger("maxFrameBytes"),
        chat.getInteger("maxMessageLength"),
        chat.getDouble("messagesPerSecond"),
        chat.getInteger("burst"),
        chat.getInteger("rateViolationsBeforeClose"),
        chat.getInteger("writeQueueMaxBytes"),
        chat.getLong("pingIntervalMs"),
        chat.getLong("idleTimeoutMs"),
        chat.getInteger("historyMaxLimit"),
        chat.getInteger("historyQueueMax"),
        chat.getInteger("historyBatchSize"),
        chat.getLong("historyRetryMs"),
        chat.getInteger("welcomeMembersMax"),
        chat.getLong("hostLeaseMs"),
        chat.getJsonArray("allowedOrigins").stream().map(String::valueOf).toList(),
        chat.getLong("sequencerLeaseMs"),
        chat.getInteger("resumeMaxMessages"));
  }
}
