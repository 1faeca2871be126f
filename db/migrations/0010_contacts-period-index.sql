DROP INDEX "contacts_user_created_idx";--> statement-breakpoint
CREATE INDEX "contacts_user_created_idx" ON "contacts" USING btree ("user_id","created_at","id");