package io.loopline.platform.config;

import io.loopline.contract.ApiKeyFormat;
import io.vertx.core.json.JsonObject;

/**
 * The {@code admin} section: the first admin API key, which the persistence verticle stores at its start
 * when no admin key is stored yet.
 *
 * @param key the key itself, 24 to {@link ApiKeyFormat#MAX_LENGTH} characters; empty lets the node generate
 *     one and print it once
 */
public record AdminSettings(String key) {

  public AdminSettings {
    if (!key.isEmpty() && (key.length() < 24 || key.length() > ApiKeyFormat.MAX_LENGTH)) {
      throw new ConfigException(
          "admin.key (LOOPLINE_ADMIN_KEY) must be 24 to "
              + ApiKeyFormat.MAX_LENGTH
              + " characters");
    }
  }

  /** Reads {@code {"admin": {...}}}. */
  public static AdminSettings from(JsonObject config) {
    return new AdminSettings(config.getJsonObject("admin").getString("key"));
  }

  @Override
  public String toString() {
    return "AdminSettings[key=" + (key.isEmpty() ? "none" : "set") + "]"; // no key in logs
  }
}
