package io.loopline.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.logging.Level;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium driven by Debian's chromedriver (CI installs both; a test fails, never skips,
 * without them): a fresh profile each time, nothing fetched in the background, and a host resolver that knows
 * no host but 127.0.0.1, so a page cannot reach anything else. The browser's console log is kept.
 */
public final class Chromium {

  private static final File BINARY =
      new File(System.getProperty("loopline.chromium", "/usr/bin/chromium"));
  private static final File DRIVER =
      new File(System.getProperty("loopline.chromedriver", "/usr/bin/chromedriver"));

  private Chromium() {}

  /** Fails the test when Debian's chromium or chromedriver is missing. */
  public static void assertInstalled() {
    assertThat(BINARY.canExecute())
        .as("Debian's chromium (apt-get install chromium chromium-driver; .ci/run does)")
        .isTrue();
    assertThat(DRIVER.canExecute())
        .as("Debian's chromedriver (apt-get install chromium-driver)")
        .isTrue();
  }

  /** A new browser window of this size; quit it when done. */
  public static WebDriver start(int width, int height) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BINARY);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-sync",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--metrics-recording-only",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--window-size=" + width + "," + height,
        "--user-data-dir=" + TestNode.tempDir());
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(DRIVER).usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }
}
