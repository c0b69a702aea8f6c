package io.loopline.platform.observe;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.spi.context.storage.ContextLocal;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The request id of the work at hand, kept in the Vert.x context. Each HTTP request and each event-bus
 * message runs on a context of its own (a duplicate), so the id follows that work and nothing else.
 */
public final class RequestIds {

  /** The HTTP header a client may send and always gets back. */
  public static final String HEADER = "X-Request-Id";

  private static final ContextLocal<String> LOCAL = ContextLocal.registerLocal(String.class);
  private static final ContextLocal<String> TRACE = ContextLocal.registerLocal(String.class);
  private static final HexFormat HEX = HexFormat.of();
  private static final Pattern ACCEPTABLE = Pattern.compile("^[A-Za-z0-9._:-]{1,64}$");

  private RequestIds() {}

  /** Registers the context local; call before the first Vert.x instance is built (locals are sized then). */
  public static void register() {
    // class initialisation did it
  }

  /** The client's id when it is short and plain, else a new one. */
  public static String acceptOrCreate(String fromClient) {
    return fromClient != null && ACCEPTABLE.matcher(fromClient).matches() ? fromClient : create();
  }

  /**
   * 128 random bits as 32 hex digits. Ids only need to be unique, not unguessable, so they come from
   * {@link ThreadLocalRandom} rather than {@code UUID.randomUUID()}, whose {@code SecureRandom} reads
   * {@code /dev/urandom} under a lock shared by every event loop.
   */
  static String create() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return HEX.toHexDigits(random.nextLong()) + HEX.toHexDigits(random.nextLong());
  }

  /** The id of the work the current thread runs, or null outside a request. */
  public static String current() {
    Context context = Vertx.currentContext();
    return context == null ? null : LOCAL.get(context);
  }

  /**
   * Remembers the trace of the current request, for log lines written after its span has ended (the access
   * log, written when the response is complete).
   */
  public static void setTrace(String traceId) {
    Context context = Vertx.currentContext();
    if (context != null && traceId != null) {
      TRACE.put(context, traceId);
    }
  }

  /** The trace remembered by {@link #setTrace}, or null. */
  public static String currentTrace() {
    Context context = Vertx.currentContext();
    return context == null ? null : TRACE.get(context);
  }

  /** Marks the current context's work with {@code id} (null leaves it unmarked). */
  public static void set(String id) {
    Context context = Vertx.currentContext();
    if (context != null && id != null) {
      LOCAL.put(context, id);
    }
  }
}
