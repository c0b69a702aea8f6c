package io.loopline.contract;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * What an API key looks like and how it is stored. A key is {@code ll_} and 32 random bytes in base64url;
 * only its SHA-256 is stored and sent on the bus. A fast hash is enough here: the keys are random and long,
 * so there is nothing to guess from a hash (password hashing is for low-entropy secrets).
 */
public final class ApiKeyFormat {

  /** Every generated key starts with this, so secret scanners and people can recognise one. */
  public static final String PREFIX = "ll_";

  /** Characters of a key kept in clear, to tell keys apart in listings. */
  public static final int SHOWN = 8;

  /** The longest credential looked at; anything longer is refused before hashing. */
  public static final int MAX_LENGTH = 200;

  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeyFormat() {}

  public static String generate() {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  public static byte[] hash(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** The hash as the {@code hash} field of {@link Addresses#API_KEYS_LOOKUP}. */
  public static String hashHex(String key) {
    return HexFormat.of().formatHex(hash(key));
  }

  public static String shown(String key) {
    return key.substring(0, Math.min(SHOWN, key.length()));
  }
}
