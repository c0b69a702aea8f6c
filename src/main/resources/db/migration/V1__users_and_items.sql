-- Users and items: the REST resources. Every row carries a version for optimistic concurrency.

CREATE TABLE users (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email       text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  version     integer     NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
-- One account per address, whatever its case.
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

CREATE TABLE items (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text          NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text          CHECK (length(description) <= 2000),
  -- Money is exact: numeric with two places, never a float.
  price       numeric(12,2) NOT NULL CHECK (price >= 0),
  tags        text[]        NOT NULL DEFAULT '{}',
  version     integer       NOT NULL DEFAULT 1,
  created_at  timestamptz   NOT NULL DEFAULT now(),
  updated_at  timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX items_name_id ON items (name, id);
CREATE INDEX items_price_id ON items (price, id);
CREATE INDEX items_tags ON items USING gin (tags);
