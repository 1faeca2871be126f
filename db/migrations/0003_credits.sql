CREATE TABLE "credit_accounts" (
	"identity_id" uuid PRIMARY KEY NOT NULL,
	"balance" integer NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_accounts_balance_non_negative" CHECK ("credit_accounts"."balance" >= 0)
);
--> statement-breakpoint
CREATE TABLE "credit_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"identity_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"credits" integer NOT NULL,
	"reference" text NOT NULL,
	"campaign_id" uuid,
	"payment_id" uuid,
	"reverses_entry_id" uuid,
	"balance_after" integer NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_entries_credits_nonzero" CHECK ("credit_entries"."credits" <> 0)
);
--> statement-breakpoint
CREATE TABLE "identity_credentials" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"identity_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"value_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mpp_charges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"challenge_id" text NOT NULL,
	"spt_hash" text NOT NULL,
	"operation_id" text NOT NULL,
	"request_hash" text NOT NULL,
	"input" jsonb NOT NULL,
	"amount_cents" integer NOT NULL,
	"state" text NOT NULL,
	"payment_intent_id" text,
	"identity_id" uuid,
	"campaign_id" uuid,
	"failure_code" text,
	"response_status" integer,
	"response_sealed" text,
	"locked_until" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "credit_accounts" ADD CONSTRAINT "credit_accounts_identity_id_agent_identities_id_fk" FOREIGN KEY ("identity_id") REFERENCES "public"."agent_identities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_entries" ADD CONSTRAINT "credit_entries_identity_id_agent_identities_id_fk" FOREIGN KEY ("identity_id") REFERENCES "public"."agent_identities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_credentials" ADD CONSTRAINT "identity_credentials_identity_id_agent_identities_id_fk" FOREIGN KEY ("identity_id") REFERENCES "public"."agent_identities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "credit_entries_reference_key" ON "credit_entries" USING btree ("reference");--> statement-breakpoint
CREATE INDEX "credit_entries_identity_idx" ON "credit_entries" USING btree ("identity_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "identity_credentials_value_key" ON "identity_credentials" USING btree ("kind","value_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "mpp_charges_credential_key" ON "mpp_charges" USING btree ("challenge_id","spt_hash");--> statement-breakpoint
-- Ledger entries are append-only: a correction is a new entry (a refund or reversal), never an edit.
CREATE TRIGGER credit_entries_append_only BEFORE UPDATE OR DELETE ON credit_entries
  FOR EACH ROW EXECUTE FUNCTION iris_append_only();
--> statement-breakpoint
ALTER TABLE credit_entries ADD CONSTRAINT credit_entries_kind_check
  CHECK (kind in ('purchase', 'debit', 'refund', 'reversal', 'adjustment'));
--> statement-breakpoint
ALTER TABLE mpp_charges ADD CONSTRAINT mpp_charges_state_check
  CHECK (state in ('charging', 'charged', 'applied', 'failed', 'refund_owed', 'refunded'));
