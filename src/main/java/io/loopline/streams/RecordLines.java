package io.loopline.streams;

import io.loopline.contract.RecordBatch;
import io.loopline.contract.RecordJson;
import io.loopline.contract.StorableText;
import io.loopline.contract.StreamRecords;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One line of an upload into one record: NDJSON (a JSON object a line) or CSV (a header line naming the
 * columns {@code device}, {@code value} and optionally {@code time}; other columns become attributes, as
 * strings). Each line is read in one pass ({@link RecordJson} for NDJSON), so the work is linear in its length
 * and no line needs a tree of its own, let alone the whole body. A line either adds a record to the batch or returns
 * what is wrong with it.
 */
abstract class RecordLines {

  /** The reader for a request's {@code Content-Type}, or null when it is not one of ours. */
  static RecordLines forContentType(String contentType) {
    if (contentType == null) {
      return null;
    }
    String[] parts = contentType.split(";");
    String type = parts[0].trim().toLowerCase(java.util.Locale.ROOT);
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i].trim().toLowerCase(java.util.Locale.ROOT);
      if (parameter.startsWith("charset=")
          && !parameter.equals("charset=utf-8")
          && !parameter.equals("charset=\"utf-8\"")) {
        return null;
      }
    }
    return switch (type) {
      case "application/x-ndjson" -> new Ndjson();
      case "text/csv" -> new Csv();
      default -> null;
    };
  }

  /** Adds the record on {@code line} (without its line break) to {@code batch}; else says why it cannot. */
  abstract String add(byte[] line, int length, RecordBatch.Builder batch);

  /**
   * Whether the line before the records is still to come (CSV's header); {@link #header} reads it. A header
   * that is wrong ends the upload: no line after it could be read.
   */
  boolean wantsHeader() {
    return false;
  }

  String header(byte[] line, int length) {
    throw new IllegalStateException("no header in this format");
  }

  /** NDJSON: {@code {"device": "d1", "time": "2026-12-01T10:00:00Z", "value": 21.5, "attrs": {...}}}. */
  static final class Ndjson extends RecordLines {

    @Override
    String add(byte[] line, int length, RecordBatch.Builder batch) {
      return RecordJson.add(line, length, null, batch);
    }
  }

  /**
   * CSV after RFC 4180: fields separated by commas, optionally in double quotes (a quote inside written
   * twice); a quoted field cannot hold a line break, since every line is a record.
   */
  static final class Csv extends RecordLines {
    private final CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private String[] columns;
    private int deviceColumn = -1;
    private int timeColumn = -1;
    private int valueColumn = -1;

    @Override
    boolean wantsHeader() {
      return columns == null;
    }

    @Override
    String header(byte[] line, int length) {
      List<String> names = new ArrayList<>();
      String problem = split(line, length, names);
      if (problem != null) {
        return "header: " + problem;
      }
      if (!names.isEmpty() && names.get(0).startsWith("\uFEFF")) {
        names.set(0, names.get(0).substring(1)); // a byte-order mark before the first name
      }
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < names.size(); i++) {
        String name = names.get(i).trim();
        if (!StorableText.storable(name)) {
          return "header: column " + (i + 1) + " " + StorableText.REASON;
        }
        if (name.isEmpty() || !seen.add(name)) {
          return "header: column names must be present and different (column " + (i + 1) + ")";
        }
        switch (name) {
          case "device" -> deviceColumn = i;
          case "time" -> timeColumn = i;
          case "value" -> valueColumn = i;
          default -> {}
        }
        names.set(i, name);
      }
      if (deviceColumn < 0 || valueColumn < 0) {
        return "header: must name the columns device and value (and optionally time and attribute columns)";
      }
      columns = names.toArray(String[]::new);
      return null;
    }

    @Override
    String add(byte[] line, int length, RecordBatch.Builder batch) {
      List<String> fields = new ArrayList<>(columns.length);
      String problem = split(line, length, fields);
      if (problem != null) {
        return problem;
      }
      if (fields.size() != columns.length) {
        return "expected " + columns.length + " fields (as the header), found " + fields.size();
      }
      String value = fields.get(valueColumn).trim();
      if (!isNumber(value)) {
        return "value: must be a finite number";
      }
      String time =
          timeColumn < 0 || fields.get(timeColumn).isBlank() ? null : fields.get(timeColumn).trim();
      JsonObject attrs = null;
      for (int i = 0; i < columns.length; i++) {
        if (i != deviceColumn && i != timeColumn && i != valueColumn && !fields.get(i).isEmpty()) {
          if (!StorableText.storable(fields.get(i))) {
            return columns[i] + ": " + StorableText.REASON;
          }
          attrs = attrs == null ? new JsonObject() : attrs;
          attrs.put(columns[i], fields.get(i));
        }
      }
      String attrsJson = attrs == null ? null : attrs.encode();
      if (attrsJson != null
          && attrsJson.getBytes(StandardCharsets.UTF_8).length > StreamRecords.ATTRS_MAX_BYTES) {
        return "attrs: the attribute columns make more than "
            + StreamRecords.ATTRS_MAX_BYTES
            + " bytes of JSON";
      }
      return StreamRecords.add(
          batch, fields.get(deviceColumn), time, true, Double.parseDouble(value), attrsJson);
    }

    /** The fields of one line, unquoted. */
    private String split(byte[] line, int length, List<String> out) {
      String text;
      try {
        text = utf8.reset().decode(ByteBuffer.wrap(line, 0, length)).toString();
      } catch (CharacterCodingException e) {
        return "not valid UTF-8";
      }
      int n = text.length();
      int i = 0;
      while (true) {
        if (i < n && text.charAt(i) == '"') {
          StringBuilder field = new StringBuilder();
          i++;
          boolean closed = false;
          while (i < n) {
            char c = text.charAt(i);
            if (c == '"') {
              if (i + 1 < n && text.charAt(i + 1) == '"') {
                field.append('"');
                i += 2;
                continue;
              }
              i++;
              closed = true;
              break;
            }
            field.append(c);
            i++;
          }
          if (!closed) {
            return "a quoted field is not closed (a field cannot hold a line break)";
          }
          if (i < n && text.charAt(i) != ',') {
            return "a quoted field must be followed by a comma or the end of the line";
          }
          out.add(field.toString());
        } else {
          int comma = text.indexOf(',', i);
          int end = comma < 0 ? n : comma;
          String field = text.substring(i, end);
          if (field.indexOf('"') >= 0) {
            return "a field with a double quote must be quoted";
          }
          out.add(field);
          i = end;
        }
        if (i >= n) {
          return null;
        }
        i++; // the comma
      }
    }
  }

  /** A number as JSON writes it: {@code -12}, {@code 0.5}, {@code 1e-3}; no NaN, Infinity, hex or suffixes. */
  static boolean isNumber(String text) {
    int n = text.length();
    int i = 0;
    if (i < n && text.charAt(i) == '-') {
      i++;
    }
    int digits = i;
    while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
      i++;
    }
    if (i == digits || text.charAt(digits) == '0' && i - digits > 1) {
      return false;
    }
    if (i < n && text.charAt(i) == '.') {
      int fraction = ++i;
      while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
        i++;
      }
      if (i == fraction) {
        return false;
      }
    }
    if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
      i++;
      if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
        i++;
      }
      int exponent = i;
      while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
        i++;
      }
      if (i == exponent) {
        return false;
      }
    }
    return i == n && Double.isFinite(Double.parseDouble(text));
  }
}
