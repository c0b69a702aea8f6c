-- Streaming ingest (docs/ingest.md): records of named streams, appended in batches by HTTP uploads, MQTT and
-- the event bus.
--
-- One table, not partitioned: a record's identity is (stream, seq), and seq numbers a stream's records in the
-- order they were stored, without gaps, so /live resumes after any event id. A partitioned table would need the
-- partition key (time) in that key, and a partition ready for every time a device may send (back-filled data
-- too). Time-range reads use a BRIN index (a few pages for millions of rows, almost free to maintain while
-- records arrive in time order); one device's reads use the btree on (stream, device, recorded_at).

-- One row per stream: how many records it holds (the newest seq) and the span of their times. Every batch
-- updates its stream's row in the statement that inserts the records, so seqs are handed out under the row's
-- lock: a stream's records become visible in seq order, and GET /streams reads this table only.
CREATE TABLE streams (
  name       text        PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9._-]{1,64}$'),
  records    bigint      NOT NULL CHECK (records >= 0),
  first_time timestamptz NOT NULL,
  last_time  timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stream_records (
  stream      text             NOT NULL,
  seq         bigint           NOT NULL,
  device      text             NOT NULL,
  recorded_at timestamptz      NOT NULL,
  value       double precision NOT NULL,
  attrs       jsonb,
  PRIMARY KEY (stream, seq)
);

CREATE INDEX stream_records_device_time ON stream_records (stream, device, recorded_at);
CREATE INDEX stream_records_time ON stream_records USING brin (recorded_at);
