package io.loopline.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopline.support.Chromium;
import io.loopline.support.TcpProxy;
import io.loopline.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The chat page in a real browser: two headless Chromium sessions on {@code /chat/} see each other join
 * and talk. Uses Debian's {@code chromium} and {@code chromedriver} (CI installs them); fails, never
 * skips, when they are missing. The browser resolves no host but loopback and fetches nothing else.
 */
class ChatBrowserIT {

  private static TestNode node;

  @BeforeAll
  static void start() {
    Chromium.assertInstalled();
    node = TestNode.start();
  }

  @AfterAll
  static void stop() {
    TestNode.closeAll(node);
  }

  private static WebDriver browser() {
    return Chromium.start(1200, 900);
  }

  @Test
  void twoPeopleOnThePageSeeEachOtherJoinAndTalk() {
    String base = "http://127.0.0.1:" + node.port() + "/chat/";
    WebDriver ada = browser();
    try {
      WebDriver grace = browser();
      try {
        join(ada, base, "Ada", "browsers");
        join(grace, base, "Grace", "browsers");
        waitFor(ada, () -> names(ada, "#members li").contains("Grace"));
        assertThat(texts(ada, "#log li.event")).contains("Grace joined");

        say(ada, "Hello from Ada");
        waitFor(grace, () -> texts(grace, "#log li.message .text").contains("Hello from Ada"));
        say(grace, "Hi Ada, Grace here");
        waitFor(ada, () -> texts(ada, "#log li.message .text").contains("Hi Ada, Grace here"));

        assertThat(texts(ada, "#log li.message .text"))
            .containsExactly("Hello from Ada", "Hi Ada, Grace here");
        assertThat(texts(grace, "#log li.message .sender")).containsExactly("Ada", "Grace");
        assertThat(names(grace, "#members li")).containsExactlyInAnyOrder("Ada", "Grace");

        // Markup in a message is shown as text, never run.
        say(grace, "<img src=x onerror=alert(1)>");
        waitFor(
            ada,
            () -> texts(ada, "#log li.message .text").contains("<img src=x onerror=alert(1)>"));
        assertThat(ada.findElements(By.cssSelector("#log img"))).isEmpty();

        grace.findElement(By.id("leave")).click();
        waitFor(ada, () -> texts(ada, "#log li.event").contains("Grace left"));
      } finally {
        grace.quit();
      }
      // History: a newcomer sees what was said before.
      WebDriver linus = browser();
      try {
        join(linus, base, "Linus", "browsers");
        waitFor(linus, () -> texts(linus, "#log li.message .text").contains("Hi Ada, Grace here"));
      } finally {
        linus.quit();
      }
    } finally {
      ada.quit();
    }
  }

  /**
   * The page's socket goes through a proxy that the test cuts: the page tries again, and once it is back it
   * asks for what it missed ({@code ?since=}), so a message said meanwhile shows, once.
   */
  @Test
  void aPageWhoseSocketDroppedReconnectsAndShowsWhatItMissedOnce() {
    try (TcpProxy proxy = new TcpProxy("127.0.0.1", node.port())) {
      WebDriver ada = browser();
      try {
        join(ada, "http://127.0.0.1:" + proxy.port() + "/chat/", "Ada", "dropped");
        say(ada, "before the drop");
        waitFor(ada, () -> texts(ada, "#log li.message .text").contains("before the drop"));

        proxy.stop();
        waitFor(ada, () -> ada.findElement(By.id("status")).getText().contains("reconnecting"));
        HttpResponse<Buffer> said =
            TestNode.await(
                node.client()
                    .post("/chat/rooms/dropped/messages")
                    .sendJsonObject(
                        new JsonObject()
                            .put("sender", "Grace")
                            .put("text", "while you were away")));
        assertThat(said.statusCode()).isEqualTo(201);
        proxy.start();

        new WebDriverWait(ada, Duration.ofSeconds(30))
            .until(
                ExpectedConditions.textToBePresentInElementLocated(
                    By.id("status"), "Connected to dropped"));
        waitFor(ada, () -> texts(ada, "#log li.message .text").contains("while you were away"));
        assertThat(texts(ada, "#log li.message .text"))
            .containsExactly("before the drop", "while you were away");
        say(ada, "after the drop");
        waitFor(ada, () -> texts(ada, "#log li.message .text").contains("after the drop"));
      } finally {
        ada.quit();
      }
    }
  }

  private static void join(WebDriver browser, String base, String name, String room) {
    browser.get(base);
    browser.findElement(By.id("name")).sendKeys(name);
    WebElement roomField = browser.findElement(By.id("room"));
    roomField.clear();
    roomField.sendKeys(room);
    browser.findElement(By.id("join")).click();
    new WebDriverWait(browser, Duration.ofSeconds(20))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("status"), "Connected to " + room));
  }

  private static void say(WebDriver browser, String text) {
    browser.findElement(By.id("text")).sendKeys(text);
    browser.findElement(By.id("send")).click();
  }

  private static void waitFor(WebDriver browser, java.util.function.Supplier<Boolean> condition) {
    new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> condition.get());
  }

  private static List<String> texts(WebDriver browser, String css) {
    return browser.findElements(By.cssSelector(css)).stream().map(WebElement::getText).toList();
  }

  private static List<String> names(WebDriver browser, String css) {
    return texts(browser, css);
  }
}
