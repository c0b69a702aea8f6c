package io.loopline.support;

import static io.loopline.support.TestNode.await;

/** A node's {@code /metrics} as an operator's scraper reads it. */
public final class Prometheus {

  private Prometheus() {}

  /**
   * The value of one series, named with its labels as the exposition writes them
   * ({@code loopline_chat_history_failed_total} or {@code name{label="v"}}); 0 when the series is absent.
   */
  public static double value(TestNode node, String series) {
    String text = await(node.client().get("/metrics").send()).bodyAsString();
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return 0;
  }
}
