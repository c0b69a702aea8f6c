-- Recurring jobs: a cron schedule enqueues one job per occurrence. Each occurrence is claimed once, by the
-- unique (schedule_id, scheduled_for) of the job it made, inside the transaction that moves next_run_at on.

CREATE TABLE schedules (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text        NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  cron          text        NOT NULL CHECK (length(cron) <= 200),
  time_zone     text        NOT NULL DEFAULT 'UTC',
  missed        text        NOT NULL DEFAULT 'once' CHECK (missed IN ('once', 'skip')),
  job_type      text        NOT NULL,
  payload       jsonb       NOT NULL,
  max_attempts  integer     CHECK (max_attempts BETWEEN 1 AND 100),
  state         text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused')),
  next_run_at   timestamptz NOT NULL,
  last_run_at   timestamptz,
  last_job_id   bigint,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
-- What the enqueuers look at every second: active schedules that are due.
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE state = 'active';

ALTER TABLE jobs
  ADD COLUMN schedule_id   bigint REFERENCES schedules (id) ON DELETE SET NULL,
  ADD COLUMN scheduled_for timestamptz,
  ADD CONSTRAINT jobs_one_per_occurrence UNIQUE (schedule_id, scheduled_for);
CREATE INDEX jobs_schedule ON jobs (schedule_id, id) WHERE schedule_id IS NOT NULL;
-- Delayed jobs: due pending jobs are found by run_at, not only by id.
CREATE INDEX jobs_pending_run_at ON jobs (run_at) WHERE state = 'pending';

-- The console's chat view: messages per room and minute over the last quarter of an hour.
CREATE INDEX chat_messages_sent_at ON chat_messages (sent_at);
