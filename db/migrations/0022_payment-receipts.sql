ALTER TABLE "payment_refunds" ADD COLUMN "receipt" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "receipt" text;