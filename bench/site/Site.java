import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;

/**
 * The site the scraping benchmarks fetch: every page answers after a fixed delay (50 ms by default) with a
 * small HTML page: a title, a meta description, some text and 20 links to other pages. robots.txt is 404.
 * Run: java -cp target/loopline.jar bench/site/Site.java HOST PORT [DELAY_MS]
 */
public class Site {
  public static void main(String[] args) {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    long delay = args.length > 2 ? Long.parseLong(args[2]) : 50;
    Vertx vertx = Vertx.vertx();
    vertx.createHttpServer(new HttpServerOptions().setAcceptBacklog(4096)).requestHandler(request -> {
      String path = request.path();
      if (!path.startsWith("/page/")) {
        request.response().setStatusCode(404).end();
        return;
      }
      int n;
      try {
        n = Integer.parseInt(path.substring(6));
      } catch (NumberFormatException e) {
        request.response().setStatusCode(404).end();
        return;
      }
      vertx.setTimer(delay, t -> {
        StringBuilder html = new StringBuilder("<!doctype html><html><head><title>Page ").append(n)
            .append("</title><meta name=\"description\" content=\"Benchmark page ").append(n).append("\"></head><body><h1>Page ")
            .append(n).append("</h1><p>").append("Some text of the benchmark page. ".repeat(40)).append("</p><ul>");
        for (int i = 1; i <= 20; i++) {
          html.append("<li><a href=\"/page/").append((n * 31 + i) % 100_000).append("\">link ").append(i).append("</a></li>");
        }
        html.append("</ul></body></html>");
        request.response().putHeader("Content-Type", "text/html; charset=utf-8").end(html.toString());
      });
    }).listen(port, host).onSuccess(s -> System.out.println("site ready on " + host + ":" + port + ", " + delay + " ms a page"));
  }
}
