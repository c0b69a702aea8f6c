package io.loopline.platform.config;

import io.loopline.contract.Role;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The node's configuration, read once at start and passed down; there is no global copy.
 *
 * <p>Every key and its default live in {@code conf/loopline.yaml}, which is also built into the jar.
 * Later sources override earlier ones: the built-in defaults, {@code ./conf/loopline.yaml}, environment
 * variables {@code LOOPLINE_<SECTION>_<KEY>}, then {@code --config FILE}. A key that the defaults do not
 * know is an error, so a typo fails the start instead of being ignored.
 */
public final class LooplineConfig {

  private static final String DEFAULTS_RESOURCE = "conf/loopline.yaml";
  private static final String ENV_PREFIX = "LOOPLINE_";

  private final JsonObject json;

  private LooplineConfig(JsonObject json) {
    this.json = json;
  }

  /** The built-in defaults alone. */
  public static LooplineConfig defaults() {
    try (InputStream in =
        LooplineConfig.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new ConfigException(
            "built-in " + DEFAULTS_RESOURCE + " is missing from the classpath");
      }
      return new LooplineConfig(
          parseYaml(
              new java.io.InputStreamReader(in, StandardCharsets.UTF_8), "built-in defaults"));
    } catch (IOException e) {
      throw new ConfigException("cannot read built-in defaults: " + e.getMessage());
    }
  }

  /**
   * Reads the configuration the way the launcher does.
   *
   * @param args command-line arguments ({@code --config FILE}, {@code --cluster})
   * @param env the process environment
   * @param workDir where {@code conf/loopline.yaml} is looked for
   */
  public static LooplineConfig load(List<String> args, Map<String, String> env, Path workDir) {
    LooplineConfig config = defaults();
    Path local = workDir.resolve(DEFAULTS_RESOURCE);
    if (Files.isRegularFile(local)) {
      config = config.with(readFile(local));
    }
    config = config.with(config.fromEnvironment(env));
    JsonObject fromArgs = new JsonObject();
    for (int i = 0; i < args.size(); i++) {
      switch (args.get(i)) {
        case "--config" -> {
          if (i + 1 >= args.size()) {
            throw new ConfigException("--config needs a file name");
          }
          fromArgs.mergeIn(readFile(Path.of(args.get(++i))), true);
        }
        case "--cluster" ->
            fromArgs.mergeIn(
                new JsonObject().put("cluster", new JsonObject().put("enabled", true)), true);
        default ->
            throw new ConfigException(
                "unknown argument " + args.get(i) + " (expected --config FILE or --cluster)");
      }
    }
    return config.with(fromArgs);
  }

  /** This configuration with {@code overrides} merged over it (deep); unknown keys are refused. */
  public LooplineConfig with(JsonObject overrides) {
    checkKnown(json, overrides, "");
    return new LooplineConfig(json.copy().mergeIn(overrides.copy(), true));
  }

  /**
   * The whole tree, as a copy: for this package and for tests. Code elsewhere reads its settings through the
   * typed records below, which name and check each value (ArchitectureTest holds that).
   */
  public JsonObject json() {
    return json.copy();
  }

  /**
   * The named sections as one object, the form a verticle receives through its deployment options: the
   * launcher hands them out, and the verticle reads them with the records' {@code from(...)}.
   */
  public JsonObject sections(String... names) {
    JsonObject out = new JsonObject();
    for (String name : names) {
      out.put(name, json.getJsonObject(name).copy());
    }
    return out;
  }

  public Set<Role> roles() {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    for (Object name : json.getJsonArray("roles")) {
      try {
        roles.add(Role.parse(String.valueOf(name)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("roles: " + e.getMessage());
      }
    }
    if (roles.isEmpty()) {
      throw new ConfigException(
          "roles is empty: a node needs at least one of " + List.of(Role.values()));
    }
    return roles;
  }

  public Path dataDir() {
    return Path.of(json.getString("dataDir"));
  }

  public int eventLoops() {
    return json.getInteger("eventLoops");
  }

  public boolean clusterEnabled() {
    return json.getJsonObject("cluster").getBoolean("enabled");
  }

  public ClusterSettings cluster() {
    return ClusterSettings.from(sections("cluster"));
  }

  public HttpSettings http() {
    return HttpSettings.from(sections("http"));
  }

  public DbSettings db() {
    return DbSettings.from(sections("db"));
  }

  public RedisSettings redis() {
    return RedisSettings.from(sections("redis"));
  }

  /** The {@code auth} and {@code rateLimit} sections; budgets that make no sense are refused here. */
  public AccessSettings access() {
    return AccessSettings.from(sections("auth", "rateLimit"));
  }

  public CacheSettings cache() {
    return CacheSettings.from(sections("cache"));
  }

  public LogSettings log() {
    return LogSettings.from(sections("log"));
  }

  public MetricsSettings metrics() {
    return MetricsSettings.from(sections("metrics"));
  }

  public TracingSettings tracing() {
    return TracingSettings.from(sections("tracing"));
  }

  /** The {@code admin} section; a first admin key of the wrong length is refused here. */
  public AdminSettings admin() {
    return AdminSettings.from(sections("admin"));
  }

  public ScrapeSettings scrape() {
    return ScrapeSettings.from(sections("scrape"));
  }

  public WorkerSettings worker() {
    return WorkerSettings.from(sections("worker"));
  }

  /** The {@code jobs} section as the worker role reads it, its log file resolved against {@code dataDir}. */
  public JobSettings jobs() {
    return JobSettings.from(sections("jobs").put("dataDir", json.getString("dataDir")));
  }

  /** The recurring-jobs keys of the {@code jobs} section, as the persistence role reads them. */
  public ScheduleSettings schedules() {
    return ScheduleSettings.from(sections("jobs"));
  }

  public ChatSettings chat() {
    return ChatSettings.from(sections("chat"));
  }

  public IngestSettings ingest() {
    return IngestSettings.from(sections("ingest"));
  }

  public MqttSettings mqtt() {
    return MqttSettings.from(sections("mqtt"));
  }

  public BridgeSettings bridge() {
    return BridgeSettings.from(sections("bridge"));
  }

  /** Every environment variable that sets a key of this configuration ({@code LOOPLINE_HTTP_PORT}, ...). */
  public Set<String> settingVariables() {
    Map<String, List<String>> known = new LinkedHashMap<>();
    collectPaths(json, new ArrayList<>(), known);
    return known.keySet();
  }

  /**
   * Environment overrides: each known key has one variable name, its path in UPPER_SNAKE
   * ({@code http.maxBodySize} is {@code LOOPLINE_HTTP_MAX_BODY_SIZE}); values take the type of the default.
   */
  JsonObject fromEnvironment(Map<String, String> env) {
    JsonObject out = new JsonObject();
    Map<String, List<String>> known = new LinkedHashMap<>();
    collectPaths(json, new ArrayList<>(), known);
    known.forEach(
        (envName, path) -> {
          String raw = env.get(envName);
          if (raw != null) {
            Object current = valueAt(json, path);
            putPath(out, path, convert(envName, raw, current));
          }
        });
    for (String name : env.keySet()) {
      if (name.startsWith(ENV_PREFIX) && !known.containsKey(name)) {
        throw new ConfigException("unknown setting " + name + "; known: " + known.keySet());
      }
    }
    return out;
  }

  private static void collectPaths(
      JsonObject node, List<String> prefix, Map<String, List<String>> out) {
    for (String key : node.fieldNames()) {
      List<String> path = new ArrayList<>(prefix);
      path.add(key);
      Object value = node.getValue(key);
      if (value instanceof JsonObject child) {
        collectPaths(child, path, out);
      } else {
        out.put(envName(path), path);
      }
    }
  }

  static String envName(List<String> path) {
    StringBuilder name = new StringBuilder(ENV_PREFIX);
    for (int i = 0; i < path.size(); i++) {
      if (i > 0) {
        name.append('_');
      }
      name.append(path.get(i).replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
    }
    return name.toString();
  }

  private static Object convert(String name, String raw, Object current) {
    try {
      if (current instanceof Boolean) {
        if (!raw.equalsIgnoreCase("true") && !raw.equalsIgnoreCase("false")) {
          throw new IllegalArgumentException("expected true or false");
        }
        return Boolean.parseBoolean(raw);
      }
      if (current instanceof Integer || current instanceof Long) {
        return Long.parseLong(raw.trim());
      }
      if (current instanceof Number) {
        return Double.parseDouble(raw.trim());
      }
      if (current instanceof JsonArray) {
        JsonArray list = new JsonArray();
        for (String part : raw.split(",")) {
          if (!part.isBlank()) {
            list.add(part.trim());
          }
        }
        return list;
      }
      return raw;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name + "=" + raw + " is not valid: " + e.getMessage());
    }
  }

  private static Object valueAt(JsonObject root, List<String> path) {
    JsonObject node = root;
    for (int i = 0; i < path.size() - 1; i++) {
      node = node.getJsonObject(path.get(i));
    }
    return node.getValue(path.get(path.size() - 1));
  }

  private static void putPath(JsonObject root, List<String> path, Object value) {
    JsonObject node = root;
    for (int i = 0; i < path.size() - 1; i++) {
      JsonObject child = node.getJsonObject(path.get(i));
      if (child == null) {
        child = new JsonObject();
        node.put(path.get(i), child);
      }
      node = child;
    }
    node.put(path.get(path.size() - 1), value);
  }

  private static void checkKnown(JsonObject known, JsonObject overrides, String where) {
    for (String key : overrides.fieldNames()) {
      if (!known.containsKey(key)) {
        throw new ConfigException(
            "unknown setting " + where + key + "; known here: " + known.fieldNames());
      }
      Object value = overrides.getValue(key);
      Object base = known.getValue(key);
      if (base instanceof JsonObject baseSection) {
        if (!(value instanceof JsonObject section)) {
          throw new ConfigException(where + key + " must be a section, not a value");
        }
        checkKnown(baseSection, section, where + key + ".");
      } else if (!sameKind(base, value)) {
        throw new ConfigException(where + key + ": expected " + kind(base) + ", got " + value);
      }
    }
  }

  private static boolean sameKind(Object base, Object value) {
    return kind(base).equals(kind(value))
        || base instanceof Number
            && value instanceof Number
            && (base instanceof Double || !(value instanceof Double || value instanceof Float));
  }

  private static String kind(Object value) {
    if (value instanceof Boolean) {
      return "true or false";
    }
    if (value instanceof Number) {
      return "a number";
    }
    if (value instanceof JsonArray) {
      return "a list";
    }
    return value instanceof String ? "a string" : "a value";
  }

  private static JsonObject readFile(Path file) {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parseYaml(reader, file.toString());
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage());
    }
  }

  private static JsonObject parseYaml(Reader reader, String source) {
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
    } catch (RuntimeException e) {
      throw new ConfigException(source + " is not valid YAML: " + e.getMessage());
    }
    if (root == null) {
      return new JsonObject();
    }
    if (!(root instanceof Map<?, ?>)) {
      throw new ConfigException(source + " must be a YAML mapping");
    }
    return (JsonObject) toJson(root);
  }

  private static Object toJson(Object value) {
    if (value instanceof Map<?, ?> map) {
      JsonObject object = new JsonObject();
      map.forEach((k, v) -> object.put(String.valueOf(k), toJson(v)));
      return object;
    }
    if (value instanceof List<?> list) {
      JsonArray array = new JsonArray();
      list.forEach(v -> array.add(toJson(v)));
      return array;
    }
    return value;
  }
}
