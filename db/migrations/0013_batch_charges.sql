CREATE TABLE "batch_charges" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"channel_id" text NOT NULL,
	"payer" text NOT NULL,
	"model_id" bigint NOT NULL,
	"request_hash" text NOT NULL,
	"charged" numeric(78, 0) NOT NULL,
	"cumulative_after" numeric(78, 0) NOT NULL,
	"output_hash" text NOT NULL,
	"attribution_hash" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"booked_tx" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"booked_at" timestamp with time zone,
	CONSTRAINT "batch_charges_request_hash_unique" UNIQUE("request_hash"),
	CONSTRAINT "batch_charges_status" CHECK ("batch_charges"."status" in ('pending', 'booked') and ("batch_charges"."status" = 'booked') = ("batch_charges"."booked_tx" is not null)),
	CONSTRAINT "batch_charges_lower" CHECK ("batch_charges"."channel_id" = lower("batch_charges"."channel_id") and "batch_charges"."payer" = lower("batch_charges"."payer") and "batch_charges"."request_hash" = lower("batch_charges"."request_hash"))
);
--> statement-breakpoint
ALTER TABLE "batch_charges" ADD CONSTRAINT "batch_charges_result_fk" FOREIGN KEY ("request_hash") REFERENCES "public"."inference_results"("request_hash") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "batch_charges_pending_idx" ON "batch_charges" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "batch_charges_payer_idx" ON "batch_charges" USING btree ("payer");