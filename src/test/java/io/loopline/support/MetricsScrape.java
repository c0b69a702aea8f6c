package io.loopline.support;

import static io.loopline.support.TestNode.await;

/** Values of a node's {@code /metrics}, as Prometheus would scrape them. */
public final class MetricsScrape {

  private MetricsScrape() {}

  /** The value of one series, named with its labels as exposed ({@code name{label="value"}}); 0 when absent. */
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
