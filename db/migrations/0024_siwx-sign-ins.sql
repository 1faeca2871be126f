CREATE TABLE "siwx_sign_ins" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"address" text NOT NULL,
	"nonce" text NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "siwx_sign_ins_address_nonce_key" ON "siwx_sign_ins" USING btree ("address","nonce");--> statement-breakpoint
CREATE INDEX "siwx_sign_ins_expires_idx" ON "siwx_sign_ins" USING btree ("expires_at");