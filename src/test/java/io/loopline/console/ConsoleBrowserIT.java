package io.loopline.console;

import static io.loopline.support.TestNode.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.Chromium;
import io.loopline.support.Poll;
import io.loopline.support.Ports;
import io.loopline.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator console at {@code /console/} in real headless Chromium (Debian's {@code chromium} and
 * {@code chromedriver}; fails, never skips, when they are missing): it loads from this origin alone under its
 * strict CSP with no error in the browser's log, its charts draw the node's meters, it shows a dead job and
 * retries it with the admin key, follows a scrape job to done over Server-Sent Events, and lists chat rooms.
 * With {@code auth.required} it asks for a key and works once given one. One screenshot per view is saved
 * under {@code target/console-screenshots/} for people to look at.
 */
class ConsoleBrowserIT {

  private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
  private static final Duration LIMIT = Duration.ofSeconds(45);

  /** The pages the scraper and the webhooks reach: loopback, allowed by {@code scrape.allow}. */
  private static final String SITE_HOST = "127.0.0.2";

  private static final int SITE_PAGES = 40;

  private static TestNode node;
  private static Vertx site;
  private static int sitePort;
  private static final AtomicBoolean hookHealthy = new AtomicBoolean(false);
  private static long item;

  @BeforeAll
  static void start() throws IOException {
    Chromium.assertInstalled();
    Files.createDirectories(SCREENSHOTS);
    site = Vertx.vertx();
    sitePort =
        await(
                site.createHttpServer()
                    .requestHandler(
                        request -> {
                          String path = request.path();
                          if (path.equals("/hook")) {
                            request.response().setStatusCode(hookHealthy.get() ? 200 : 500).end();
                          } else if (path.equals("/hub")) {
                            String links =
                                IntStream.range(0, SITE_PAGES)
                                    .mapToObj(i -> "<a href=\"/p/" + i + "\">page " + i + "</a>")
                                    .collect(Collectors.joining(" "));
                            request
                                .response()
                                .putHeader("Content-Type", "text/html")
                                .end(
                                    "<html><head><title>Hub</title></head><body>"
                                        + links
                                        + "</body></html>");
                          } else {
                            // Each page takes a while, so the job's progress can be watched moving.
                            site.setTimer(
                                250,
                                t ->
                                    request
                                        .response()
                                        .putHeader("Content-Type", "text/html")
                                        .end(
                                            "<html><head><title>Page "
                                                + path
                                                + "</title></head><body>text</body></html>"));
                          }
                        })
                    .listen(0, SITE_HOST))
            .actualPort();
    node =
        TestNode.start(
            new JsonObject()
                .put("metrics", new JsonObject().put("sampleMs", 500))
                .put(
                    "scrape",
                    new JsonObject()
                        .put("allow", new JsonArray().add(SITE_HOST))
                        .put("robots", false)
                        .put("perHostConcurrency", 2))
                .put(
                    "jobs",
                    new JsonObject()
                        .put("pollMs", 100)
                        .put("backoffMs", 50)
                        .put("maxBackoffMs", 100)));
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(
        node,
        () -> {
          if (site != null) {
            await(site.close());
          }
        });
  }

  @Test
  void theOverviewLoadsFromThisOriginAloneAndItsChartsDrawTheNodesMeters() {
    traffic(40);
    WebDriver browser = browser();
    try {
      browser.get(base() + "#/overview");
      waitFor(browser, () -> count(browser, "#nodes tbody tr") == 1);
      assertThat(text(browser, "#nodes tbody tr"))
          .contains("http")
          .contains("persistence")
          .contains("up");
      // Requests keep coming while the charts fill: at least two sampled steps with traffic draw a
      // line.
      waitFor(
          browser,
          () -> {
            traffic(5);
            return count(browser, "#chart-requests svg.chart path.line") > 0
                && count(browser, "#routes tbody tr td.mono") > 0;
          });
      WebElement chart = browser.findElement(By.cssSelector("#chart-requests svg.chart"));
      assertThat(Integer.parseInt(chart.getDomAttribute("data-points"))).isGreaterThanOrEqualTo(2);
      assertThat(
              browser.findElement(By.cssSelector("#chart-requests path.line")).getDomAttribute("d"))
          .contains("L");
      assertThat(texts(browser, "#routes tbody td.mono"))
          .anyMatch(route -> route.startsWith("GET /items"));
      assertThat(count(browser, "#chart-p99 svg.chart path.line")).isPositive();
      assertThat(count(browser, "#chart-cache svg.chart path.line"))
          .as("the near-cache and Redis tiers")
          .isPositive();
      assertThat(text(browser, "#connection")).isEqualTo("live");

      assertOnlyThisOrigin(browser);
      assertNoBrowserErrors(browser);
      screenshot(browser, "overview");
    } finally {
      browser.quit();
    }
  }

  @Test
  void aDeadJobIsShownAndRetriedWithTheAdminKeyAndTheRestInBulk() {
    hookHealthy.set(false);
    List<Long> dead = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      dead.add(
          await(
                  node.client()
                      .post("/jobs")
                      .sendJsonObject(
                          new JsonObject()
                              .put("type", "http")
                              .put("maxAttempts", 1)
                              .put(
                                  "payload",
                                  new JsonObject()
                                      .put(
                                          "url",
                                          "http://" + SITE_HOST + ":" + sitePort + "/hook"))))
              .bodyAsJsonObject()
              .getLong("id"));
    }
    Poll.until(
        "three dead jobs", LIMIT, () -> dead.stream().allMatch(id -> "dead".equals(jobState(id))));
    hookHealthy.set(true);
    WebDriver browser = browser();
    try {
      browser.get(base() + "#/jobs");
      waitFor(browser, () -> count(browser, "#jobs tbody tr[data-state=dead]") == 3);
      assertThat(browser.findElements(By.cssSelector("#bulk button")))
          .as("no write without the admin key")
          .isEmpty();
      pasteKey(browser, TestNode.ADMIN_KEY);
      waitFor(browser, () -> text(browser, "#identity").equals("admin"));
      assertThat(browser.getCurrentUrl()).doesNotContain(TestNode.ADMIN_KEY);
      assertThat(
              (String)
                  ((JavascriptExecutor) browser)
                      .executeScript("return sessionStorage.getItem('loopline.console.key')"))
          .isEqualTo(TestNode.ADMIN_KEY);

      click(browser, By.cssSelector("#job-counts [data-state=dead]"));
      waitFor(
          browser,
          () ->
              count(browser, "#jobs tbody tr") == 3
                  && count(browser, "#jobs tbody tr[data-state=dead]") == 3);
      screenshot(browser, "jobs");
      long first = dead.get(0);
      click(browser, By.cssSelector("#jobs tbody tr[data-id='" + first + "'] td.mono"));
      waitFor(browser, () -> count(browser, "#job-detail #retry") == 1);
      assertThat(text(browser, "#job-state")).isEqualTo("dead");
      assertThat(text(browser, "#job-payload")).contains("/hook");
      screenshot(browser, "job-detail-dead");
      click(browser, By.id("retry"));
      waitFor(browser, () -> text(browser, "#job-state").equals("done"));
      assertThat(jobState(first)).isEqualTo("done");
      screenshot(browser, "job-detail-done");

      assertThat(
              await(
                      node.client()
                          .post("/schedules")
                          .sendJsonObject(
                              new JsonObject()
                                  .put("name", "nightly-report")
                                  .put("cron", "0 3 * * *")
                                  .put("timeZone", "Europe/Paris")
                                  .put(
                                      "job",
                                      new JsonObject()
                                          .put("type", "log")
                                          .put(
                                              "payload",
                                              new JsonObject().put("message", "report")))))
                  .statusCode())
          .isEqualTo(201);
      browser.get(base() + "#/jobs/schedules");
      waitFor(browser, () -> text(browser, "#schedules tbody").contains("nightly-report"));
      click(browser, By.xpath("//table[@id='schedules']//button[text()='Pause']"));
      waitFor(browser, () -> text(browser, "#schedules tbody").contains("paused"));
      screenshot(browser, "schedules");

      browser.get(base() + "#/jobs");
      waitFor(browser, () -> count(browser, "#jobs tbody tr[data-state=dead]") == 2);
      click(browser, By.xpath("//div[@id='bulk']//button[text()='Retry all dead']"));
      // The second click confirms.
      click(browser, By.xpath("//div[@id='bulk']//button[text()='Confirm: retry all dead']"));
      Poll.until(
          "the other dead jobs done",
          LIMIT,
          () -> dead.stream().allMatch(id -> "done".equals(jobState(id))));
      waitFor(browser, () -> count(browser, "#jobs tbody tr[data-state=dead]") == 0);
      assertNoBrowserErrors(browser);
    } finally {
      browser.quit();
    }
  }

  @Test
  void aScrapeJobsProgressIsFollowedLiveToDone() {
    WebDriver browser = browser();
    try {
      browser.get(base() + "#/scrapes");
      waitFor(browser, () -> count(browser, "#scrape-jobs tbody tr") >= 1);
      long id =
          await(
                  node.client()
                      .post("/scrape-jobs")
                      .sendJsonObject(
                          new JsonObject()
                              .put(
                                  "urls",
                                  new JsonArray()
                                      .add("http://" + SITE_HOST + ":" + sitePort + "/hub"))
                              .put(
                                  "options",
                                  new JsonObject().put("depth", 1).put("robots", false))))
              .bodyAsJsonObject()
              .getLong("id");
      browser.get(base() + "#/scrapes/" + id);
      List<Integer> seen = new ArrayList<>();
      waitFor(
          browser,
          () -> {
            String done = tileValue(browser, "Done");
            if (done != null && !done.isEmpty()) {
              seen.add(Integer.parseInt(done.replace(",", "")));
            }
            return "done"
                .equals(
                    browser.findElement(By.id("scrape-progress")).getDomAttribute("data-state"));
          });
      seen.add(Integer.parseInt(tileValue(browser, "Done").replace(",", "")));
      assertThat(seen)
          .as("pages done as the stream showed them")
          .isSorted()
          .anyMatch(n -> n > 0 && n < SITE_PAGES + 1)
          .contains(SITE_PAGES + 1);
      assertThat(tileValue(browser, "Total")).isEqualTo(String.valueOf(SITE_PAGES + 1));
      assertThat(text(browser, "#stream-state")).isEqualTo("finished");
      waitFor(
          browser,
          () -> count(browser, "#scrape-results tbody tr[data-state=done]") == SITE_PAGES + 1);
      assertThat(texts(browser, "#scrape-results tbody td:nth-child(4)")).contains("Hub");
      screenshot(browser, "scrape-job");
      browser.get(base() + "#/scrapes");
      waitFor(browser, () -> count(browser, "#scrape-jobs tbody tr[data-id='" + id + "']") == 1);
      screenshot(browser, "scrapes");
      assertNoBrowserErrors(browser);
    } finally {
      browser.quit();
    }
  }

  @Test
  void chatRoomsAndStreamsWithTheirDevicesAreShown() {
    for (int i = 0; i < 5; i++) {
      assertThat(
              await(
                      node.client()
                          .post("/chat/rooms/lobby/messages")
                          .sendJsonObject(
                              new JsonObject().put("sender", "ops").put("text", "message " + i)))
                  .statusCode())
          .isEqualTo(201);
    }
    WebDriver browser = browser();
    try {
      browser.get(base() + "#/chat");
      waitFor(browser, () -> count(browser, "#rooms tbody tr[data-room=lobby]") == 1);
      assertThat(text(browser, "#rooms tbody tr[data-room=lobby]")).contains("5");
      assertThat(count(browser, "#chat-rate svg.chart path.line")).isPositive();
      screenshot(browser, "chat");
      upload("boiler-1", 20.0, "boiler-2", 30.0);
      browser.get(base() + "#/streams");
      waitFor(
          browser,
          () ->
              count(browser, "#streams tbody tr") == 1
                  && text(browser, "#streams tbody").contains("telemetry"));
      assertThat(text(browser, "#streams tbody tr")).contains("10");
      screenshot(browser, "streams");
      browser.get(base() + "#/streams/telemetry");
      waitFor(browser, () -> text(browser, "#stream-live").equals("live"));
      // Records stored while the page watches arrive over /live: each device's latest value and a
      // small chart.
      for (int i = 1; i <= 4; i++) {
        upload("boiler-1", 20.0 + i, "boiler-2", 30.0 - i);
      }
      waitFor(
          browser,
          () ->
              count(browser, "#devices tbody tr") == 2
                  && text(browser, "#devices tbody").contains("26"));
      assertThat(count(browser, "#devices svg.spark path")).isEqualTo(2);
      assertThat(count(browser, "#stream-rate svg.chart path.line")).isPositive();
      screenshot(browser, "stream");
      assertNoBrowserErrors(browser);
    } finally {
      browser.quit();
    }
  }

  @Test
  void withAuthRequiredTheConsoleAsksForAKeyAndWorksWithIt() {
    try (TestNode locked =
        TestNode.start(new JsonObject().put("auth", new JsonObject().put("required", true)))) {
      WebDriver browser = browser();
      try {
        browser.get("http://127.0.0.1:" + locked.port() + "/console/#/overview");
        waitFor(browser, () -> text(browser, "#banner").contains("needs an API key"));
        assertThat(count(browser, "#nodes tbody tr")).isZero();
        pasteKey(browser, TestNode.ADMIN_KEY);
        waitFor(browser, () -> count(browser, "#nodes tbody tr") == 1);
        assertThat(browser.findElement(By.id("banner")).isDisplayed()).isFalse();
        assertThat(browser.getCurrentUrl()).doesNotContain(TestNode.ADMIN_KEY);
      } finally {
        browser.quit();
      }
    }
  }

  @Test
  void theConsoleCarriesOnByItselfAfterItsNodeRestarts() {
    // The database outlives the nodes (its holder has only the persistence role); the restarted
    // node takes
    // the same port, so the page's origin stays while the node behind it changes.
    TestNode holder =
        TestNode.start(new JsonObject().put("roles", new JsonArray().add("persistence")));
    int port = Ports.free();
    JsonObject onPort =
        new JsonObject()
            .put("http", new JsonObject().put("port", port))
            .put("metrics", new JsonObject().put("sampleMs", 500));
    TestNode first = null;
    TestNode second = null;
    WebDriver browser = null;
    try {
      first = Ports.retryOnConflict(() -> TestNode.join(holder, onPort));
      browser = browser();
      WebDriver page = browser;
      page.get("http://127.0.0.1:" + port + "/console/#/overview");
      waitFor(
          page, () -> count(page, "#nodes tbody tr") == 1 && !text(page, "#footer-node").isEmpty());
      String before = text(page, "#footer-node");
      first.close();
      first = null;
      waitFor(page, () -> text(page, "#connection").equals("offline"));
      second = Ports.retryOnConflict(() -> TestNode.join(holder, onPort));
      waitFor(
          page,
          () ->
              text(page, "#connection").equals("live")
                  && count(page, "#nodes tbody tr") == 1
                  && !text(page, "#nodes tbody").contains(before.replace("served by node ", "")));
      assertThat(page.findElement(By.id("banner")).isDisplayed()).isFalse();
      assertThat(text(page, "#nodes tbody"))
          .as("the new node, found without a reload")
          .doesNotContain(before.replace("served by node ", ""));
    } finally {
      if (browser != null) {
        browser.quit();
      }
      TestNode.closeAll(second, first, holder);
    }
  }

  @Test
  void aScrapeJobFollowedAcrossANodeRestartResumesWithLastEventId() {
    TestNode holder =
        TestNode.start(new JsonObject().put("roles", new JsonArray().add("persistence")));
    int port = Ports.free();
    // A short drain: the event stream is cut while the job still runs (a long one would let it
    // finish first).
    JsonObject onPort =
        new JsonObject()
            .put("http", new JsonObject().put("port", port).put("shutdownTimeoutSeconds", 1))
            .put(
                "scrape",
                new JsonObject()
                    .put("allow", new JsonArray().add(SITE_HOST))
                    .put("robots", false)
                    .put("perHostConcurrency", 1));
    TestNode first = null;
    TestNode second = null;
    WebDriver browser = null;
    try {
      first = Ports.retryOnConflict(() -> TestNode.join(holder, onPort));
      long id =
          await(
                  first
                      .client()
                      .post("/scrape-jobs")
                      .sendJsonObject(
                          new JsonObject()
                              .put(
                                  "urls",
                                  new JsonArray()
                                      .add("http://" + SITE_HOST + ":" + sitePort + "/hub"))
                              .put(
                                  "options",
                                  new JsonObject().put("depth", 1).put("robots", false))))
              .bodyAsJsonObject()
              .getLong("id");
      browser = browser();
      WebDriver page = browser;
      // Every Last-Event-ID the page sends is noted (DevTools scripts run before the page's own,
      // CSP aside).
      ((ChromeDriver) page)
          .executeCdpCommand(
              "Page.addScriptToEvaluateOnNewDocument",
              Map.of(
                  "source",
                  "window.lastEventIds = []; const f = window.fetch; window.fetch = (u, o) => {"
                      + " const h = o && o.headers && o.headers['Last-Event-ID']; if (h) window.lastEventIds.push(h); return f(u, o); };"));
      page.get("http://127.0.0.1:" + port + "/console/#/scrapes/" + id);
      waitFor(page, () -> intTile(page, "Done") >= 3);
      first.close();
      first = null;
      second = Ports.retryOnConflict(() -> TestNode.join(holder, onPort));
      waitFor(
          page,
          () ->
              "done"
                  .equals(
                      page.findElement(By.id("scrape-progress")).getDomAttribute("data-state")));
      waitFor(
          page, () -> count(page, "#scrape-results tbody tr[data-state=done]") == SITE_PAGES + 1);
      @SuppressWarnings("unchecked")
      List<String> sent =
          (List<String>) ((JavascriptExecutor) page).executeScript("return window.lastEventIds");
      assertThat(sent)
          .as("the reconnects resumed after the last event seen")
          .isNotEmpty()
          .allMatch(v -> v.matches("\\d+"));
      assertThat(intTile(page, "Done")).isEqualTo(SITE_PAGES + 1);
    } finally {
      if (browser != null) {
        browser.quit();
      }
      TestNode.closeAll(second, first, holder);
    }
  }

  private static int intTile(WebDriver browser, String label) {
    String value = tileValue(browser, label);
    return value == null || value.isEmpty() ? -1 : Integer.parseInt(value.replace(",", ""));
  }

  // --- helpers

  private static String base() {
    return "http://127.0.0.1:" + node.port() + "/console/";
  }

  /** Five records of each of two devices in the stream {@code telemetry}, the values rising from {@code a} and {@code b}. */
  private static void upload(String deviceA, double a, String deviceB, double b) {
    StringBuilder ndjson = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      ndjson
          .append(new JsonObject().put("device", deviceA).put("value", a + i / 10.0).encode())
          .append('\n');
      ndjson
          .append(new JsonObject().put("device", deviceB).put("value", b + i / 10.0).encode())
          .append('\n');
    }
    var stored =
        await(
            node.client()
                .post("/streams/telemetry/records")
                .putHeader("Content-Type", "application/x-ndjson")
                .sendBuffer(io.vertx.core.buffer.Buffer.buffer(ndjson.toString())));
    assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(200);
  }

  /** Item reads, by list and by id (through the cache tiers), for the charts to draw. */
  private static void traffic(int requests) {
    if (item == 0) {
      item =
          await(
                  node.client()
                      .post("/items")
                      .sendJsonObject(new JsonObject().put("name", "Widget").put("price", "1.00")))
              .bodyAsJsonObject()
              .getLong("id");
    }
    for (int i = 0; i < requests; i++) {
      await(node.client().get("/items?limit=5").send());
      await(node.client().get("/items/" + item).send());
    }
  }

  private static String jobState(long id) {
    return await(node.client().get("/jobs/" + id).send()).bodyAsJsonObject().getString("state");
  }

  private static void pasteKey(WebDriver browser, String key) {
    click(browser, By.id("key-button"));
    waitFor(
        browser,
        () -> {
          browser.findElement(By.id("key-input")).sendKeys(key);
          return true;
        });
    click(browser, By.id("key-save"));
  }

  /** A tile's value, read in one script: the tiles are redrawn with every event. */
  private static String tileValue(WebDriver browser, String label) {
    return (String)
        ((JavascriptExecutor) browser)
            .executeScript(
                "const tile = [...document.querySelectorAll('#scrape-progress .tile')]"
                    + ".find(t => t.querySelector('.label').textContent.toLowerCase() === arguments[0].toLowerCase());"
                    + "return tile ? tile.querySelector('.value').textContent : null;",
                label);
  }

  /** Every resource the page loaded (documents, scripts, styles, fetches) came from the node itself. */
  private static void assertOnlyThisOrigin(WebDriver browser) {
    @SuppressWarnings("unchecked")
    List<String> urls =
        (List<String>)
            ((JavascriptExecutor) browser)
                .executeScript(
                    "return performance.getEntries().map(e => e.name).filter(n => n.startsWith('http'))");
    assertThat(urls)
        .isNotEmpty()
        .allMatch(url -> url.startsWith("http://127.0.0.1:" + node.port() + "/"));
  }

  /** No script error and no Content-Security-Policy violation in the browser's console. */
  private static void assertNoBrowserErrors(WebDriver browser) {
    List<String> severe =
        browser.manage().logs().get(LogType.BROWSER).getAll().stream()
            .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
            .map(LogEntry::getMessage)
            // A stream the page closes on purpose (leaving a view) is logged by Chromium as a
            // failed fetch.
            .filter(m -> !m.contains("net::ERR_ABORTED"))
            // The streams view asks whether this server has streaming ingest: a 404 is its answer,
            // not an error.
            .filter(m -> !(m.contains("/streams?") && m.contains("status of 404")))
            .toList();
    assertThat(severe).isEmpty();
  }

  private static void screenshot(WebDriver browser, String name) {
    try {
      browser.manage().window().setSize(new Dimension(1400, 1600));
      File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
      Files.copy(
          shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
      browser.manage().window().setSize(new Dimension(1400, 1000));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static WebDriver browser() {
    return Chromium.start(1400, 1000);
  }

  private static void waitFor(WebDriver browser, Supplier<Boolean> condition) {
    new WebDriverWait(browser, LIMIT).until(d -> condition.get());
  }

  /**
   * Clicks the element once it is there: views redraw as data arrives (for example when the key is accepted),
   * so an element found a moment ago may be replaced, or not drawn yet.
   */
  private static void click(WebDriver browser, By by) {
    waitFor(
        browser,
        () -> {
          try {
            browser.findElement(by).click();
            return true;
          } catch (NoSuchElementException | StaleElementReferenceException e) {
            return false;
          }
        });
  }

  private static int count(WebDriver browser, String css) {
    return browser.findElements(By.cssSelector(css)).size();
  }

  /** The visible text of the first match ("" when there is none yet), read in one script: views redraw as data arrives. */
  private static String text(WebDriver browser, String css) {
    return (String)
        ((JavascriptExecutor) browser)
            .executeScript(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : '';",
                css);
  }

  @SuppressWarnings("unchecked")
  private static List<String> texts(WebDriver browser, String css) {
    return (List<String>)
        ((JavascriptExecutor) browser)
            .executeScript(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText.trim());",
                css);
  }
}
