package io.loopline.scrape;

/**
 * Why a fetch, or one step of it, failed: {@code code} becomes the result's {@code error.code} (see the error
 * table in docs/scraping.md) and {@code retryable} tells {@link RetryPolicy} whether another attempt may help.
 * It is an outcome, not a bug, so it carries no stack trace.
 */
final class FetchFailure extends RuntimeException {
  final String code;
  final boolean retryable;

  FetchFailure(String code, String message, boolean retryable) {
    super(message, null, false, false);
    this.code = code;
    this.retryable = retryable;
  }
}
