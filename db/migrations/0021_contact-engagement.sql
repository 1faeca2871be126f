-- Engagement per contact, kept by the database: for every (owner, contact) with messages, the figures
-- src/domain/analytics/engagement.ts counts over the messages table (sent, delivered, opened, bounced,
-- reached, replied), so the analytics overview sums one row per contact instead of grouping every
-- message. The owner is the agent identity for an agent's messages (agent = true), else the account.
-- Triggers on messages (every insert, update and delete) and on campaigns (a change of deleted_at) count
-- the affected contacts again from their messages, with the same expressions as engagement.ts. Each
-- refresh first locks the contacts' rows in key order, then counts with a fresh snapshot, so concurrent
-- writers to one contact's messages take turns and the last one sees every committed change.
CREATE TABLE "contact_engagement" (
  "agent" boolean NOT NULL,
  "owner_id" uuid NOT NULL,
  "contact_id" uuid NOT NULL,
  "sent" integer DEFAULT 0 NOT NULL,
  "delivered" integer DEFAULT 0 NOT NULL,
  "opened" integer DEFAULT 0 NOT NULL,
  "bounced" integer DEFAULT 0 NOT NULL,
  "reached" boolean DEFAULT false NOT NULL,
  "replied" boolean DEFAULT false NOT NULL,
  PRIMARY KEY ("agent", "owner_id", "contact_id")
);
--> statement-breakpoint
CREATE FUNCTION "contact_engagement_refresh"(agents boolean[], owners uuid[], contact_ids uuid[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "contact_engagement" ("agent", "owner_id", "contact_id")
  SELECT k.agent, k.owner_id, k.contact_id
  FROM unnest(agents, owners, contact_ids) AS k(agent, owner_id, contact_id)
  ORDER BY 1, 2, 3
  ON CONFLICT DO NOTHING;
  PERFORM 1
  FROM "contact_engagement" e
  JOIN unnest(agents, owners, contact_ids) AS k(agent, owner_id, contact_id)
    ON e."agent" = k.agent AND e."owner_id" = k.owner_id AND e."contact_id" = k.contact_id
  ORDER BY e."agent", e."owner_id", e."contact_id"
  FOR UPDATE OF e;
  UPDATE "contact_engagement" e
  SET "sent" = r.sent, "delivered" = r.delivered, "opened" = r.opened, "bounced" = r.bounced,
    "reached" = r.reached, "replied" = r.replied
  FROM (
    SELECT k.agent, k.owner_id, k.contact_id,
      coalesce(sum(t.sent), 0)::int AS sent, coalesce(sum(t.delivered), 0)::int AS delivered,
      coalesce(sum(t.opened), 0)::int AS opened, coalesce(sum(t.bounced), 0)::int AS bounced,
      coalesce(bool_or(t.first_sent IS NOT NULL), false) AS reached,
      coalesce(bool_or(t.last_reply > t.first_sent), false) AS replied
    FROM unnest(agents, owners, contact_ids) AS k(agent, owner_id, contact_id)
    LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE m."sent_at" IS NOT NULL) AS sent,
        count(*) FILTER (WHERE m."delivered_at" IS NOT NULL OR m."status" = 'delivered') AS delivered,
        count(*) FILTER (WHERE m."opened_at" IS NOT NULL) AS opened,
        count(*) FILTER (WHERE m."status" = 'bounced') AS bounced,
        min(m."sent_at") AS first_sent,
        max(m."created_at") FILTER (WHERE m."direction" = 'inbound') AS last_reply
      FROM "messages" m
      WHERE m."contact_id" = k.contact_id
        AND CASE WHEN k.agent THEN m."agent_identity_id" = k.owner_id
                 ELSE m."user_id" = k.owner_id AND m."agent_identity_id" IS NULL END
        AND (m."direction" = 'inbound' OR (m."direction" = 'outbound' AND NOT EXISTS (
          SELECT 1 FROM "campaigns" c WHERE c."id" = m."campaign_id" AND c."deleted_at" IS NOT NULL)))
      GROUP BY m."conversation_id", m."channel"
    ) AS t ON true
    GROUP BY k.agent, k.owner_id, k.contact_id
  ) AS r
  WHERE e."agent" = r.agent AND e."owner_id" = r.owner_id AND e."contact_id" = r.contact_id;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "messages_contact_engagement"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  agents boolean[];
  owners uuid[];
  contact_ids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(k.agent), array_agg(k.owner_id), array_agg(k.contact_id) INTO agents, owners, contact_ids
    FROM (SELECT DISTINCT n."agent_identity_id" IS NOT NULL AS agent,
            coalesce(n."agent_identity_id", n."user_id") AS owner_id, n."contact_id"
          FROM new_rows n) AS k;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(k.agent), array_agg(k.owner_id), array_agg(k.contact_id) INTO agents, owners, contact_ids
    FROM (SELECT DISTINCT o."agent_identity_id" IS NOT NULL AS agent,
            coalesce(o."agent_identity_id", o."user_id") AS owner_id, o."contact_id"
          FROM old_rows o) AS k;
  ELSE
    -- Only rows whose counted columns changed; both the old and the new owner and contact.
    WITH changed AS (
      SELECT o."agent_identity_id" AS old_identity, o."user_id" AS old_user, o."contact_id" AS old_contact,
        n."agent_identity_id" AS new_identity, n."user_id" AS new_user, n."contact_id" AS new_contact
      FROM new_rows n JOIN old_rows o ON o."id" = n."id"
      WHERE (n."user_id", n."agent_identity_id", n."contact_id", n."conversation_id", n."campaign_id",
             n."channel", n."direction", n."status", n."sent_at", n."delivered_at", n."opened_at", n."created_at")
        IS DISTINCT FROM
            (o."user_id", o."agent_identity_id", o."contact_id", o."conversation_id", o."campaign_id",
             o."channel", o."direction", o."status", o."sent_at", o."delivered_at", o."opened_at", o."created_at")
    )
    SELECT array_agg(k.agent), array_agg(k.owner_id), array_agg(k.contact_id) INTO agents, owners, contact_ids
    FROM (SELECT old_identity IS NOT NULL AS agent, coalesce(old_identity, old_user) AS owner_id,
            old_contact AS contact_id FROM changed
          UNION
          SELECT new_identity IS NOT NULL, coalesce(new_identity, new_user), new_contact FROM changed) AS k;
  END IF;
  IF agents IS NOT NULL THEN
    PERFORM "contact_engagement_refresh"(agents, owners, contact_ids);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "messages_contact_engagement_insert" AFTER INSERT ON "messages"
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION "messages_contact_engagement"();
--> statement-breakpoint
CREATE TRIGGER "messages_contact_engagement_update" AFTER UPDATE ON "messages"
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION "messages_contact_engagement"();
--> statement-breakpoint
CREATE TRIGGER "messages_contact_engagement_delete" AFTER DELETE ON "messages"
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION "messages_contact_engagement"();
--> statement-breakpoint
-- A campaign deleted (or restored) changes which of its outbound messages count.
CREATE FUNCTION "campaigns_contact_engagement"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  agents boolean[];
  owners uuid[];
  contact_ids uuid[];
BEGIN
  SELECT array_agg(k.agent), array_agg(k.owner_id), array_agg(k.contact_id) INTO agents, owners, contact_ids
  FROM (SELECT DISTINCT m."agent_identity_id" IS NOT NULL AS agent,
          coalesce(m."agent_identity_id", m."user_id") AS owner_id, m."contact_id"
        FROM "messages" m
        WHERE m."campaign_id" = NEW."id" AND m."direction" = 'outbound') AS k;
  IF agents IS NOT NULL THEN
    PERFORM "contact_engagement_refresh"(agents, owners, contact_ids);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "campaigns_contact_engagement" AFTER UPDATE OF "deleted_at" ON "campaigns"
FOR EACH ROW WHEN (OLD."deleted_at" IS DISTINCT FROM NEW."deleted_at")
EXECUTE FUNCTION "campaigns_contact_engagement"();
--> statement-breakpoint
-- The messages already stored.
SELECT "contact_engagement_refresh"(array_agg(k.agent), array_agg(k.owner_id), array_agg(k.contact_id))
FROM (SELECT DISTINCT m."agent_identity_id" IS NOT NULL AS agent,
        coalesce(m."agent_identity_id", m."user_id") AS owner_id, m."contact_id"
      FROM "messages" m) AS k;
