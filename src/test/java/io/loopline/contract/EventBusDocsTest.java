package io.loopline.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The event-bus contract is written twice, as constants in {@link Addresses} and as prose in
 * {@code docs/event-bus.md}; this test keeps the two the same: every address constant is documented, and
 * every address the document names is a constant (or, written with a {@code <placeholder>}, one of the
 * addresses {@link Addresses} builds per room, node, role, job, stream or session). So are the failure codes.
 */
class EventBusDocsTest {

  private static final Path DOC = Path.of("docs/event-bus.md");

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
      String last = null;
      Matcher m = QUOTED.matcher(line);
      while (m.find()) {
        String token = m.group(1).replaceAll("[.,;:]+$", "");
        if (token.startsWith(Addresses.PREFIX)) {
          found.add(token);
          last = token;
        } else if (last != null && token.matches("\\.[A-Za-z]+")) {
          found.add(last.substring(0, last.lastIndexOf('.')) + token);
        }
      }
    }
    return found;
  }
}
