package io.loopline.contract;

import java.util.regex.Pattern;

/**
 * What a stream name and a record's fields may be, checked the same way wherever records come in (HTTP
 * uploads, MQTT, the event bus), and the RFC 3339 times records carry, kept as microseconds since the epoch
 * (PostgreSQL's precision). Every check here is linear in its input.
 */
public final class StreamRecords {

  /**
   * Stream names: 1 to 64 characters of {@code A-Z a-z 0-9 . _ -} (safe in URLs and MQTT topics), but not
   * {@code .} or {@code ..}, which a URL path cannot carry as a segment (they are dot segments).
   */
  public static final Pattern STREAM = Pattern.compile("^[A-Za-z0-9._-]{1,64}$");

  /** The longest device id, in characters (code points). */
  public static final int DEVICE_MAX = 128;

  /** The largest {@code attrs} object, in bytes of its UTF-8 JSON text. */
  public static final int ATTRS_MAX_BYTES = 4096;

  private static final long MICROS_PER_SECOND = 1_000_000L;
  private static final int[] DAYS_IN_MONTH = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

  private StreamRecords() {}

  public static boolean validStream(String stream) {
    return stream != null && STREAM.matcher(stream).matches() && !dotSegment(stream);
  }

  /** {@code .} or {@code ..}: names a URL path cannot hold in one of its segments. */
  public static boolean dotSegment(String name) {
    return name.equals(".") || name.equals("..");
  }

  /**
   * Why {@code device} cannot be a device id, or null when it can: 1 to 128 characters, not blank, no control
   * characters, nothing PostgreSQL cannot store ({@link StorableText}).
   */
  public static String deviceProblem(String device) {
    if (device == null) {
      return "device: is required";
    }
    int length = device.length();
    boolean blank = true;
    for (int i = 0; i < length; i++) {
      char c = device.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return "device: must not contain control characters";
      }
      blank &= c == ' ';
    }
    if (length == 0 || blank) {
      return "device: must be 1 to " + DEVICE_MAX + " characters, not blank";
    }
    if (length > DEVICE_MAX && device.codePointCount(0, length) > DEVICE_MAX) {
      return "device: must be at most " + DEVICE_MAX + " characters";
    }
    return StorableText.storable(device) ? null : "device: " + StorableText.REASON;
  }

  /** Why {@code value} cannot be a record's value, or null when it can (a finite number). */
  public static String valueProblem(double value) {
    return Double.isFinite(value) ? null : "value: must be a finite number";
  }

  /**
   * Checks a record's fields and adds it to {@code batch}; what is wrong with it, when something is. {@code time}
   * is RFC 3339 text, or null for the server's time; {@code attrs} JSON object text of at most {@link
   * #ATTRS_MAX_BYTES}, or null.
   */
  public static String add(
      RecordBatch.Builder batch,
      String device,
      String time,
      boolean valued,
      double value,
      String attrs) {
    String problem = deviceProblem(device);
    if (problem != null) {
      return problem;
    }
    if (!valued) {
      return "value: is required";
    }
    problem = valueProblem(value);
    if (problem != null) {
      return problem;
    }
    long micros;
    if (time == null) {
      micros = nowMicros();
    } else {
      try {
        micros = parseTime(time);
      } catch (IllegalArgumentException e) {
        return e.getMessage();
      }
    }
    batch.add(device, micros, value, attrs);
    return null;
  }

  /** The time now, in microseconds since the epoch (millisecond resolution): for records sent without one. */
  public static long nowMicros() {
    return System.currentTimeMillis() * 1000L;
  }

  /**
   * An RFC 3339 date-time ({@code 2026-12-01T10:15:30.5Z}, {@code 2026-12-01T11:15:30+01:00}) as
   * microseconds since the epoch; digits past the microsecond are dropped. Years 0001 to 9999.
   *
   * @throws IllegalArgumentException when {@code text} is not one
   */
  public static long parseTime(CharSequence text) {
    int n = text.length();
    if (n < 20
        || text.charAt(4) != '-'
        || text.charAt(7) != '-'
        || (text.charAt(10) != 'T' && text.charAt(10) != 't')
        || text.charAt(13) != ':'
        || text.charAt(16) != ':') {
      throw notATime();
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 2);
    int day = digits(text, 8, 2);
    int hour = digits(text, 11, 2);
    int minute = digits(text, 14, 2);
    int second = digits(text, 17, 2);
    if (year < 1
        || month < 1
        || month > 12
        || day < 1
        || day > daysIn(year, month)
        || hour > 23
        || minute > 59
        || second > 59) {
      throw notATime();
    }
    int i = 19;
    long micros = 0;
    if (text.charAt(i) == '.') {
      i++;
      int start = i;
      while (i < n && isDigit(text.charAt(i))) {
        if (i - start < 6) {
          micros = micros * 10 + (text.charAt(i) - '0');
        }
        i++;
      }
      if (i == start || i - start > 9) {
        throw notATime();
      }
      for (int d = Math.min(i - start, 6); d < 6; d++) {
        micros *= 10;
      }
    }
    if (i >= n) {
      throw notATime();
    }
    int offsetSeconds;
    char zone = text.charAt(i);
    if ((zone == 'Z' || zone == 'z') && i + 1 == n) {
      offsetSeconds = 0;
    } else if ((zone == '+' || zone == '-') && i + 6 == n && text.charAt(i + 3) == ':') {
      int offsetHours = digits(text, i + 1, 2);
      int offsetMinutes = digits(text, i + 4, 2);
      if (offsetHours > 23 || offsetMinutes > 59) {
        throw notATime();
      }
      offsetSeconds = (zone == '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
    } else {
      throw notATime();
    }
    long seconds =
        epochDay(year, month, day) * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
    return seconds * MICROS_PER_SECOND + micros;
  }

  /** Microseconds since the epoch as RFC 3339 in UTC, with as many fraction digits as needed (none, 3 or 6). */
  public static String formatTime(long epochMicros) {
    long seconds = Math.floorDiv(epochMicros, MICROS_PER_SECOND);
    int micros = (int) Math.floorMod(epochMicros, MICROS_PER_SECOND);
    long days = Math.floorDiv(seconds, 86_400L);
    int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    long z = days + 719_468;
    long era = Math.floorDiv(z, 146_097);
    long dayOfEra = z - era * 146_097;
    long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    long mp = (5 * dayOfYear + 2) / 153;
    int day = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
    StringBuilder out = new StringBuilder(27);
    pad(out, year, 4).append('-');
    pad(out, month, 2).append('-');
    pad(out, day, 2).append('T');
    pad(out, secondOfDay / 3600, 2).append(':');
    pad(out, secondOfDay / 60 % 60, 2).append(':');
    pad(out, secondOfDay % 60, 2);
    if (micros != 0) {
      out.append('.');
      if (micros % 1000 == 0) {
        pad(out, micros / 1000, 3);
      } else {
        pad(out, micros, 6);
      }
    }
    return out.append('Z').toString();
  }

  private static StringBuilder pad(StringBuilder out, long value, int width) {
    String digits = Long.toString(value);
    for (int i = digits.length(); i < width; i++) {
      out.append('0');
    }
    return out.append(digits);
  }

  private static long epochDay(int year, int month, int day) {
    long y = month <= 2 ? year - 1 : year;
    long era = Math.floorDiv(y, 400);
    long yearOfEra = y - era * 400;
    long dayOfYear = (153L * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146_097 + dayOfEra - 719_468;
  }

  private static int daysIn(int year, int month) {
    boolean leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    return month == 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  }

  private static int digits(CharSequence text, int start, int count) {
    int value = 0;
    for (int i = start; i < start + count; i++) {
      char c = text.charAt(i);
      if (!isDigit(c)) {
        throw notATime();
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static IllegalArgumentException notATime() {
    return new IllegalArgumentException(
        "time: must be an RFC 3339 date-time such as 2026-12-01T10:15:30Z", null) {
      @Override
      public synchronized Throwable fillInStackTrace() {
        return this; // bad input, not a bug: no stack trace to build per bad line
      }
    };
  }
}
