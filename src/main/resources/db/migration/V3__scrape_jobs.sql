-- Durable scrape jobs: a job row with its counters, one row per page (stored once per job and URL),
-- pages claimed by scraper nodes with FOR UPDATE SKIP LOCKED under a renewable lease.

CREATE TABLE scrape_jobs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  state       text        NOT NULL DEFAULT 'pending'
              CHECK (state IN ('pending', 'running', 'done', 'cancelled')),
  options     jsonb       NOT NULL,
  max_pages   integer     NOT NULL CHECK (max_pages >= 1),
  total       integer     NOT NULL DEFAULT 0,
  done        integer     NOT NULL DEFAULT 0,
  failed      integer     NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  started_at  timestamptz,
  finished_at timestamptz,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE scrape_pages (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id           bigint      NOT NULL REFERENCES scrape_jobs (id) ON DELETE CASCADE,
  url              text        NOT NULL,
  depth            integer     NOT NULL DEFAULT 0 CHECK (depth BETWEEN 0 AND 2),
  state            text        NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
  attempts         integer     NOT NULL DEFAULT 0,
  lease_owner      text,
  lease_expires_at timestamptz,
  result           jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  UNIQUE (job_id, url)
);
-- What scraper nodes claim: pending pages, and running pages whose lease has run out.
CREATE INDEX scrape_pages_due ON scrape_pages (id) WHERE state = 'pending';
CREATE INDEX scrape_pages_leased ON scrape_pages (lease_expires_at) WHERE state = 'running';
-- Listing a job's pages by state.
CREATE INDEX scrape_pages_job_state ON scrape_pages (job_id, state, id);
