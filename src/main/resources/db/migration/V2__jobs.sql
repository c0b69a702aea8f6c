-- Durable background jobs: claimed with FOR UPDATE SKIP LOCKED, held by a renewable lease.

CREATE TABLE jobs (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type             text        NOT NULL,
  payload          jsonb       NOT NULL,
  state            text        NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'running', 'done', 'dead', 'cancelled')),
  attempts         integer     NOT NULL DEFAULT 0,
  max_attempts     integer     NOT NULL CHECK (max_attempts BETWEEN 1 AND 100),
  run_at           timestamptz NOT NULL DEFAULT now(),
  lease_owner      text,
  lease_expires_at timestamptz,
  last_error       text,
  idempotency_key  text UNIQUE CHECK (length(idempotency_key) <= 200),
  result           jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
-- What runners claim: due pending jobs, and running jobs whose lease has run out.
CREATE INDEX jobs_due ON jobs (id) WHERE state = 'pending';
CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_state_type ON jobs (state, type, id);

-- Every job that becomes pending wakes the runners of every node at once (LISTEN loopline_jobs).
CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('loopline_jobs', NEW.type);
  RETURN NULL;
END $$;

CREATE TRIGGER jobs_pending AFTER INSERT OR UPDATE OF state ON jobs
  FOR EACH ROW WHEN (NEW.state = 'pending') EXECUTE FUNCTION jobs_notify();
