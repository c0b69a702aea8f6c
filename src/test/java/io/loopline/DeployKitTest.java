package io.loopline;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.platform.config.ClusterSettings;
import io.loopline.platform.config.ConfigException;
import io.loopline.platform.config.LooplineConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The deployment kit (compose.yaml, deploy/kubernetes/, the Dockerfile) read as an orchestrator reads it and
 * checked against the code: every LOOPLINE_* variable it sets is a setting and its value is accepted (the
 * configuration is loaded from it, and the Hazelcast configuration built, as a node would); every probe and
 * health check asks a path the HTTP contract serves without a key, on the port the node listens on; the grace
 * period outlasts the node's own stop; the members can find each other. {@link #driftIsCaught} shows that each
 * check fails when the kit and the code part.
 */
class DeployKitTest {

  private static final Path KUBERNETES = Path.of("deploy", "kubernetes");
  private static final Path COMPOSE = Path.of("compose.yaml");
  private static final Path DOCKERFILE = Path.of("Dockerfile");
  private static final Path HEALTHCHECK_SCRIPT = Path.of("deploy", "healthcheck.sh");
  private static final Path CONTRACT =
      Path.of("src", "main", "resources", "openapi", "loopline.yaml");

  @Test
  void theKubernetesKitMatchesTheCode() throws IOException {
    assertThat(checkKubernetes(kubernetesDocuments())).isEmpty();
  }

  @Test
  void composeMatchesTheCode() throws IOException {
    assertThat(checkCompose(yamlMap(COMPOSE))).isEmpty();
  }

  @Test
  void theDockerfileMatchesTheCode() throws IOException {
    assertThat(checkDockerfile(Files.readString(DOCKERFILE), Files.readString(HEALTHCHECK_SCRIPT)))
        .isEmpty();
  }

  @Test
  void everyKubernetesFileIsListedInTheKustomization() throws IOException {
    Map<String, Object> kustomization = yamlMap(KUBERNETES.resolve("kustomization.yaml"));
    try (Stream<Path> files = Files.list(KUBERNETES)) {
      assertThat(
              files
                  .map(f -> f.getFileName().toString())
                  .filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml")))
          .containsExactlyInAnyOrderElementsOf(strings(kustomization.get("resources")));
    }
  }

  /** Each kind of drift, made on a copy of the kit, is reported. */
  @Test
  @SuppressWarnings("unchecked")
  void driftIsCaught() throws IOException {
    List<Map<String, Object>> docs = kubernetesDocuments();
    Map<String, Object> container = container(only(docs, "Deployment"));
    ((Map<String, Object>) ((Map<String, Object>) container.get("readinessProbe")).get("httpGet"))
        .put("path", "/health/readyz");
    ((List<Object>) container.get("env"))
        .add(new LinkedHashMap<>(Map.of("name", "LOOPLINE_HTTP_PROT", "value", "8080")));
    podSpec(only(docs, "Deployment")).put("terminationGracePeriodSeconds", 60);
    ((Map<String, Object>) headless(docs).get("spec")).put("publishNotReadyAddresses", false);
    ((Map<String, Object>) only(docs, "ConfigMap").get("data")).put("LOOPLINE_HTTP_PORT", "9090");
    ((List<Map<String, Object>>) container.get("ports")).get(2).put("name", "bus");

    assertThat(String.join("\n", checkKubernetes(docs)))
        .contains(
            "readinessProbe asks /health/readyz, which the contract (openapi/loopline.yaml) does not serve")
        .contains("LOOPLINE_HTTP_PROT, which is no setting")
        .contains("terminationGracePeriodSeconds 60 s does not outlast")
        .contains("must set publishNotReadyAddresses: true")
        .contains("livenessProbe asks port http (8080), but the node listens on 9090")
        .contains("the NetworkPolicy opens port eventbus, which the container does not have");

    List<Map<String, Object>> badValue = kubernetesDocuments();
    ((Map<String, Object>) only(badValue, "ConfigMap").get("data"))
        .put("LOOPLINE_CLUSTER_JOIN", "gossip");
    assertThat(checkKubernetes(badValue))
        .containsExactly(
            "the Deployment: cluster.join must be tcp, kubernetes or multicast, not 'gossip'");

    Map<String, Object> compose = yamlMap(COMPOSE);
    Map<String, Object> node1 =
        (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get("node1");
    node1.put("stop_grace_period", "30s");
    ((Map<String, Object>) node1.get("environment")).put("LOOPLINE_CLUSTER_MEMBERS", "172.28.0.12");
    ((Map<String, Object>) node1.get("healthcheck"))
        .put("test", List.of("CMD", "/app/healthcheck.sh", "/healthz"));
    assertThat(String.join("\n", checkCompose(compose)))
        .contains("node1: stop_grace_period 30 s")
        .contains("node1: LOOPLINE_CLUSTER_MEMBERS does not list this node's own 172.28.0.11")
        .contains("node1: healthcheck asks /healthz");

    String dockerfile =
        Files.readString(DOCKERFILE)
            .replace("-XX:MaxRAMPercentage=75", "-Xmx512m")
            .replace("\"/health/live\"]", "\"/health/alive\"]")
            .replace("USER 10001:10001", "USER root");
    assertThat(String.join("\n", checkDockerfile(dockerfile, Files.readString(HEALTHCHECK_SCRIPT))))
        .contains("MaxRAMPercentage")
        .contains("HEALTHCHECK asks /health/alive")
        .contains("USER must be a numeric uid");
  }

  // ---- Kubernetes

  @SuppressWarnings("unchecked")
  static List<String> checkKubernetes(List<Map<String, Object>> docs) {
    List<String> problems = new ArrayList<>();
    Map<String, Object> deployment = only(docs, "Deployment");
    Map<String, Object> pod = podSpec(deployment);
    Map<String, Object> container = container(deployment);

    Map<String, String> env = new LinkedHashMap<>();
    for (Object from : list(container.get("envFrom"))) {
      Map<String, Object> source = (Map<String, Object>) from;
      if (source.containsKey("configMapRef")) {
        String name = name(source.get("configMapRef"));
        named(docs, "ConfigMap", name)
            .ifPresentOrElse(
                map -> env.putAll(stringMap(map.get("data"))),
                () ->
                    problems.add(
                        "the Deployment reads the ConfigMap "
                            + name
                            + ", which the kit does not have"));
      }
      if (source.containsKey("secretRef")) {
        String name = name(source.get("secretRef"));
        named(docs, "Secret", name)
            .ifPresentOrElse(
                secret -> env.putAll(secretData(secret)),
                () ->
                    problems.add(
                        "the Deployment reads the Secret "
                            + name
                            + ", which the kit does not have"));
      }
    }
    for (Object item : list(container.get("env"))) {
      Map<String, Object> variable = (Map<String, Object>) item;
      String value =
          variable.containsKey("valueFrom")
              ? fieldValue((Map<String, Object>) variable.get("valueFrom"))
              : String.valueOf(variable.get("value"));
      env.put(String.valueOf(variable.get("name")), expand(value, env));
    }
    LooplineConfig config = loadSettings("the Deployment", env, problems);
    if (config == null) {
      return problems;
    }

    Map<String, Integer> ports = new LinkedHashMap<>();
    for (Object item : list(container.get("ports"))) {
      Map<String, Object> port = (Map<String, Object>) item;
      ports.put(String.valueOf(port.get("name")), (Integer) port.get("containerPort"));
    }
    int httpPort = config.http().port();
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      Map<String, Object> spec = (Map<String, Object>) container.get(probe);
      if (spec == null) {
        problems.add("the container has no " + probe);
        continue;
      }
      Map<String, Object> get = (Map<String, Object>) spec.get("httpGet");
      String path = String.valueOf(get.get("path"));
      problems.addAll(contractProblems(probe + " asks " + path, path));
      Integer port = resolvePort(get.get("port"), ports);
      if (!Objects.equals(port, httpPort)) {
        problems.add(
            probe
                + " asks port "
                + get.get("port")
                + " ("
                + port
                + "), but the node listens on "
                + httpPort
                + " (http.port)");
      }
    }
    if (!Objects.equals(ports.get("http"), httpPort)) {
      problems.add(
          "container port http is " + ports.get("http") + ", but the node listens on " + httpPort);
    }

    long graceMs =
        ((Number) pod.getOrDefault("terminationGracePeriodSeconds", 30)).longValue() * 1000;
    long stopLimitMs = Loopline.stopLimitMs(config);
    long stopWaitsMs =
        config.http().drainDelayMs()
            + config.http().shutdownTimeoutSeconds() * 1000L
            + config.json().getJsonObject("jobs").getLong("shutdownTimeoutMs");
    if (graceMs <= Math.max(stopLimitMs, stopWaitsMs)) {
      problems.add(
          "terminationGracePeriodSeconds "
              + graceMs / 1000
              + " s does not outlast the node's stop: drain "
              + config.http().drainDelayMs()
              + " ms + http.shutdownTimeoutSeconds "
              + config.http().shutdownTimeoutSeconds()
              + " s + jobs.shutdownTimeoutMs, and the node's own limit "
              + stopLimitMs
              + " ms");
    }
    Map<String, Object> readiness = (Map<String, Object>) container.get("readinessProbe");
    if (readiness != null) {
      long noticedMs =
          1000L
              * ((Number) readiness.getOrDefault("periodSeconds", 10)).longValue()
              * ((Number) readiness.getOrDefault("failureThreshold", 3)).longValue();
      if (noticedMs > config.http().drainDelayMs()) {
        problems.add(
            "the readiness probe notices a stopping node after up to "
                + noticedMs
                + " ms, later than"
                + " http.drainDelayMs "
                + config.http().drainDelayMs()
                + " ms, when it stops accepting");
      }
    }
    Map<String, Object> requests =
        (Map<String, Object>)
            ((Map<String, Object>) container.getOrDefault("resources", Map.of())).get("requests");
    if (requests == null || !requests.containsKey("cpu") || !requests.containsKey("memory")) {
      problems.add("the container has no cpu and memory requests");
    }

    ClusterSettings cluster = config.cluster();
    if (!cluster.enabled() || cluster.join() != ClusterSettings.Join.KUBERNETES) {
      problems.add(
          "the Deployment's nodes do not cluster by Kubernetes discovery (cluster.enabled, cluster.join)");
    }
    if (!Objects.equals(ports.get("hazelcast"), cluster.hazelcastPort())) {
      problems.add(
          "container port hazelcast is "
              + ports.get("hazelcast")
              + ", cluster.hazelcastPort "
              + cluster.hazelcastPort());
    }
    if (!Objects.equals(ports.get("eventbus"), cluster.eventBusPort())) {
      problems.add(
          "container port eventbus is "
              + ports.get("eventbus")
              + ", cluster.eventBusPort "
              + cluster.eventBusPort());
    }
    Map<String, Object> podLabels =
        (Map<String, Object>)
            ((Map<String, Object>) ((Map<String, Object>) deployment.get("spec")).get("template"))
                .get("metadata");
    Map<String, String> labels = stringMap(podLabels.get("labels"));

    Map<String, Object> headless = headless(docs);
    if (headless == null) {
      problems.add("no headless Service (clusterIP: None) for Hazelcast");
    } else {
      Map<String, Object> spec = (Map<String, Object>) headless.get("spec");
      String name = name(headless.get("metadata"));
      if (!Boolean.TRUE.equals(spec.get("publishNotReadyAddresses"))) {
        problems.add(
            "the headless Service "
                + name
                + " must set publishNotReadyAddresses: true, so that starting pods find each other");
      }
      problems.addAll(selects(name, spec, labels));
      if (servicePorts(spec, ports).stream().noneMatch(p -> p == cluster.hazelcastPort())) {
        problems.add(
            "the headless Service "
                + name
                + " does not lead to the Hazelcast port "
                + cluster.hazelcastPort());
      }
      String dns = cluster.kubernetes().serviceDns();
      if (!dns.startsWith(name + ".")) {
        problems.add(
            "cluster.kubernetes.serviceDns " + dns + " is not the headless Service " + name);
      }
    }
    List<Map<String, Object>> services =
        docs.stream().filter(d -> "Service".equals(d.get("kind")) && d != headless).toList();
    if (services.isEmpty()) {
      problems.add("no Service for HTTP");
    }
    for (Map<String, Object> service : services) {
      Map<String, Object> spec = (Map<String, Object>) service.get("spec");
      problems.addAll(selects(name(service.get("metadata")), spec, labels));
      if (!servicePorts(spec, ports).contains(httpPort)) {
        problems.add(
            "the Service "
                + name(service.get("metadata"))
                + " does not lead to the HTTP port "
                + httpPort);
      }
    }
    Map<String, Object> budget = only(docs, "PodDisruptionBudget");
    Map<String, String> budgetSelects =
        stringMap(
            ((Map<String, Object>) ((Map<String, Object>) budget.get("spec")).get("selector"))
                .get("matchLabels"));
    if (budgetSelects.isEmpty() || !labels.entrySet().containsAll(budgetSelects.entrySet())) {
      problems.add("the PodDisruptionBudget selects " + budgetSelects + ", not the pods " + labels);
    }
    for (Object rule :
        list(((Map<String, Object>) only(docs, "NetworkPolicy").get("spec")).get("ingress"))) {
      for (Object port : list(((Map<String, Object>) rule).get("ports"))) {
        Object named = ((Map<String, Object>) port).get("port");
        if (resolvePort(named, ports) == null) {
          problems.add(
              "the NetworkPolicy opens port " + named + ", which the container does not have");
        }
      }
    }
    Map<String, Object> hpa = only(docs, "HorizontalPodAutoscaler");
    Map<String, Object> target =
        (Map<String, Object>) ((Map<String, Object>) hpa.get("spec")).get("scaleTargetRef");
    if (!"Deployment".equals(target.get("kind"))
        || !name(deployment.get("metadata")).equals(target.get("name"))) {
      problems.add("the HorizontalPodAutoscaler scales " + target + ", not the Deployment");
    }
    return problems;
  }

  // ---- compose

  @SuppressWarnings("unchecked")
  static List<String> checkCompose(Map<String, Object> compose) {
    List<String> problems = new ArrayList<>();
    Map<String, Object> services = (Map<String, Object>) compose.get("services");
    List<String> nodes =
        services.keySet().stream()
            .filter(s -> ((Map<String, Object>) services.get(s)).containsKey("build"))
            .toList();
    if (nodes.size() < 2) {
      problems.add("compose.yaml builds " + nodes.size() + " Loopline node(s); two make a cluster");
    }
    for (String backend : List.of("postgres", "redis")) {
      if (!(services.get(backend) instanceof Map<?, ?> service)
          || !service.containsKey("healthcheck")) {
        problems.add("compose.yaml has no " + backend + " with a health check");
      }
    }
    for (String node : nodes) {
      Map<String, Object> service = (Map<String, Object>) services.get(node);
      Map<String, String> env = stringMap(service.get("environment"));
      LooplineConfig config = loadSettings(node, env, problems);
      if (config == null) {
        continue;
      }
      Map<String, Object> dependsOn =
          (Map<String, Object>) service.getOrDefault("depends_on", Map.of());
      for (String backend : List.of("postgres", "redis")) {
        if (!(dependsOn.get(backend) instanceof Map<?, ?> condition)
            || !"service_healthy".equals(condition.get("condition"))) {
          problems.add(node + ": does not wait for a healthy " + backend);
        }
      }
      List<String> test =
          strings(
              ((Map<String, Object>) service.getOrDefault("healthcheck", Map.of())).get("test"));
      if (test.size() < 3 || !test.get(1).equals("/app/healthcheck.sh")) {
        problems.add(node + ": its healthcheck is not /app/healthcheck.sh PATH: " + test);
      } else {
        problems.addAll(contractProblems(node + ": healthcheck asks " + test.get(2), test.get(2)));
      }
      long graceMs =
          seconds(String.valueOf(service.getOrDefault("stop_grace_period", "10s"))) * 1000;
      if (graceMs <= Loopline.stopLimitMs(config)) {
        problems.add(
            node
                + ": stop_grace_period "
                + graceMs / 1000
                + " s does not outlast the node's stop limit "
                + Loopline.stopLimitMs(config)
                + " ms");
      }
      boolean publishesHttp =
          strings(service.get("ports")).stream()
              .anyMatch(p -> p.endsWith(":" + config.http().port()));
      if (!publishesHttp) {
        problems.add(
            node
                + ": publishes "
                + service.get("ports")
                + ", but the node listens on "
                + config.http().port());
      }
      ClusterSettings cluster = config.cluster();
      if (!cluster.enabled() || cluster.join() != ClusterSettings.Join.TCP) {
        problems.add(node + ": does not join its cluster by TCP-IP");
      } else if (!cluster.members().contains(cluster.host())
          && !cluster.members().contains(cluster.host() + ":" + cluster.hazelcastPort())) {
        problems.add(
            node + ": LOOPLINE_CLUSTER_MEMBERS does not list this node's own " + cluster.host());
      }
      for (String other : nodes) {
        String host =
            String.valueOf(
                stringMap(((Map<String, Object>) services.get(other)).get("environment"))
                    .get("LOOPLINE_CLUSTER_HOST"));
        if (!cluster.members().contains(host)) {
          problems.add(
              node + ": LOOPLINE_CLUSTER_MEMBERS does not list " + other + " (" + host + ")");
        }
      }
    }
    return problems;
  }

  // ---- Dockerfile

  static List<String> checkDockerfile(String dockerfile, String healthcheckScript) {
    List<String> problems = new ArrayList<>();
    LooplineConfig defaults = LooplineConfig.defaults();
    List<String> lines = dockerfile.lines().filter(l -> !l.startsWith("#")).toList();
    String entrypoint = instruction(lines, "ENTRYPOINT");
    if (entrypoint == null || !entrypoint.contains("-XX:MaxRAMPercentage=")) {
      problems.add(
          "the ENTRYPOINT does not size the heap from the container (-XX:MaxRAMPercentage): "
              + entrypoint);
    }
    String user = instruction(lines, "USER");
    if (user == null || !user.matches("[1-9][0-9]*(:[0-9]+)?")) {
      problems.add("USER must be a numeric uid other than 0 (runAsNonRoot checks it): " + user);
    }
    String expose = instruction(lines, "EXPOSE");
    if (!String.valueOf(defaults.http().port()).equals(expose)) {
      problems.add("EXPOSE " + expose + ", but http.port defaults to " + defaults.http().port());
    }
    Matcher healthcheck =
        Pattern.compile("HEALTHCHECK .*CMD \\[\"/app/healthcheck.sh\", \"([^\"]+)\"]")
            .matcher(dockerfile);
    if (!healthcheck.find()) {
      problems.add("no HEALTHCHECK running /app/healthcheck.sh PATH");
    } else {
      problems.addAll(
          contractProblems("the HEALTHCHECK asks " + healthcheck.group(1), healthcheck.group(1)));
    }
    Matcher scriptDefault = Pattern.compile("path=\\$\\{1:-([^}]+)}").matcher(healthcheckScript);
    if (!scriptDefault.find()) {
      problems.add("deploy/healthcheck.sh has no default path");
    } else {
      problems.addAll(
          contractProblems(
              "deploy/healthcheck.sh asks " + scriptDefault.group(1), scriptDefault.group(1)));
    }
    int lib = dockerfile.indexOf("COPY --from=build /build/target/lib ");
    int jar = dockerfile.indexOf("COPY --from=build /build/target/loopline.jar ");
    if (lib < 0 || jar < 0 || lib > jar) {
      problems.add(
          "the dependencies (target/lib) must be copied in a layer of their own, before the application jar");
    }
    return problems;
  }

  // ---- shared

  /** Loads the configuration a node started with these variables would have, and checks it as the launcher does. */
  private static LooplineConfig loadSettings(
      String where, Map<String, String> env, List<String> problems) {
    Set<String> known = LooplineConfig.defaults().settingVariables();
    Map<String, String> settings = new LinkedHashMap<>();
    env.forEach(
        (name, value) -> {
          if (name.startsWith("LOOPLINE_")) {
            if (known.contains(name)) {
              settings.put(name, value);
            } else {
              problems.add(where + " sets " + name + ", which is no setting (conf/loopline.yaml)");
            }
          }
        });
    try {
      LooplineConfig config = LooplineConfig.load(List.of(), settings, Path.of("target"));
      Loopline.checkSettings(config);
      return config;
    } catch (ConfigException e) {
      problems.add(where + ": " + e.getMessage());
      return null;
    }
  }

  /** Problems with a health path: the contract must serve it to GET without a key. */
  @SuppressWarnings("unchecked")
  private static List<String> contractProblems(String what, String path) {
    Map<String, Object> paths;
    try {
      paths = (Map<String, Object>) yamlMap(CONTRACT).get("paths");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    if (!(paths.get(path) instanceof Map<?, ?> item)
        || !(item.get("get") instanceof Map<?, ?> get)) {
      return List.of(what + ", which the contract (openapi/loopline.yaml) does not serve to GET");
    }
    if (!List.of().equals(get.get("security"))) {
      return List.of(what + ", which needs an API key (its operation has no `security: []`)");
    }
    return List.of();
  }

  @SuppressWarnings("unchecked")
  private static List<Integer> servicePorts(
      Map<String, Object> spec, Map<String, Integer> containerPorts) {
    List<Integer> out = new ArrayList<>();
    for (Object item : list(spec.get("ports"))) {
      Map<String, Object> port = (Map<String, Object>) item;
      out.add(resolvePort(port.getOrDefault("targetPort", port.get("port")), containerPorts));
    }
    return out;
  }

  private static List<String> selects(
      String service, Map<String, Object> spec, Map<String, String> podLabels) {
    Map<String, String> selector = stringMap(spec.get("selector"));
    return !selector.isEmpty() && podLabels.entrySet().containsAll(selector.entrySet())
        ? List.of()
        : List.of(
            "the Service " + service + " selects " + selector + ", not the pods " + podLabels);
  }

  private static Integer resolvePort(Object port, Map<String, Integer> containerPorts) {
    return port instanceof Integer number ? number : containerPorts.get(String.valueOf(port));
  }

  /** A value from the downward API, as Kubernetes would fill it in. */
  private static String fieldValue(Map<String, Object> valueFrom) {
    String field = String.valueOf(((Map<?, ?>) valueFrom.get("fieldRef")).get("fieldPath"));
    return switch (field) {
      case "status.podIP" -> "10.1.2.3";
      case "metadata.namespace" -> "shop";
      default -> "pod-" + field;
    };
  }

  /** Kubernetes' $(VAR) references to variables defined before. */
  private static String expand(String value, Map<String, String> env) {
    Matcher reference = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(value);
    return reference.replaceAll(
        m -> Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> secretData(Map<String, Object> secret) {
    Map<String, String> out = new LinkedHashMap<>();
    ((Map<String, Object>) secret.getOrDefault("data", Map.of()))
        .forEach(
            (k, v) ->
                out.put(
                    k,
                    new String(
                        Base64.getDecoder().decode(String.valueOf(v)), StandardCharsets.UTF_8)));
    out.putAll(stringMap(secret.get("stringData")));
    return out;
  }

  private static long seconds(String duration) {
    Matcher m = Pattern.compile("(?:(\\d+)m)?(?:(\\d+)s)?").matcher(duration);
    if (!m.matches()) {
      throw new IllegalArgumentException("duration " + duration);
    }
    return (m.group(1) == null ? 0 : Long.parseLong(m.group(1)) * 60)
        + (m.group(2) == null ? 0 : Long.parseLong(m.group(2)));
  }

  private static String instruction(List<String> lines, String name) {
    String last = null;
    for (String line : lines) {
      if (line.startsWith(name + " ")) {
        last = line.substring(name.length() + 1).trim();
      }
    }
    return last;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> headless(List<Map<String, Object>> docs) {
    return docs.stream()
        .filter(d -> "Service".equals(d.get("kind")))
        .filter(d -> "None".equals(((Map<String, Object>) d.get("spec")).get("clusterIP")))
        .findFirst()
        .orElse(null);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> podSpec(Map<String, Object> deployment) {
    return (Map<String, Object>)
        ((Map<String, Object>) ((Map<String, Object>) deployment.get("spec")).get("template"))
            .get("spec");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> container(Map<String, Object> deployment) {
    return (Map<String, Object>) list(podSpec(deployment).get("containers")).get(0);
  }

  private static Map<String, Object> only(List<Map<String, Object>> docs, String kind) {
    List<Map<String, Object>> found =
        docs.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    assertThat(found).as("the kit's %s", kind).hasSize(1);
    return found.get(0);
  }

  private static java.util.Optional<Map<String, Object>> named(
      List<Map<String, Object>> docs, String kind, String name) {
    return docs.stream()
        .filter(d -> kind.equals(d.get("kind")) && name.equals(name(d.get("metadata"))))
        .findFirst();
  }

  private static String name(Object metadataOrRef) {
    return String.valueOf(((Map<?, ?>) metadataOrRef).get("name"));
  }

  private static List<?> list(Object value) {
    return value == null ? List.of() : (List<?>) value;
  }

  private static List<String> strings(Object value) {
    return list(value).stream().map(String::valueOf).toList();
  }

  private static Map<String, String> stringMap(Object value) {
    Map<String, String> out = new LinkedHashMap<>();
    if (value != null) {
      ((Map<?, ?>) value).forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> kubernetesDocuments() throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    try (Stream<Path> files = Files.list(KUBERNETES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        for (Object doc : yaml().loadAll(Files.readString(file))) {
          if (doc != null && !"Kustomization".equals(((Map<String, Object>) doc).get("kind"))) {
            docs.add((Map<String, Object>) doc);
          }
        }
      }
    }
    return docs;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yamlMap(Path file) throws IOException {
    return (Map<String, Object>) yaml().load(Files.readString(file));
  }

  private static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(16 * 1024 * 1024);
    return new Yaml(new SafeConstructor(options));
  }
}
