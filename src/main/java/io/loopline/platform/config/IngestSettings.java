package io.loopline.platform.config;

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
    int pageMax,
    String writer,
    long writerQueueRecords,
    int copyGroupRecords) {

  /** {@code ingest.writer}: binary COPY through pgjdbc on worker threads (the default). */
  public static final String COPY = "copy";

  /** {@code ingest.writer}: {@code INSERT ... SELECT FROM unnest(...)} through the pipelined Vert.x client. */
  public static final String UNNEST = "unnest";

  /** Reads the section from a verticle's config ({@code {"ingest": {...}}}); nonsense values are refused. */
  public static IngestSettings from(JsonObject config) {
    JsonObject ingest = config.getJsonObject("ingest");
    IngestSettings settings =
        new IngestSettings(
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
            ingest.getInteger("pageMax"),
            ingest.getString("writer"),
            ingest.getLong("writerQueueRecords"),
            ingest.getInteger("copyGroupRecords"));
    if (!COPY.equals(settings.writer) && !UNNEST.equals(settings.writer)) {
      throw new ConfigException("ingest.writer: copy or unnest; got " + settings.writer);
    }
    if (settings.writerQueueRecords < settings.batchSize || settings.copyGroupRecords < 1) {
      throw new ConfigException(
          "ingest: writerQueueRecords must hold a batch (at least batchSize) and copyGroupRecords"
              + " must be positive; got "
              + ingest.encode());
    }
    if (settings.maxBodyBytes < 1
        || settings.maxLineBytes < 1024
        || settings.batchSize < 1
        || settings.batchSize > 10_000
        || settings.batchDelayMs < 1
        || settings.uploadQueueBatches < 1
        || settings.maxUploads < 1
        || settings.writeTimeoutMs < 1
        || settings.writerConnections < 1
        || settings.atomicSessions < 0
        || settings.exportSessions < 0
        || settings.exportChunkRows < 1
        || settings.sessionIdleMs < 1000
        || settings.atomicCommitTimeoutMs < 1000
        || settings.maxBuckets < 1
        || settings.pageMax < 1
        || settings.pageMax > 1000) {
      throw new ConfigException(
          "ingest: sizes and counts must be positive (batchSize at most 10000, pageMax at most 1000, maxLineBytes at"
              + " least 1024, sessionIdleMs at least 1000); got "
              + ingest.encode());
    }
    return settings;
  }
}
