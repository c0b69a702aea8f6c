package io.loopline.scrape;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A host's address for the SSRF guard: an address literal is parsed, a name is looked up with the JVM
 * resolver on a worker thread, and of a name's addresses the first the guard refuses is the one returned, so
 * a name with one public and one private record is refused. The connection then goes to exactly the address
 * checked ({@link Exchange}), so a DNS answer that changes between check and connect cannot move it.
 */
final class Resolver {

  private final Vertx vertx;
  private final AddressClassifier guard;

  Resolver(Vertx vertx, AddressClassifier guard) {
    this.vertx = vertx;
    this.guard = guard;
  }

  /**
   * The address to check and connect to for {@code host} (a URL's host, IPv6 literals in brackets); fails
   * with a {@code dns} {@link FetchFailure} when the name cannot be resolved.
   */
  Future<InetAddress> resolve(String host) {
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (AddressClassifier.isLiteral(bare)) {
      return Future.succeededFuture(AddressClassifier.literal(bare));
    }
    return vertx
        .executeBlocking(
            () -> {
              InetAddress[] all = InetAddress.getAllByName(bare);
              // Every address of the name must pass, so a name with one public and one private
              // record is refused.
              for (InetAddress a : all) {
                if (guard.refusal(host, a) != null) {
                  return a;
                }
              }
              return all[0];
            },
            false)
        .recover(
            e ->
                Future.failedFuture(
                    e instanceof UnknownHostException
                        ? new FetchFailure("dns", "cannot resolve " + bare, false)
                        : new FetchFailure(
                            "dns", "cannot resolve " + bare + ": " + e.getMessage(), false)));
  }

  /**
   * The address to connect to for {@code host}: resolved, and every address of the name checked by the SSRF
   * guard; fails with an {@code IllegalArgumentException} saying why when it is refused or unknown. For
   * requests outside the fetch policy (webhooks), which report a refusal as a bad request.
   */
  Future<InetAddress> guardedAddress(String host) {
    return resolve(host)
        .recover(e -> Future.failedFuture(new IllegalArgumentException(e.getMessage())))
        .compose(
            address -> {
              String refused = guard.refusal(host, address);
              return refused == null
                  ? Future.succeededFuture(address)
                  : Future.failedFuture(
                      new IllegalArgumentException(host + " is refused: " + refused));
            });
  }
}
