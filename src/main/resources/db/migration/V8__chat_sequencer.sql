-- The chat sequencer's lease: one row, held by at most one node at a time. A node that takes it over
-- (the holder let it expire: it died, or it stopped and released it) raises the epoch; every history write
-- names its epoch and is refused once the epoch has moved on (fencing), so a deposed sequencer can never
-- store a message. last_seq is the highest seq the holder had given when it last renewed: seqs of join and
-- leave events are not stored, and the next holder starts above it.

CREATE TABLE chat_sequencer (
  id         boolean     PRIMARY KEY DEFAULT true CHECK (id),
  epoch      bigint      NOT NULL,
  holder     text        NOT NULL,
  last_seq   bigint      NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL
);
