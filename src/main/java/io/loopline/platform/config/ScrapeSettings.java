package io.loopline.platform.config;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** The {@code scrape} section: the fetch policy, the limits of batches and jobs, and the job runner's lease. */
public record ScrapeSettings(
    List<String> allow,
    String userAgent,
    long connectTimeoutMs,
    long idleTimeoutMs,
    long totalTimeoutMs,
    long maxBodyBytes,
    int maxRedirects,
    int retries,
    long backoffMs,
    long maxBackoffMs,
    int globalConcurrency,
    int perHostConcurrency,
    long perHostDelayMs,
    long maxCrawlDelayMs,
    boolean robots,
    long robotsCacheTtlSeconds,
    long cacheTtlSeconds,
    int maxBatchUrls,
    int maxJobUrls,
    int linksReturned,
    int excerptChars,
    int parserThreads,
    long batchTimeoutMs,
    int jobConcurrency,
    long leaseMs,
    long pollMs) {

  /** Reads {@code {"scrape": {...}}}. */
  public static ScrapeSettings from(JsonObject config) {
    JsonObject s = config.getJsonObject("scrape");
    return new ScrapeSettings(
        s.getJsonArray("allow").stream()
            .map(String::valueOf)
            .map(String::trim)
            .filter(a -> !a.isEmpty())
            .toList(),
        s.getString("userAgent"),
        s.getLong("connectTimeoutMs"),
        s.getLong("idleTimeoutMs"),
        s.getLong("totalTimeoutMs"),
        s.getLong("maxBodyBytes"),
        s.getInteger("maxRedirects"),
        s.getInteger("retries"),
        s.getLong("backoffMs"),
        s.getLong("maxBackoffMs"),
        s.getInteger("globalConcurrency"),
        s.getInteger("perHostConcurrency"),
        s.getLong("perHostDelayMs"),
        s.getLong("maxCrawlDelayMs"),
        s.getBoolean("robots"),
        s.getLong("robotsCacheTtlSeconds"),
        s.getLong("cacheTtlSeconds"),
        s.getInteger("maxBatchUrls"),
        s.getInteger("maxJobUrls"),
        s.getInteger("linksReturned"),
        s.getInteger("excerptChars"),
        s.getInteger("parserThreads"),
        s.getLong("batchTimeoutMs"),
        s.getInteger("jobConcurrency"),
        s.getLong("leaseMs"),
        s.getLong("pollMs"));
  }
}
