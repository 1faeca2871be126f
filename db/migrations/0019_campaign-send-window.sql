ALTER TABLE "campaigns" ADD COLUMN "send_window" jsonb;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "daily_send_cap" integer;