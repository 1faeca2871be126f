CREATE TABLE "channel_account_sends" (
	"message_id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"sent_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "channel_accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"agent_identity_id" uuid,
	"channel" text NOT NULL,
	"external_account_id" text NOT NULL,
	"handle" text NOT NULL,
	"token_sealed" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"disconnected_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "channel_account_sends" ADD CONSTRAINT "channel_account_sends_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_account_sends" ADD CONSTRAINT "channel_account_sends_account_id_channel_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."channel_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_accounts" ADD CONSTRAINT "channel_accounts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_accounts" ADD CONSTRAINT "channel_accounts_agent_identity_id_agent_identities_id_fk" FOREIGN KEY ("agent_identity_id") REFERENCES "public"."agent_identities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "channel_account_sends_account_sent_idx" ON "channel_account_sends" USING btree ("account_id","sent_at");--> statement-breakpoint
CREATE UNIQUE INDEX "channel_accounts_user_key" ON "channel_accounts" USING btree ("user_id","channel","external_account_id") WHERE agent_identity_id is null;--> statement-breakpoint
CREATE UNIQUE INDEX "channel_accounts_agent_key" ON "channel_accounts" USING btree ("agent_identity_id","channel","external_account_id") WHERE agent_identity_id is not null;