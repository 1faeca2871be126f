-- A substring search on contacts is estimated from the search_text histogram. With the default 100
-- buckets, whether one sampled bucket happens to hold a rare match moves the estimate a hundredfold,
-- and with it the plan (the trigram index, or a walk of every contact in created_at order). 1,000
-- buckets sample up to 300,000 rows, so estimates for rare terms stay near the truth.
ALTER TABLE "contacts" ALTER COLUMN "search_text" SET STATISTICS 1000;
