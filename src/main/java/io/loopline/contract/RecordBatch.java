package io.loopline.contract;

import java.util.Arrays;

/**
 * Records of one stream, checked and ready to store, as parallel columns: what the HTTP and MQTT edges send
 * to {@link Addresses#STREAMS_APPEND} (and to an atomic upload's session). Immutable once built, so a node
 * hands it to its own persistence verticle by reference ({@link RecordBatchCodec}); between nodes it travels
 * in a compact binary form. {@code attrs} entries are JSON object texts, or null.
 */
public final class RecordBatch {

  /** Where records came from, for the {@code loopline_ingest_*} metrics. */
  public static final String HTTP = "http";

  public static final String MQTT = "mqtt";
  public static final String BUS = "bus";

  private final String stream;
  private final String source;
  private final String[] devices;
  private final long[] times;
  private final double[] values;
  private final String[] attrs;
  private final long minTime;
  private final long maxTime;

  RecordBatch(
      String stream,
      String source,
      String[] devices,
      long[] times,
      double[] values,
      String[] attrs) {
    this.stream = stream;
    this.source = source;
    this.devices = devices;
    this.times = times;
    this.values = values;
    this.attrs = attrs;
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (long time : times) {
      min = Math.min(min, time);
      max = Math.max(max, time);
    }
    this.minTime = min;
    this.maxTime = max;
  }

  public static Builder builder(String stream, String source, int capacity) {
    return new Builder(stream, source, capacity);
  }

  public String stream() {
    return stream;
  }

  public String source() {
    return source;
  }

  public int size() {
    return devices.length;
  }

  public String device(int i) {
    return devices[i];
  }

  /** Microseconds since the epoch. */
  public long time(int i) {
    return times[i];
  }

  public double value(int i) {
    return values[i];
  }

  /** The record's attributes as JSON object text, or null. */
  public String attrs(int i) {
    return attrs[i];
  }

  /** The earliest record time, in microseconds since the epoch. */
  public long minTime() {
    return minTime;
  }

  public long maxTime() {
    return maxTime;
  }

  /** Collects checked records; {@link #build()} hands them over and starts an empty batch. */
  public static final class Builder {
    private final String stream;
    private final String source;
    private final int capacity;
    private String[] devices;
    private long[] times;
    private double[] values;
    private String[] attrs;
    private int size;

    private Builder(String stream, String source, int capacity) {
      this.stream = stream;
      this.source = source;
      this.capacity = capacity;
      allocate();
    }

    /** Adds a record whose fields were checked ({@link StreamRecords}). */
    public Builder add(String device, long time, double value, String attrsJson) {
      if (size == capacity) {
        throw new IllegalStateException("batch is full: build it first");
      }
      devices[size] = device;
      times[size] = time;
      values[size] = value;
      attrs[size] = attrsJson;
      size++;
      return this;
    }

    public int size() {
      return size;
    }

    public boolean isFull() {
      return size == capacity;
    }

    /** The records added so far, as a batch; the builder is empty afterwards. */
    public RecordBatch build() {
      RecordBatch batch =
          size == capacity
              ? new RecordBatch(stream, source, devices, times, values, attrs)
              : new RecordBatch(
                  stream,
                  source,
                  Arrays.copyOf(devices, size),
                  Arrays.copyOf(times, size),
                  Arrays.copyOf(values, size),
                  Arrays.copyOf(attrs, size));
      allocate();
      return batch;
    }

    private void allocate() {
      devices = new String[capacity];
      times = new long[capacity];
      values = new double[capacity];
      attrs = new String[capacity];
      size = 0;
    }
  }
}
