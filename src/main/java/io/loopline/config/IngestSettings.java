package io.loopline.config;

import io.vertx.core.json.JsonObject;

/** The {@code ingest} section: upload limits, batching, and the persistence side's writers and sessions. */
public record IngestSettings(
    long maxBodyBytes,
    int maxLineBytes,
    int batchSize,
    long batchDelayMs,
    int uploadQueueBatches,
    int maxUploads,
    long writeTimeoutMs,
    int writerConnections,
    int atomicSessions,
    int exportSessions,
    int exportChunkRows,
    long sessionIdleMs,
    long atomicCommitTimeoutMs,
    int maxBuckets,
    int pageMax) {

  /** Reads the section from a verticle's config ({@code {"ingest": {...}}}); nonsense values are refused. */
  public static IngestSettings from(JsonObject config) {
    JsonObject ingest = config.getJsonObject("ingest");
    IngestSettings settings = new IngestSettings(
        ingest.getLong("maxBodyBytes"),
        ingest.getInteger("maxLineBytes"),
        ingest.getInteger("batchSize"),
        ingest.getLong("batchDelayMs"),
        ingest.getInteger("uploadQueueBatches"),
        ingest.getInteger("maxUploads"),
        ingest.getLong("writeTimeoutMs"),
        ingest.getInteger("writerConnections"),
        ingest.getInteger("atomicSessions"),
        ingest.getInteger("exportSessions"),
        ingest.getInteger("exportChunkRows"),
        ingest.getLong("sessionIdleMs"),
        ingest.getLong("atomicCommitTimeoutMs"),
        ingest.getInteger("maxBuckets"),
        ingest.getInteger("pageMax"));
    if (settings.maxBodyBytes < 1 || settings.maxLineBytes < 1024 || settings.batchSize < 1 || settings.batchSize > 10_000
        || settings.batchDelayMs < 1 || settings.uploadQueueBatches < 1 || settings.maxUploads < 1 || settings.writeTimeoutMs < 1
        || settings.writerConnections < 1 || settings.atomicSessions < 0 || settings.exportSessions < 0
        || settings.exportChunkRows < 1 || settings.sessionIdleMs < 1000 || settings.atomicCommitTimeoutMs < 1000 || settings.maxBuckets < 1 || settings.pageMax < 1 || settings.pageMax > 1000) {
      throw new ConfigException("ingest: sizes and counts must be positive (batchSize at most 10000, pageMax at most 1000, maxLineBytes at"
          + " least 1024, sessionIdleMs at least 1000); got " + ingest.encode());
    }
    return settings;
  }
}
