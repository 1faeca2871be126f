ALTER TABLE "agent_identities" ADD COLUMN "daily_cap_cents" integer;--> statement-breakpoint
ALTER TABLE "agent_identities" ADD COLUMN "per_campaign_cap_cents" integer;--> statement-breakpoint
ALTER TABLE "agent_identities" ADD CONSTRAINT "agent_identities_caps_non_negative" CHECK ("agent_identities"."daily_cap_cents" >= 0 and "agent_identities"."per_campaign_cap_cents" >= 0);