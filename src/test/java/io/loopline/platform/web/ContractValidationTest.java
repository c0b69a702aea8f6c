package io.loopline.platform.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Parameter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fast check of id path parameters: the same values as the schema validator, typed as its transformer types them. */
class ContractValidationTest {

  @Test
  void aPositiveIdIsReadByItsDigitsAndAnythingElseIsLeftToTheSchema() {
    assertThat(ContractValidation.positiveId("1")).isEqualTo(1);
    assertThat(ContractValidation.positiveId("2147483647")).isInstanceOf(Integer.class);
    assertThat(ContractValidation.positiveId("2147483648"))
        .isEqualTo(2147483648L)
        .isInstanceOf(Long.class);
    assertThat(ContractValidation.positiveId("999999999999999999"))
        .isEqualTo(999_999_999_999_999_999L);
    for (String other :
        List.of("", "0", "01", "-1", "+1", "1a", " 1", "1.0", "1e3", "1234567890123456789", "٣")) {
      assertThat(ContractValidation.positiveId(other)).as(other).isNull();
    }
  }

  @Test
  void theContractsIdParametersAreRecognised() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      OpenAPIContract contract =
          Contract.load(vertx).toCompletionStage().toCompletableFuture().get().openApi();
      Parameter itemId =
          contract.operation("getItem").getParameters().stream()
              .filter(p -> p.getName().equals("id"))
              .findFirst()
              .orElseThrow();
      assertThat(ContractValidation.isPositiveId(itemId)).isTrue();
      Parameter cacheKey =
          contract.operation("getCacheValue") == null
              ? null
              : contract.operation("getCacheValue").getParameters().get(0);
      if (cacheKey != null) {
        assertThat(ContractValidation.isPositiveId(cacheKey)).isFalse();
      }
      Parameter limit =
          contract.operation("listItems").getParameters().stream()
              .filter(p -> p.getName().equals("limit"))
              .findFirst()
              .orElseThrow();
      assertThat(ContractValidation.isPositiveId(limit)).as("a query parameter").isFalse();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }
}
