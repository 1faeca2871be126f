-- Webhook fan-out: every statement that inserts outbox events (whichever code path writes them) makes, in
-- its own transaction, one delivery per (event, enabled endpoint of the event's account whose filter
-- matches) and one `webhook.deliver` job per delivery, and wakes the job workers. The unique
-- (endpoint_id, event_id) index and the jobs' dedupe keys make it idempotent. Events of agent identities
-- reach no endpoint: accounts never see agents' data, and agents cannot register webhooks.
CREATE FUNCTION "webhook_fan_out"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  made integer;
BEGIN
  WITH d AS (
    INSERT INTO "webhook_deliveries" ("endpoint_id", "event_id", "event_type", "created_at", "updated_at")
    SELECT e."id", ev."id", ev."type", ev."created_at", ev."created_at"
    FROM new_events ev
    JOIN "webhook_endpoints" e
      ON e."user_id" = ev."user_id"
     AND e."enabled"
     AND e."deleted_at" IS NULL
     AND (ev."type" = ANY (e."events") OR '*' = ANY (e."events"))
    WHERE ev."agent_identity_id" IS NULL
    ON CONFLICT ("endpoint_id", "event_id") DO NOTHING
    RETURNING "id"
  ), j AS (
    INSERT INTO "jobs" ("kind", "payload", "dedupe_key")
    SELECT 'webhook.deliver', jsonb_build_object('delivery_id', d."id", 'attempt', 1),
           'webhook.deliver:' || d."id" || ':1'
    FROM d
    ON CONFLICT ("dedupe_key") DO NOTHING
    RETURNING 1
  )
  SELECT count(*) INTO made FROM j;
  IF made > 0 THEN
    PERFORM pg_notify('iris_jobs', '');
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "events_webhook_fan_out" AFTER INSERT ON "events"
REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT EXECUTE FUNCTION "webhook_fan_out"();
