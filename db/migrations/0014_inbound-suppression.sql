ALTER TABLE "contacts" ADD COLUMN "unsubscribe_reason" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "analysis" jsonb;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "auto_reply" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "messages_inbound_external_key" ON "messages" USING btree ("user_id","channel","external_id") WHERE direction = 'inbound' and external_id is not null;