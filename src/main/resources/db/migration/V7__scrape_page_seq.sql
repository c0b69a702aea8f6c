-- The order in which a job's pages finished, for its event stream: each page stored gets the job's next
-- seq (its event id), so a client that reconnects with Last-Event-ID is sent the pages after it.
-- A seq is given while the job's row is locked, so a job's seqs commit in increasing order: a reader that
-- sees seq n has seen every seq below it. Seqs may have gaps (a page in a batch whose lease was lost).

ALTER TABLE scrape_jobs ADD COLUMN last_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE scrape_pages ADD COLUMN seq bigint;

-- Existing finished pages, in the order they finished.
WITH ordered AS (
  SELECT id, row_number() OVER (PARTITION BY job_id ORDER BY finished_at, id) AS n
  FROM scrape_pages WHERE state IN ('done', 'failed'))
UPDATE scrape_pages p SET seq = o.n FROM ordered o WHERE p.id = o.id;
UPDATE scrape_jobs j SET last_seq = s.last
FROM (SELECT job_id, max(seq) AS last FROM scrape_pages GROUP BY job_id) s WHERE j.id = s.job_id AND s.last IS NOT NULL;

CREATE INDEX scrape_pages_job_seq ON scrape_pages (job_id, seq) WHERE seq IS NOT NULL;
