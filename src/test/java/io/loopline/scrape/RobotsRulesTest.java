package io.loopline.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * robots.txt as RFC 9309 and Google's parser read it: group selection, longest match, Allow on ties,
 * {@code *} and {@code $}, percent-encoding, Crawl-delay, the bounds on hostile files, and a matcher
 * that stays linear where a regular expression backtracks.
 */
class RobotsRulesTest {

  private static RobotsRules rules(String text) {
    return RobotsRules.parse(text, "loopline");
  }

  // ---- the reference: the spec read literally, backtracking, for small inputs only ----

  /** RFC 9309 2.2.3: {@code *} is any run of characters, a final {@code $} the end; else octet by octet. */
  static boolean referenceMatches(String path, String pattern) {
    boolean anchored = pattern.endsWith("$");
    String p = anchored ? pattern.substring(0, pattern.length() - 1) : pattern;
    return referenceMatches(path, 0, p, 0, anchored);
  }

  private static boolean referenceMatches(String s, int i, String p, int j, boolean anchored) {
    if (j == p.length()) {
      return !anchored || i == s.length();
    }
    if (p.charAt(j) == '*') {
      for (int k = i; k <= s.length(); k++) {
        if (referenceMatches(s, k, p, j + 1, anchored)) {
          return true;
        }
      }
      return false;
    }
    return i < s.length()
        && s.charAt(i) == p.charAt(j)
        && referenceMatches(s, i + 1, p, j + 1, anchored);
  }

  record Line(boolean allow, String pattern) {}

  /** RFC 9309 2.2.2: the most specific (longest) matching rule decides, Allow on a tie, nothing matching allows. */
  static boolean referenceAllows(List<Line> lines, String path) {
    int best = -1;
    boolean allowed = true;
    for (Line line : lines) {
      if (!line.pattern().isEmpty() && referenceMatches(path, line.pattern())) {
        int length = line.pattern().length();
        if (length > best) {
          best = length;
          allowed = line.allow();
        } else if (length == best) {
          allowed |= line.allow();
        }
      }
    }
    return allowed;
  }

  @Provide
  Arbitrary<String> patterns() {
    // A small alphabet makes matches, near misses and repeated pieces likely.
    return Arbitraries.strings()
        .withChars('/', 'a', 'b', '*', '$', '.')
        .ofMinLength(0)
        .ofMaxLength(9)
        .map(s -> (s.startsWith("*") ? "" : "/") + s);
  }

  @Provide
  Arbitrary<String> paths() {
    return Arbitraries.strings()
        .withChars('/', 'a', 'b', '$', '.', '*')
        .ofMinLength(0)
        .ofMaxLength(14)
        .map(s -> "/" + s);
  }

  @Provide
  Arbitrary<List<Line>> ruleSets() {
    Arbitrary<Line> line =
        Combinators.combine(Arbitraries.of(true, false), patterns()).as(Line::new);
    return line.list().ofMinSize(0).ofMaxSize(6);
  }

  @Property(tries = 3000)
  void onePatternMatchesAsTheReferenceDoes(
      @ForAll("patterns") String pattern, @ForAll("paths") String path) {
    assertThat(new RobotsPattern(pattern).matches(path))
        .as("%s against %s", pattern, path)
        .isEqualTo(referenceMatches(path, pattern));
  }

  @Property(tries = 2000)
  void aRuleSetDecidesAsTheReferenceDoes(
      @ForAll("ruleSets") List<Line> lines, @ForAll("paths") String path) {
    StringBuilder text = new StringBuilder("User-agent: *\n");
    lines.forEach(
        l -> text.append(l.allow() ? "Allow: " : "Disallow: ").append(l.pattern()).append('\n'));

    assertThat(rules(text.toString()).allows(path))
        .as("%s%s", text, path)
        .isEqualTo(referenceAllows(lines, path));
  }

  // ---- the examples of RFC 9309 and Google's documentation ----

  @Example
  void theLongestMatchWinsAndAllowWinsATie() {
    RobotsRules r =
        rules(
            """
        User-agent: *
        Disallow: /private
        Allow: /private/open
        Disallow: /*.pdf$
        Allow: /page
        Disallow: /page
        """);
    assertThat(r.allows("/")).isTrue();
    assertThat(r.allows("/private/x")).isFalse();
    assertThat(r.allows("/private/open/x")).isTrue();
    assertThat(r.allows("/a/b.pdf")).isFalse();
    assertThat(r.allows("/a/b.pdf?x")).isTrue();
    assertThat(r.allows("/page/1")).isTrue();
  }

  @Example
  void wildcardsFollowGooglesExamples() {
    RobotsRules r =
        rules("User-agent: *\nDisallow: /fish*.php\nDisallow: /*.gif$\nAllow: /$\nDisallow: /\n");
    assertThat(r.allows("/fish.php")).isFalse();
    assertThat(r.allows("/fishheads/catfish.php?parameters")).isFalse();
    assertThat(r.allows("/Fish.PHP")).isFalse(); // falls to Disallow: /, case-sensitive paths
    assertThat(r.allows("/")).isTrue();
    assertThat(r.allows("/x.gif")).isFalse();
    assertThat(rules("User-agent: *\nDisallow: /*.gif$\n").allows("/x.gif?y")).isTrue();
  }

  @Example
  void ourGroupIsObeyedCombinedAndElseTheStarGroups() {
    String text =
        """
        User-agent: other
        Disallow: /

        User-agent: *
        Disallow: /star

        User-agent: Loopline/0.1
        Disallow: /a

        User-agent: googlebot
        user-agent: LOOPLINE
        Disallow: /b
        """;
    RobotsRules r = rules(text);
    assertThat(r.allows("/a/1")).isFalse();
    assertThat(r.allows("/b/1")).isFalse();
    assertThat(r.allows("/star")).isTrue(); // the * group is not ours when a group names us
    assertThat(RobotsRules.parse(text, "somebot").allows("/star")).isFalse();
    assertThat(RobotsRules.parse(text, "somebot").allows("/a")).isTrue();
    // A group naming us without rules (at the end of the file) allows everything: the * group is
    // not consulted.
    assertThat(rules("User-agent: *\nDisallow: /\n\nUser-agent: loopline\n").allows("/x")).isTrue();
    // User-agent lines in a row, blank lines between them or not, start one group.
    assertThat(rules("User-agent: loopline\n\nUser-agent: *\nDisallow: /\n").allows("/x"))
        .isFalse();
    // A prefix of our name is not our name.
    assertThat(rules("User-agent: loop\nDisallow: /\n").allows("/x")).isTrue();
    assertThat(rules("User-agent: Loopline\nDisallow: /\n\nUser-agent: *\nAllow: /\n").allows("/x"))
        .isFalse();
  }

  @Example
  void rulesBeforeAnyGroupCommentsAndOddLineEndsAreHandled() {
    RobotsRules r =
        rules(
            "Disallow: /orphan\r\nUser-agent: * # everyone\r\nDisallow: /x # not /y\rAllow: /x/y\n");
    assertThat(r.allows("/orphan")).isTrue();
    assertThat(r.allows("/x")).isFalse();
    assertThat(r.allows("/x/y")).isTrue();
    assertThat(r.allows("/y")).isTrue();
    assertThat(rules("User-agent: *\nDisallow:\n").allows("/anything"))
        .isTrue(); // empty Disallow: nothing
    assertThat(rules("garbage\n\0\uD800\nUser-agent: *\nDisallow: /z").allows("/z")).isFalse();
  }

  @Example
  void percentEncodingIsComparedInOneForm() {
    // RFC 9309 2.2.2's table: unreserved escapes decoded, non-ASCII encoded, reserved escapes kept.
    assertThat(rules("User-agent: *\nDisallow: /foo/bar/baz\n").allows("/foo/bar/%62%61%7A"))
        .isFalse();
    assertThat(rules("User-agent: *\nDisallow: /foo/bar/%62%61%7A\n").allows("/foo/bar/baz"))
        .isFalse();
    assertThat(rules("User-agent: *\nDisallow: /foo/bar/ツ\n").allows("/foo/bar/%E3%83%84"))
        .isFalse();
    assertThat(rules("User-agent: *\nDisallow: /foo/bar/%E3%83%84\n").allows("/foo/bar/%e3%83%84"))
        .isFalse();
    assertThat(rules("User-agent: *\nDisallow: /a%2Fb\n").allows("/a/b")).isTrue();
    assertThat(RobotsPattern.canonical("/\uD800x")).isEqualTo("/%EF%BF%BDx");
  }

  @Example
  void crawlDelayIsReadFromTheObeyedGroup() {
    assertThat(rules("User-agent: *\nCrawl-delay: 2\nDisallow: /x\n").crawlDelayMs())
        .isEqualTo(2000);
    assertThat(rules("User-agent: *\nCrawl-delay: 0.25\n").crawlDelayMs()).isEqualTo(250);
    assertThat(
            rules("User-agent: loopline\nCrawl-delay: 3\n\nUser-agent: *\nCrawl-delay: 9\n")
                .crawlDelayMs())
        .isEqualTo(3000);
    assertThat(rules("User-agent: other\nCrawl-delay: 3\n").crawlDelayMs()).isZero();
    assertThat(
            rules("User-agent: *\nCrawl-delay: soon\nCrawl-delay: -4\nCrawl-delay: NaN\n")
                .crawlDelayMs())
        .isZero();
    // Crawl-delay closes the list of agents like a rule: the next User-agent starts a new group.
    RobotsRules r = rules("User-agent: *\nCrawl-delay: 1\nUser-agent: other\nDisallow: /\n");
    assertThat(r.allows("/x")).isTrue();
    assertThat(r.crawlDelayMs()).isEqualTo(1000);
  }

  @Example
  void aHostileFileIsBoundedInRulesAndPatternLength() {
    StringBuilder text = new StringBuilder("User-agent: *\n");
    for (int i = 0; i < RobotsRules.MAX_RULES + 500; i++) {
      text.append("Disallow: /r").append(i).append("$\n");
    }
    text.append("Disallow: /").append("x".repeat(RobotsRules.MAX_PATTERN)).append('\n');
    RobotsRules r = rules(text.toString());

    assertThat(r.size()).isEqualTo(RobotsRules.MAX_RULES);
    assertThat(r.allows("/r0")).isFalse();
    assertThat(r.allows("/r" + (RobotsRules.MAX_RULES - 1))).isFalse();
    assertThat(r.allows("/r" + (RobotsRules.MAX_RULES + 1))).isTrue();
  }

  /**
   * The hostile file: a pattern of many {@code *} against a long path that almost matches. The
   * regular expression this replaced ({@code .*a.*a...b}) took 1.5 s for six stars on 50 characters and
   * did not finish in minutes at twelve; here the worst case of every rule the file may hold, against the
   * longest path the scraper fetches, stays under 10 ms per decision.
   */
  @Example
  void theWorstCaseIsLinear() {
    String path = "/" + "a".repeat(ScrapeUrls.MAX_LENGTH - 1);
    String worst = "/" + "*a".repeat(RobotsRules.MAX_PATTERN / 2 - 2) + "b";
    RobotsRules one = rules("User-agent: *\nDisallow: " + worst + "\n");
    assertThat(worstOf(() -> one.allows(path))).isLessThan(10_000_000L);
    assertThat(one.allows(path)).isTrue();
    assertThat(one.allows(path.substring(0, 1500) + "b")).isFalse();

    StringBuilder many = new StringBuilder("User-agent: *\n");
    for (int i = 0; i < RobotsRules.MAX_RULES; i++) {
      many.append("Disallow: /*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b")
          .append(i % 10)
          .append('\n');
    }
    RobotsRules full = rules(many.toString());
    assertThat(worstOf(() -> full.allows(path))).isLessThan(10_000_000L);
    assertThat(full.allows(path)).isTrue();
  }

  /**
   * The slowest of ten runs after a warm-up, in nanoseconds of this thread's CPU time: the machine's other
   * work does not count, and the old matcher's backtracking would still be minutes.
   */
  private static long worstOf(Runnable decision) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int i = 0; i < 20; i++) {
      decision.run();
    }
    long worst = 0;
    for (int i = 0; i < 10; i++) {
      long start = threads.getCurrentThreadCpuTime();
      decision.run();
      worst = Math.max(worst, threads.getCurrentThreadCpuTime() - start);
    }
    return worst;
  }
}
