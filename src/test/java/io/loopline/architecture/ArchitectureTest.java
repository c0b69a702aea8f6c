package io.loopline.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.loopline.platform.config.LooplineConfig;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The architecture of docs/architecture.md as rules: the launcher deploys role verticles ({@code roles}),
 * which host the features; a feature ({@code items}, {@code users}, ...) holds its routes, bus handlers,
 * store and SQL; {@code platform} serves every feature and knows none; {@code contract} is the public
 * event-bus API and depends on nothing of ours. Features meet only on the event bus, through {@code contract}.
 */
class ArchitectureTest {

  /** One package per feature, under io.loopline. */
  static final Set<String> NOT_FEATURES = Set.of("roles", "platform", "contract");

  /**
   * Every package directly under io.loopline but roles, platform and contract is a feature: a new feature
   * package is held to the rules below without an edit here.
   */
  static List<String> features() {
    return main.stream()
        .map(c -> c.getPackageName())
        .filter(p -> p.startsWith("io.loopline."))
        .map(p -> p.substring("io.loopline.".length()).split("\\.")[0])
        .filter(f -> !NOT_FEATURES.contains(f))
        .distinct()
        .sorted()
        .toList();
  }

  /**
   * Classes allowed to block their thread: they run only on worker threads (worker verticles,
   * {@code executeBlocking}) or before Vert.x starts (the launcher and its configuration).
   */
  static final Set<String> MAY_BLOCK =
      Set.of(
          "io.loopline.Loopline",
          "io.loopline.platform.config.LooplineConfig",
          "io.loopline.platform.db.EmbeddedDatabase",
          "io.loopline.platform.db.Migrations",
          // pgjdbc's COPY: each lane's connection is used on a worker of its own WorkerExecutor
          // only
          "io.loopline.streams.CopyWriters",
          "io.loopline.platform.cluster.Clustering",
          "io.loopline.platform.observe.LogSetup",
          "io.loopline.jobs.WorkerVerticle",
          "io.loopline.scrape.ParseVerticle");

  private static JavaClasses main;

  @BeforeAll
  static void importMain() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.loopline");
  }

  @Test
  void theFeaturesAreFoundInTheTree() {
    assertThat(features())
        .as("the feature packages the rules below hold to")
        .contains("items", "users", "kv", "chat", "scrape", "jobs", "streams", "keys", "ops");
  }

  @Test
  void contractDependsOnNothingOfOurs() {
    noClasses()
        .that()
        .resideInAPackage("io.loopline.contract..")
        .should()
        .dependOnClassesThat(ours().and(notIn("io.loopline.contract..")))
        .because("the contract is the public event-bus API: a service of any make reads it alone")
        .check(main);
  }

  @Test
  void platformDependsOnNoFeatureNorRole() {
    noClasses()
        .that()
        .resideInAPackage("io.loopline.platform..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(featurePackagesAndRoles())
        .because("the platform serves every feature and knows none")
        .check(main);
  }

  @Test
  void featuresMeetOnlyOnTheBus() {
    List<String> features = features();
    for (String feature : features) {
      String[] others =
          features.stream()
              .filter(f -> !f.equals(feature))
              .map(f -> "io.loopline." + f + "..")
              .toArray(String[]::new);
      noClasses()
          .that()
          .resideInAPackage("io.loopline." + feature + "..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(others)
          .orShould()
          .dependOnClassesThat()
          .resideInAPackage("io.loopline.roles..")
          .because("features talk to each other only through the contract on the event bus")
          .check(main);
    }
  }

  @Test
  void routesNeverReachAStore() {
    noClasses()
        .that()
        .haveSimpleNameEndingWith("Routes")
        .should()
        .dependOnClassesThat()
        .haveSimpleNameEndingWith("Store")
        .orShould()
        .dependOnClassesThat()
        .haveSimpleNameEndingWith("Sql")
        .orShould()
        .dependOnClassesThat()
        .haveSimpleName("Database")
        .because(
            "a feature's routes reach its store over the bus, so HTTP and persistence stay separate roles")
        .check(main);
  }

  @Test
  void onlyRolesAndTheLauncherDeployVerticles() {
    classes()
        .that()
        .resideInAPackage("io.loopline.roles..")
        .should()
        .haveSimpleNameEndingWith("Verticle")
        .because("roles holds the verticles that host several features, nothing else")
        .check(main);
  }

  @Test
  void settingsAreReadThroughTheirTypedRecords() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.loopline.platform.config..")
        .should()
        .callMethod(LooplineConfig.class, "json")
        .because(
            "a setting is read through its record (LooplineConfig's accessors, a verticle's"
                + " XxxSettings.from(config())), which names it, types it and is checked at start")
        .check(main);
    noClasses()
        .that()
        .resideOutsideOfPackage("io.loopline.platform.config..")
        .and()
        .doNotHaveFullyQualifiedName("io.loopline.Loopline")
        .should()
        .callMethod(LooplineConfig.class, "sections", String[].class)
        .because(
            "the launcher alone hands a verticle its sections, which the verticle reads with the"
                + " records' from(...)")
        .check(main);
  }

  @Test
  void onlyThePlatformBusRegistersConsumers() {
    noClasses()
        .that(ours().and(notIn("io.loopline.platform.bus..")))
        .should()
        .callMethodWhere(
            DescribedPredicate.describe(
                "EventBus.consumer or EventBus.localConsumer",
                call ->
                    call.getTarget()
                            .getOwner()
                            .isAssignableTo(io.vertx.core.eventbus.EventBus.class)
                        && (call.getTarget().getName().equals("consumer")
                            || call.getTarget().getName().equals("localConsumer"))))
        .because(
            "every handler registers through platform/bus/Operations, which sets the caller's request id,"
                + " checks the body and answers every failure, so no address forgets one of them")
        .check(main);
  }

  @Test
  void noBlockingCallOnAnEventLoopClass() {
    ArchRule rule =
        noClasses()
            .that(
                ours()
                    .and(
                        DescribedPredicate.describe(
                            "not allowed to block",
                            (JavaClass c) ->
                                !MAY_BLOCK.contains(c.getName())
                                    && !MAY_BLOCK.contains(outermost(c).getName()))))
            .should()
            .callMethod(Thread.class, "sleep", long.class)
            .orShould()
            .callMethod(java.util.concurrent.Future.class, "get")
            .orShould()
            .callMethod(java.util.concurrent.CompletableFuture.class, "join")
            .orShould()
            .callMethod(java.util.concurrent.CompletableFuture.class, "get")
            .orShould()
            .callMethodWhere(
                DescribedPredicate.describe(
                    "io.vertx.core.Future.await",
                    call ->
                        call.getTarget().getOwner().isAssignableTo(io.vertx.core.Future.class)
                            && call.getTarget().getName().equals("await")))
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.sql.DriverManager")
            .because(
                "an event loop never blocks: blocking work runs on worker verticles or executeBlocking");
    rule.check(main);
  }

  private static JavaClass outermost(JavaClass c) {
    JavaClass outer = c;
    while (outer.getEnclosingClass().isPresent()) {
      outer = outer.getEnclosingClass().get();
    }
    return outer;
  }

  private static String[] featurePackagesAndRoles() {
    return java.util.stream.Stream.concat(features().stream(), java.util.stream.Stream.of("roles"))
        .map(f -> "io.loopline." + f + "..")
        .toArray(String[]::new);
  }

  private static DescribedPredicate<JavaClass> ours() {
    return DescribedPredicate.describe(
        "Loopline's", c -> c.getPackageName().startsWith("io.loopline"));
  }

  private static DescribedPredicate<JavaClass> notIn(String pattern) {
    return DescribedPredicate.not(JavaClass.Predicates.resideInAPackage(pattern));
  }
}
