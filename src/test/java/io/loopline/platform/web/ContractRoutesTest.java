package io.loopline.platform.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The check the HTTP verticle makes before it listens ({@link Contract#unmounted}): on a router builder
 * where nothing is mounted, it names every operation of the contract.
 */
@ExtendWith(VertxExtension.class)
class ContractRoutesTest {

  @Test
  void unmountedNamesEveryOperationWithoutAHandler(Vertx vertx, VertxTestContext test)
      throws Exception {
    List<String> operationIds = operationIds();
    assertThat(operationIds).hasSizeGreaterThan(10);
    Contract.load(vertx)
        .onComplete(
            test.succeeding(
                contract ->
                    test.verify(
                        () -> {
                          RouterBuilder builder = RouterBuilder.create(vertx, contract.openApi());
                          assertThat(Contract.unmounted(builder))
                              .containsExactlyElementsOf(operationIds);
                          builder.getRoute(operationIds.get(0)).addHandler(ctx -> ctx.end());
                          assertThat(Contract.unmounted(builder))
                              .containsExactlyElementsOf(
                                  operationIds.subList(1, operationIds.size()));
                          test.completeNow();
                        })));
  }

  /** The operationIds written in the contract file, sorted. */
  private static List<String> operationIds() throws Exception {
    Matcher m =
        Pattern.compile("(?m)^\\s+operationId:\\s*(\\S+)\\s*$")
            .matcher(Files.readString(Path.of("src/main/resources", Contract.PATH)));
    return m.results().map(r -> r.group(1)).sorted().distinct().collect(Collectors.toList());
  }
}
