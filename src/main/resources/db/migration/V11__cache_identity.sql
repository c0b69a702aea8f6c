-- What the item cache binds its Redis and near-cache entries to, beside the server's system identifier and the
-- database's name and oid: a token drawn when this database was made, and a generation an operator bumps after
-- restoring it (POST /admin/cache/restored), so entries written before the restore are never read again.
-- One row, always.
CREATE TABLE cache_identity (
  only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  token      uuid    NOT NULL DEFAULT gen_random_uuid(),
  generation bigint  NOT NULL DEFAULT 1
);
INSERT INTO cache_identity DEFAULT VALUES;
