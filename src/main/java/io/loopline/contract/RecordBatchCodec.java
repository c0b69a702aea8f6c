package io.loopline.contract;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.nio.charset.StandardCharsets;

/**
 * The event-bus codec of {@link RecordBatch}: by reference within a node (a batch is immutable, so there is
 * nothing to copy), and between nodes as length-prefixed UTF-8 strings and big-endian numbers. Every node
 * registers it at start ({@link #register}).
 */
public final class RecordBatchCodec implements MessageCodec<RecordBatch, RecordBatch> {

  public static final String NAME = "loopline.RecordBatch";

  /** Makes {@link RecordBatch} a type the event bus can carry on this Vert.x instance. */
  public static void register(Vertx vertx) {
    vertx.eventBus().registerDefaultCodec(RecordBatch.class, new RecordBatchCodec());
  }

  @Override
  public void encodeToWire(Buffer buffer, RecordBatch batch) {
    writeString(buffer, batch.stream());
    writeString(buffer, batch.source());
    int n = batch.size();
    buffer.appendInt(n);
    for (int i = 0; i < n; i++) {
      writeString(buffer, batch.device(i));
      buffer.appendLong(batch.time(i));
      buffer.appendDouble(batch.value(i));
      writeString(buffer, batch.attrs(i));
    }
  }

  @Override
  public RecordBatch decodeFromWire(int pos, Buffer buffer) {
    WireReader in = new WireReader(buffer, pos);
    String stream = in.string();
    String source = in.string();
    int n = in.integer();
    RecordBatch.Builder builder = RecordBatch.builder(stream, source, Math.max(1, n));
    for (int i = 0; i < n; i++) {
      builder.add(in.string(), in.longValue(), in.doubleValue(), in.string());
    }
    return builder.build();
  }

  @Override
  public RecordBatch transform(RecordBatch batch) {
    return batch;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  private static void writeString(Buffer buffer, String text) {
    if (text == null) {
      buffer.appendInt(-1);
      return;
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    buffer.appendInt(bytes.length).appendBytes(bytes);
  }

  /** Reads what {@link #encodeToWire} wrote, field after field. */
  private static final class WireReader {
    private final Buffer buffer;
    private int pos;

    WireReader(Buffer buffer, int pos) {
      this.buffer = buffer;
      this.pos = pos;
    }

    int integer() {
      int value = buffer.getInt(pos);
      pos += 4;
      return value;
    }

    long longValue() {
      long value = buffer.getLong(pos);
      pos += 8;
      return value;
    }

    double doubleValue() {
      double value = buffer.getDouble(pos);
      pos += 8;
      return value;
    }

    String string() {
      int length = integer();
      if (length < 0) {
        return null;
      }
      String text = buffer.getString(pos, pos + length, "UTF-8");
      pos += length;
      return text;
    }
  }
}
