package io.loopline.contract;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One record written as JSON, read by a streaming parser in one pass (linear in its length, no tree): an NDJSON
 * line {@code {"device", "time"?, "value", "attrs"?}}, or an MQTT payload, whose device is its topic's:
 * {@code {"value", "time"?, "attrs"?}} or a bare number. {@code attrs} is kept as the exact JSON text sent.
 */
public final class RecordJson {

  private static final JsonFactory JSON = JsonFactory.builder().build();
  private static final int DETAIL_MAX = 200;

  private RecordJson() {}

  /**
   * Adds the record in {@code bytes[0, length)} to {@code batch}, or says why it cannot. {@code device} is null
   * when the JSON names it (NDJSON), else the device the record is from (MQTT), and the JSON may not.
   */
  public static String add(byte[] bytes, int length, String device, RecordBatch.Builder batch) {
    try (JsonParser parser = JSON.createParser(bytes, 0, length)) {
      JsonToken first = parser.nextToken();
      if (device != null
          && (first == JsonToken.VALUE_NUMBER_INT || first == JsonToken.VALUE_NUMBER_FLOAT)) {
        double value = parser.getDoubleValue();
        if (parser.nextToken() != null) {
          return "a payload must hold one JSON value and nothing after it";
        }
        return StreamRecords.add(batch, device, null, true, value, null);
      }
      if (first != JsonToken.START_OBJECT) {
        return device == null
            ? "a line must be a JSON object"
            : "a payload must be a JSON object or a number";
      }
      String named = null;
      String time = null;
      double value = 0;
      boolean valued = false;
      String attrs = null;
      int seen =
          0; // one bit per known field: a field given twice is refused, not silently overwritten
      for (JsonToken token = parser.nextToken();
          token != JsonToken.END_OBJECT;
          token = parser.nextToken()) {
        String field = parser.currentName();
        int bit =
            switch (field) {
              case "device" -> 1;
              case "time" -> 2;
              case "value" -> 4;
              case "attrs" -> 8;
              default -> 0;
            };
        if ((seen & bit) != 0) {
          return field + ": appears twice";
        }
        seen |= bit;
        token = parser.nextToken();
        switch (field) {
          case "device" -> {
            if (device != null) {
              return "device: comes from the topic (streams/{stream}/{device}), not the payload";
            }
            if (token != JsonToken.VALUE_STRING) {
              return "device: must be a string";
            }
            named = parser.getText();
          }
          case "time" -> {
            if (token == JsonToken.VALUE_STRING) {
              time = parser.getText();
            } else if (token != JsonToken.VALUE_NULL) {
              return "time: must be an RFC 3339 date-time string";
            }
          }
          case "value" -> {
            if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
              return "value: must be a finite number";
            }
            value = parser.getDoubleValue();
            valued = true;
          }
          case "attrs" -> {
            if (token == JsonToken.START_OBJECT) {
              int start = (int) parser.currentTokenLocation().getByteOffset();
              if (!storableObject(parser)) {
                return "attrs: " + StorableText.REASON;
              }
              int end = (int) parser.currentLocation().getByteOffset();
              if (end - start > StreamRecords.ATTRS_MAX_BYTES) {
                return "attrs: must be at most " + StreamRecords.ATTRS_MAX_BYTES + " bytes of JSON";
              }
              attrs = new String(bytes, start, end - start, StandardCharsets.UTF_8);
            } else if (token != JsonToken.VALUE_NULL) {
              return "attrs: must be a JSON object";
            }
          }
          default -> {
            return field
                + ": is not a known field ("
                + (device == null ? "device, " : "")
                + "time, value, attrs)";
          }
        }
      }
      if (parser.nextToken() != null) {
        return (device == null ? "a line" : "a payload")
            + " must hold one JSON object and nothing after it";
      }
      return StreamRecords.add(batch, device != null ? device : named, time, valued, value, attrs);
    } catch (JsonProcessingException e) {
      return "not valid JSON: " + shorten(e.getOriginalMessage());
    } catch (IOException e) {
      return "not valid JSON";
    }
  }

  /**
   * Reads the object the parser is at to its end (as {@code skipChildren} would), checking that PostgreSQL can
   * store every member name and string in it: {@code jsonb} refuses {@code \u0000}, and a lone surrogate has no
   * UTF-8 form.
   */
  private static boolean storableObject(JsonParser parser) throws IOException {
    boolean storable = true;
    int depth = 1;
    while (depth > 0) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        throw new com.fasterxml.jackson.core.JsonParseException(
            parser, "attrs: the object is not closed");
      }
      switch (token) {
        case START_OBJECT, START_ARRAY -> depth++;
        case END_OBJECT, END_ARRAY -> depth--;
        case FIELD_NAME, VALUE_STRING -> storable &= StorableText.storable(parser.getText());
        default -> {}
      }
    }
    return storable;
  }

  private static String shorten(String message) {
    String oneLine = String.valueOf(message).replace('\n', ' ');
    return oneLine.length() <= DETAIL_MAX ? oneLine : oneLine.substring(0, DETAIL_MAX) + "...";
  }
}
