package io.loopline.platform.config;

/** A setting is missing, unknown or malformed; the node does not start. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
