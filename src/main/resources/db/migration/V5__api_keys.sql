-- API keys: only a SHA-256 of each key is stored; the key itself is shown once, when it is made.

CREATE TABLE api_keys (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  scopes     text[]      NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'write', 'admin']),
  key_hash   bytea       NOT NULL UNIQUE CHECK (length(key_hash) = 32),
  -- The first characters of the key, so that people can tell their keys apart in listings.
  prefix     text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
