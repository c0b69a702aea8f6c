package io.loopline.platform.cluster;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.platform.config.ClusterSettings;
import io.loopline.platform.config.LooplineConfig;
import io.loopline.support.Cleanup;
import io.loopline.support.Poll;
import io.loopline.support.TestRun;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * With {@code cluster.tls}, the event bus carries messages only between holders of a certificate of the
 * cluster's CA. Two nodes with such certificates talk; a process on the same Hazelcast cluster (it can join:
 * membership is not authenticated) without TLS, or with a certificate of another CA, can neither deliver a
 * message to them nor be handed one. Certificates are made here with the JDK's keytool, in a temporary
 * directory removed afterwards.
 */
class EventBusTlsIT {

  private static final String PASSWORD = "test-only-" + UUID.randomUUID();
  private static final DeliveryOptions SHORT = new DeliveryOptions().setSendTimeout(2000);

  @Test
  void onlyHoldersOfTheClustersCertificateSendOrReceive() throws Exception {
    Path dir = TestRun.tempDir();
    String cluster = TestRun.uniqueName();
    List<Vertx> started = new ArrayList<>();
    try {
      Path trust = authority(dir, "cluster-ca");
      Path rogueTrust = authority(dir, "rogue-ca");
      Vertx a = start(started, cluster, tls(node(dir, "cluster-ca", "node-a"), trust));
      Vertx b = start(started, cluster, tls(node(dir, "cluster-ca", "node-b"), trust));
      AtomicInteger received = new AtomicInteger();
      await(
          a.eventBus()
              .<String>consumer(
                  "tls-test.echo",
                  message -> {
                    received.incrementAndGet();
                    message.reply("echo " + message.body());
                  })
              .completion());

      Poll.until(
          "node b reaches node a's consumer over TLS",
          Duration.ofSeconds(30),
          () ->
              "echo hi"
                  .equals(
                      await(b.eventBus().<String>request("tls-test.echo", "hi", SHORT)).body()));
      int fromMembers = received.get();

      List<JsonObject> rogues =
          List.of(
              new JsonObject().put("enabled", false),
              tls(node(dir, "rogue-ca", "rogue"), rogueTrust));
      for (JsonObject rogueTls : rogues) {
        Vertx rogue = start(started, cluster, rogueTls);
        Poll.until(
            "the process without the cluster's certificate joins Hazelcast",
            Duration.ofSeconds(30),
            () -> ((VertxInternal) a).clusterManager().getNodes().size() == 3);

        // It learns where node a's consumer is, and its messages never arrive there.
        Poll.until(
            "a message from the rogue to node a's consumer fails",
            Duration.ofSeconds(30),
            () ->
                failedInTransit(
                    rogue.eventBus().request("tls-test.echo", "from the rogue", SHORT)));
        assertThat(received.get())
            .as("messages node a received from the rogue (%s)", rogueTls)
            .isEqualTo(fromMembers);

        // Node a learns of the rogue's consumer, and its messages never arrive there.
        AtomicInteger stolen = new AtomicInteger();
        await(
            rogue
                .eventBus()
                .<String>consumer(
                    "tls-test.rogue",
                    message -> {
                      stolen.incrementAndGet();
                      message.reply("stolen");
                    })
                .completion());
        Poll.until(
            "a message from node a to the rogue's consumer fails",
            Duration.ofSeconds(30),
            () -> failedInTransit(a.eventBus().request("tls-test.rogue", "secret", SHORT)));
        assertThat(stolen.get()).as("messages the rogue received (%s)", rogueTls).isZero();

        started.remove(rogue);
        await(rogue.close());
        Poll.until(
            "the rogue has left",
            Duration.ofSeconds(30),
            () -> ((VertxInternal) a).clusterManager().getNodes().size() == 2);
      }
      assertThat(await(b.eventBus().<String>request("tls-test.echo", "still", SHORT)).body())
          .isEqualTo("echo still");
    } finally {
      Cleanup.run(
          () ->
              Cleanup.run(
                  started.stream()
                      .map(vertx -> (Cleanup.Step) () -> await(vertx.close()))
                      .toArray(Cleanup.Step[]::new)),
          () -> TestRun.deleteTree(dir));
    }
  }

  /**
   * True when the request failed on its way (it timed out or its connection failed); false while the
   * sender does not yet know of the consumer. A reply means the message was delivered: the test fails.
   */
  private static boolean failedInTransit(Future<Message<Object>> request) {
    try {
      Object reply = await(request).body();
      throw new AssertionError("delivered and answered: " + reply);
    } catch (IllegalStateException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return !(cause instanceof ReplyException reply
          && reply.failureType() == ReplyFailure.NO_HANDLERS);
    } catch (ReplyException e) {
      return e.failureType() != ReplyFailure.NO_HANDLERS;
    }
  }

  /**
   * A clustered Vert.x configured as a node is ({@link Clustering}), its Hazelcast member on a port from the OS;
   * the first one started is the member the others join.
   */
  private static Vertx start(List<Vertx> started, String cluster, JsonObject tls) {
    JsonArray members =
        started.isEmpty()
            ? new JsonArray()
            : new JsonArray()
                .add(
                    Clustering.member(
                        (HazelcastClusterManager)
                            ((VertxInternal) started.get(0)).clusterManager()));
    ClusterSettings settings =
        LooplineConfig.defaults()
            .with(
                new JsonObject()
                    .put(
                        "cluster",
                        new JsonObject()
                            .put("enabled", true)
                            .put("name", cluster)
                            .put("hazelcastPort", 0)
                            .put("members", members)
                            .put("heartbeatTimeoutSeconds", 5)
                            .put("tls", tls)))
            .cluster();
    VertxOptions options = new VertxOptions();
    Clustering.eventBus(options, settings);
    Vertx vertx =
        await(
            Vertx.builder()
                .with(options)
                .withClusterManager(Clustering.clusterManager(settings))
                .buildClustered());
    started.add(vertx);
    return vertx;
  }

  private static JsonObject tls(Path keyStore, Path trustStore) {
    return new JsonObject()
        .put("enabled", true)
        .put("keyStore", keyStore.toString())
        .put("keyStorePassword", PASSWORD)
        .put("trustStore", trustStore.toString())
        .put("trustStorePassword", PASSWORD);
  }

  /** A CA ({@code <name>.p12}) and a trust store holding its certificate, which is returned. */
  private static Path authority(Path dir, String name) {
    keytool(
        dir,
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + name,
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-keystore",
        name + ".p12",
        "-storetype",
        "PKCS12",
        "-storepass",
        PASSWORD);
    keytool(
        dir,
        "-exportcert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        name + ".p12",
        "-storepass",
        PASSWORD,
        "-file",
        name + ".pem");
    keytool(
        dir,
        "-importcert",
        "-noprompt",
        "-alias",
        "ca",
        "-file",
        name + ".pem",
        "-keystore",
        name + "-trust.p12",
        "-storetype",
        "PKCS12",
        "-storepass",
        PASSWORD);
    return dir.resolve(name + "-trust.p12");
  }

  /** A node's key store: its key, and its certificate signed by the CA {@code ca}. */
  private static Path node(Path dir, String ca, String name) {
    String store = name + ".p12";
    keytool(
        dir,
        "-genkeypair",
        "-alias",
        "node",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + name,
        "-validity",
        "2",
        "-keystore",
        store,
        "-storetype",
        "PKCS12",
        "-storepass",
        PASSWORD);
    keytool(
        dir,
        "-certreq",
        "-alias",
        "node",
        "-keystore",
        store,
        "-storepass",
        PASSWORD,
        "-file",
        name + ".csr");
    keytool(
        dir,
        "-gencert",
        "-alias",
        "ca",
        "-keystore",
        ca + ".p12",
        "-storepass",
        PASSWORD,
        "-validity",
        "2",
        "-rfc",
        "-infile",
        name + ".csr",
        "-outfile",
        name + ".pem");
    keytool(
        dir,
        "-importcert",
        "-noprompt",
        "-alias",
        "ca",
        "-file",
        ca + ".pem",
        "-keystore",
        store,
        "-storepass",
        PASSWORD);
    keytool(
        dir,
        "-importcert",
        "-alias",
        "node",
        "-file",
        name + ".pem",
        "-keystore",
        store,
        "-storepass",
        PASSWORD);
    return dir.resolve(store);
  }

  private static void keytool(Path dir, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    try {
      Process process =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).as("keytool %s: %s", args[0], output).isZero();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
