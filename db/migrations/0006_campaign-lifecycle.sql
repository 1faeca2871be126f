ALTER TABLE "campaigns" ADD COLUMN "approval_mode" text DEFAULT 'manual' NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "completed_at" timestamp (3) with time zone;