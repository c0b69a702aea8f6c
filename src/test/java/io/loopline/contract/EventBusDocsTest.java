package io.loopline.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The event-bus contract is written twice, as constants in {@link Addresses} and as prose in
 * {@code docs/event-bus.md}; this test keeps the two the same: every address constant is documented, and
 * every address the document names is a constant (or, written with a {@code <placeholder>}, one of the
 * addresses {@link Addresses} builds per room, node, role, job, stream or session). So are the failure codes.
 *
 * <p>The message shapes are compared too, as sets of field names: for each address, the names its Javadoc
 * in {@code Addresses.java} gives must be the names its row in the document gives. The rules, so that each
 * side can be written for people:
 *
 * <ul>
 *   <li><b>Where shapes are.</b> On the Javadoc side, inside {@code {@code ...}}; on the document side,
 *       inside backquotes in the address's table row: the row whose first cell names the address (no
 *       address has two rows). An address without a row gives no fields. Fields of the request, the
 *       reply and nested objects all count, in one set.
 *   <li><b>What a field is.</b> A double-quoted name that is an object's key: it stands in an object
 *       (inside {@code {}}, not directly in a {@code []}) and does not follow {@code :} or {@code |}, or
 *       it is followed by {@code :} (so {@code "probe": true} counts on its own). {@code "name"?} is the
 *       optional field {@code name}.
 *   <li><b>What is not.</b> A quoted value: after {@code :}, after {@code |} (alternatives are written
 *       {@code "a" | "b"}, never with commas), or an array element ({@code ["read" | "write"]}). Unquoted
 *       words: prose and placeholders such as {@code "next": cursor or null}, {@code [user...]}, and the
 *       key of a map keyed by data, written {@code {state: n}} (never {@code {"pending": n}}, which would
 *       make {@code pending} a field). Prose naming a shape ({@code the job}, {@code the item}) gives no
 *       fields: where one side spells a shape out, the other must too.
 * </ul>
 *
 * <p>The per-value addresses built by a method of {@link Addresses} (a room, node, job or stream) are
 * compared with their {@code <placeholder>} row; {@link Addresses#health} is not, since each role replies
 * its own shape and the document gives a row per role.
 */
class EventBusDocsTest {

  private static final Path DOC = Path.of("docs/event-bus.md");

  private static final Path SOURCE = Path.of("src/main/java/io/loopline/contract/Addresses.java");

  /** A Javadoc comment and the address constant or builder method right after it. */
  private static final Pattern DOCUMENTED_MEMBER =
      Pattern.compile(
          "/\\*\\*((?:(?!\\*/).)*)\\*/\\s*public static (?:final String (\\w+) =|String (\\w+)\\()",
          Pattern.DOTALL);

  /** A backquoted span, spaces allowed. */
  private static final Pattern CODE_SPAN = Pattern.compile("`([^`]+)`");

  /** Anything in backquotes. */
  private static final Pattern QUOTED = Pattern.compile("`([^`\\s]+)`");

  @Test
  void everyAddressConstantIsDocumented() throws Exception {
    Set<String> documented = documented();
    List<String> missing = new ArrayList<>();
    for (String address : constants()) {
      if (!documented.contains(address)) {
        missing.add(address);
      }
    }
    assertThat(missing).as("addresses in Addresses that docs/event-bus.md does not name").isEmpty();
  }

  @Test
  void everyDocumentedAddressIsInTheContract() throws Exception {
    Set<String> known = constants();
    known.addAll(builtAddresses());
    List<String> unknown = new ArrayList<>();
    for (String address : documented()) {
      if (address.endsWith("*")) {
        continue; // a pattern, as the bridge settings take them
      }
      Pattern shape =
          Pattern.compile(Pattern.quote(address).replaceAll("<[^>]+>", "\\\\E[^.]+\\\\Q"));
      if (known.stream().noneMatch(k -> shape.matcher(k).matches())) {
        unknown.add(address);
      }
    }
    assertThat(unknown)
        .as("addresses docs/event-bus.md names that Addresses does not have")
        .isEmpty();
  }

  @Test
  void everyFailureCodeIsDocumented() throws Exception {
    String doc = Files.readString(DOC);
    List<String> missing = new ArrayList<>();
    for (Field field : Failures.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class) {
        String code = String.valueOf(field.getInt(null));
        if (!Pattern.compile("\\b" + code + "\\b").matcher(doc).find()) {
          missing.add(field.getName() + " " + code);
        }
      }
    }
    assertThat(missing).as("failure codes docs/event-bus.md does not mention").isEmpty();
  }

  @Test
  void shapesInTheJavadocAreTheShapesInTheDocument() throws Exception {
    Map<String, Set<String>> rows = documentedFields();
    Map<String, String> javadocs = javadocs();
    List<String> differences = new ArrayList<>();
    for (Field field : Addresses.class.getFields()) {
      if (constants().contains((String) field.get(null))
          && !javadocs.containsKey(field.getName())) {
        differences.add(field.getName() + ": no Javadoc read in Addresses.java");
      }
    }
    for (Map.Entry<String, String> member : javadocs.entrySet()) {
      String name = member.getKey();
      Set<String> inJavadoc = javadocFields(member.getValue());
      List<String> addresses = addressesOf(name);
      for (String address : addresses) {
        Set<String> inDoc = new TreeSet<>();
        rows.forEach(
            (documented, fields) -> {
              if (matches(documented, address)) {
                inDoc.addAll(fields);
              }
            });
        Set<String> onlyJavadoc = new TreeSet<>(inJavadoc);
        onlyJavadoc.removeAll(inDoc);
        Set<String> onlyDoc = new TreeSet<>(inDoc);
        onlyDoc.removeAll(inJavadoc);
        if (!onlyJavadoc.isEmpty() || !onlyDoc.isEmpty()) {
          differences.add(
              String.format(
                  "%s (%s): only in the Javadoc %s, only in docs/event-bus.md %s",
                  address, name, onlyJavadoc, onlyDoc));
        }
      }
    }
    assertThat(differences)
        .withFailMessage(
            "message shapes that Addresses.java and docs/event-bus.md give differently (%d):%n%s",
            differences.size(), String.join(System.lineSeparator(), differences))
        .isEmpty();
  }

  @Test
  void noAddressHasTwoRows() throws Exception {
    List<String> twice = new ArrayList<>();
    Set<String> seen = new TreeSet<>();
    for (String line : Files.readAllLines(DOC)) {
      if (line.startsWith("|")) {
        for (String address : addressesIn(cells(line).get(0))) {
          if (!seen.add(address)) {
            twice.add(address);
          }
        }
      }
    }
    assertThat(twice).as("addresses with more than one row in docs/event-bus.md").isEmpty();
  }

  @Test
  void fieldNamesFollowTheRules() {
    assertThat(
            fieldsOf(
                "{\"id\", \"state\": \"active\" | \"paused\", \"scopes\": [\"read\" | \"write\"],"
                    + " \"next\": cursor or null, \"limit\"?: 1..200, \"checks\": {role: \"UP\"},"
                    + " \"pages\": [{\"url\", \"depth\"}]}"))
        .containsExactlyInAnyOrder(
            "id", "state", "scopes", "next", "limit", "checks", "pages", "url", "depth");
    assertThat(fieldsOf("\"probe\": true")).containsExactly("probe");
    assertThat(fieldsOf("\"true\"")).isEmpty();
  }

  /** The public String constants of Addresses that are addresses. */
  static Set<String> constants() throws IllegalAccessException {
    Set<String> found = new TreeSet<>();
    for (Field field : Addresses.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        String value = (String) field.get(null);
        if (value.startsWith(Addresses.PREFIX)
            && !value.equals(Addresses.PREFIX)
            && !value.endsWith(".")) {
          found.add(value);
        }
      }
    }
    return found;
  }

  /** The addresses built from a value: per role and job type every one, per room, node, job or stream a sample. */
  private static Set<String> builtAddresses() throws Exception {
    Set<String> built = new TreeSet<>();
    for (Method method : Addresses.class.getMethods()) {
      if (!Modifier.isStatic(method.getModifiers())
          || method.getReturnType() != String.class
          || method.getParameterCount() != 1) {
        continue;
      }
      Class<?> type = method.getParameterTypes()[0];
      List<Object> samples =
          type.isEnum()
              ? List.of(type.getEnumConstants())
              : type == String.class
                  ? List.of("sample")
                  : type == long.class ? List.of(1L) : type == int.class ? List.of(1) : List.of();
      for (Object sample : samples) {
        built.add((String) method.invoke(null, sample));
      }
    }
    for (JobType type : JobType.values()) {
      built.add(type.runAddress());
    }
    return built;
  }

  /**
   * The addresses the document names: in backquotes, starting with the prefix; a table row's shorthand
   * {@code `loopline.schedules.get` / `.pause`} names {@code loopline.schedules.pause} too.
   */
  private static Set<String> documented() throws IOException {
    Set<String> found = new TreeSet<>();
    for (String line : Files.readAllLines(DOC)) {
      found.addAll(addressesIn(line));
    }
    return found;
  }

  /** Each address constant's or builder method's name, with its Javadoc's text (the stars removed). */
  private static Map<String, String> javadocs() throws IOException {
    Map<String, String> found = new LinkedHashMap<>();
    Matcher m = DOCUMENTED_MEMBER.matcher(Files.readString(SOURCE));
    while (m.find()) {
      String text = m.group(1).replaceAll("(?m)^\\s*\\*", " ");
      found.put(m.group(2) != null ? m.group(2) : m.group(3), text);
    }
    return found;
  }

  /**
   * The addresses a member of {@link Addresses} names: a constant's value (none if it is no address), a
   * builder's address for a sample value; none for {@link Addresses#health}, documented per role.
   */
  private static List<String> addressesOf(String member) throws Exception {
    for (Field field : Addresses.class.getFields()) {
      if (field.getName().equals(member)) {
        return constants().contains((String) field.get(null))
            ? List.of((String) field.get(null))
            : List.of();
      }
    }
    for (Method method : Addresses.class.getMethods()) {
      if (method.getName().equals(member) && method.getParameterCount() == 1) {
        Class<?> type = method.getParameterTypes()[0];
        if (type == String.class) {
          return List.of((String) method.invoke(null, "sample"));
        } else if (type == long.class) {
          return List.of((String) method.invoke(null, 1L));
        }
      }
    }
    return List.of();
  }

  /** Whether an address of the document, perhaps with a {@code <placeholder>}, names this address. */
  private static boolean matches(String documented, String address) {
    return Pattern.compile(Pattern.quote(documented).replaceAll("<[^>]+>", "\\\\E[^.]+\\\\Q"))
        .matcher(address)
        .matches();
  }

  /** The field names the {@code {@code ...}} spans of a Javadoc give. */
  static Set<String> javadocFields(String javadoc) {
    Set<String> found = new TreeSet<>();
    int at = 0;
    while ((at = javadoc.indexOf("{@code", at)) >= 0) {
      int start = at + "{@code".length();
      int depth = 1;
      int end = start;
      while (end < javadoc.length() && depth > 0) {
        char c = javadoc.charAt(end++);
        depth += c == '{' ? 1 : c == '}' ? -1 : 0;
      }
      found.addAll(fieldsOf(javadoc.substring(start, end - 1)));
      at = end;
    }
    return found;
  }

  /** Per address (or address pattern) of a table row's first cell, the field names the rest of the row gives. */
  private static Map<String, Set<String>> documentedFields() throws IOException {
    Map<String, Set<String>> found = new TreeMap<>();
    for (String line : Files.readAllLines(DOC)) {
      if (!line.startsWith("|")) {
        continue;
      }
      List<String> cells = cells(line);
      Set<String> fields = new TreeSet<>();
      for (String cell : cells.subList(1, cells.size())) {
        Matcher span = CODE_SPAN.matcher(cell);
        while (span.find()) {
          fields.addAll(fieldsOf(span.group(1).replace("\\|", "|")));
        }
      }
      for (String address : addressesIn(cells.get(0))) {
        found.put(address, fields);
      }
    }
    return found;
  }

  /** A table row's cells; {@code \|} is a pipe inside a cell. */
  private static List<String> cells(String row) {
    List<String> cells = new ArrayList<>(List.of(row.substring(1).split("(?<!\\\\)\\|", -1)));
    cells.remove(cells.size() - 1); // after the closing pipe
    return cells;
  }

  /** The addresses a line or table cell names (see {@link #documented()}). */
  private static Set<String> addressesIn(String cell) {
    Set<String> found = new TreeSet<>();
    String last = null;
    Matcher m = QUOTED.matcher(cell);
    while (m.find()) {
      String token = m.group(1).replaceAll("[.,;:]+$", "");
      if (token.startsWith(Addresses.PREFIX)) {
        found.add(token);
        last = token;
      } else if (last != null && token.matches("\\.[A-Za-z]+")) {
        found.add(last.substring(0, last.lastIndexOf('.')) + token);
      }
    }
    return found;
  }

  /** The field names one shape gives, by the rules in the class comment. */
  static Set<String> fieldsOf(String shape) {
    Set<String> found = new TreeSet<>();
    Deque<Character> open = new ArrayDeque<>();
    char previous = ' ';
    for (int i = 0; i < shape.length(); i++) {
      char c = shape.charAt(i);
      if (c == '"') {
        int close = shape.indexOf('"', i + 1);
        if (close < 0) {
          break;
        }
        String name = shape.substring(i + 1, close);
        int next = close + 1;
        while (next < shape.length()
            && (shape.charAt(next) == '?' || Character.isWhitespace(shape.charAt(next)))) {
          next++;
        }
        boolean colonAfter = next < shape.length() && shape.charAt(next) == ':';
        boolean key = !open.isEmpty() && open.peek() == '{' && previous != ':' && previous != '|';
        if (colonAfter || key) {
          found.add(name);
        }
        previous = '"';
        i = close;
      } else if (c == '{' || c == '[') {
        open.push(c);
        previous = c;
      } else if (c == '}' || c == ']') {
        open.poll();
        previous = c;
      } else if (!Character.isWhitespace(c)) {
        previous = c;
      }
    }
    return found;
  }
}
