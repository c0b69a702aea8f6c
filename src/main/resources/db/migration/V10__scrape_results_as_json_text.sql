-- A scrape page's result is written once and read back whole: kept as json (its text, checked to be JSON)
-- rather than jsonb, so storing it costs a validity check instead of a conversion to the binary form, and
-- reading it (listings, exports) no conversion back. Operators such as result->>'title' still work.
ALTER TABLE scrape_pages ALTER COLUMN result TYPE json USING result::json;

-- A job's pages in id order, whatever their state: exports read them a chunk at a time after the last id.
CREATE INDEX scrape_pages_job_id ON scrape_pages (job_id, id);
