-- Chat history: every message a room's sequencer stamped, written in batches off the hot path.
-- (room, seq) is the room's order and the key: a batch written twice after a retry stores each message once.

CREATE TABLE chat_messages (
  room    text        NOT NULL CHECK (room ~ '^[A-Za-z0-9._-]{1,64}$'),
  seq     bigint      NOT NULL,
  id      text        NOT NULL,
  sender  text        NOT NULL CHECK (length(sender) BETWEEN 1 AND 32),
  text    text        NOT NULL,
  sent_at timestamptz NOT NULL,
  PRIMARY KEY (room, seq)
);
