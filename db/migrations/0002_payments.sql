CREATE TABLE "agent_identities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"subject" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"state" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"run_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"dedupe_key" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payment_refunds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"payment_id" uuid NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"reason" text NOT NULL,
	"state" text NOT NULL,
	"reference" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rail" text NOT NULL,
	"identity_id" uuid NOT NULL,
	"campaign_id" uuid,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"network" text,
	"asset" text,
	"payer" text,
	"reference" text NOT NULL,
	"authorization_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "x402_authorizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"network" text NOT NULL,
	"asset" text NOT NULL,
	"payer" text NOT NULL,
	"nonce" text NOT NULL,
	"payload_hash" text NOT NULL,
	"payload_sealed" text NOT NULL,
	"amount_atomic" bigint NOT NULL,
	"pay_to" text NOT NULL,
	"valid_before" bigint NOT NULL,
	"operation_id" text NOT NULL,
	"request_hash" text NOT NULL,
	"idempotency_key" text,
	"state" text NOT NULL,
	"campaign_id" uuid,
	"identity_id" uuid,
	"tx_hash" text,
	"failure_reason" text,
	"response_status" integer,
	"response_sealed" text,
	"locked_until" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "agent_identity_id" uuid;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "agent_identity_id" uuid;--> statement-breakpoint
ALTER TABLE "payment_refunds" ADD CONSTRAINT "payment_refunds_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_identity_id_agent_identities_id_fk" FOREIGN KEY ("identity_id") REFERENCES "public"."agent_identities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "agent_identities_kind_subject_key" ON "agent_identities" USING btree ("kind","subject");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_dedupe_key" ON "jobs" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "jobs_state_run_idx" ON "jobs" USING btree ("state","run_at");--> statement-breakpoint
CREATE UNIQUE INDEX "payment_refunds_payment_key" ON "payment_refunds" USING btree ("payment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_rail_reference_key" ON "payments" USING btree ("rail","reference");--> statement-breakpoint
CREATE INDEX "payments_identity_idx" ON "payments" USING btree ("identity_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "x402_authorizations_nonce_key" ON "x402_authorizations" USING btree ("network","asset","payer","nonce");--> statement-breakpoint
CREATE UNIQUE INDEX "x402_authorizations_idempotency_key" ON "x402_authorizations" USING btree ("payer","operation_id","idempotency_key") WHERE idempotency_key is not null;--> statement-breakpoint
CREATE INDEX "x402_authorizations_open_idx" ON "x402_authorizations" USING btree ("locked_until") WHERE state in ('reserved', 'submitted', 'refund_owed');--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_agent_identity_id_agent_identities_id_fk" FOREIGN KEY ("agent_identity_id") REFERENCES "public"."agent_identities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_agent_identity_id_agent_identities_id_fk" FOREIGN KEY ("agent_identity_id") REFERENCES "public"."agent_identities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_agent_identity_key" ON "api_keys" USING btree ("agent_identity_id") WHERE agent_identity_id is not null and rotated_from_id is null;--> statement-breakpoint
CREATE INDEX "campaigns_identity_created_idx" ON "campaigns" USING btree ("agent_identity_id","created_at","id");
--> statement-breakpoint
-- The payments ledger is append-only: a correction is a new row (a refund), never an edit.
CREATE FUNCTION iris_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$;
--> statement-breakpoint
CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON payments
  FOR EACH ROW EXECUTE FUNCTION iris_append_only();
--> statement-breakpoint
ALTER TABLE payments ADD CONSTRAINT payments_amount_positive CHECK (amount_minor > 0);
--> statement-breakpoint
ALTER TABLE x402_authorizations ADD CONSTRAINT x402_authorizations_state_check
  CHECK (state in ('reserved', 'submitted', 'settled', 'failed', 'refund_owed', 'refunded'));
