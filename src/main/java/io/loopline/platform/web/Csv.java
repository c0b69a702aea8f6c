package io.loopline.platform.web;

/**
 * CSV rows as RFC 4180 has them: fields separated by commas, rows ended by CRLF, a field with a comma, a quote
 * or a line break quoted (its quotes doubled). A text field that a spreadsheet would run as a formula (it starts
 * with {@code = + - @}, a tab or a carriage return) gets a leading apostrophe: scraped titles are written by
 * strangers. A null is an empty field.
 */
public final class Csv {

  private Csv() {}

  public static void row(StringBuilder out, Object... fields) {
    for (int i = 0; i < fields.length; i++) {
      if (i > 0) {
        out.append(',');
      }
      Object field = fields[i];
      if (field == null) {
        continue;
      }
      String text = field.toString();
      if (field instanceof String && !text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0) {
        text = "'" + text;
      }
      if (text.indexOf(',') >= 0
          || text.indexOf('"') >= 0
          || text.indexOf('\n') >= 0
          || text.indexOf('\r') >= 0) {
        out.append('"').append(text.replace("\"", "\"\"")).append('"');
      } else {
        out.append(text);
      }
    }
    out.append("\r\n");
  }
}
