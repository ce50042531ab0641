CREATE TABLE "inference_jobs" (
	"request_hash" text PRIMARY KEY NOT NULL,
	"request_id" bigint NOT NULL,
	"model_id" bigint NOT NULL,
	"payer" text NOT NULL,
	"via" text NOT NULL,
	"paid_tx" text,
	"status" text NOT NULL,
	"prompt" text NOT NULL,
	"params" jsonb NOT NULL,
	"output" text,
	"record" text,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease" text,
	"price" numeric(78, 0),
	"split" jsonb,
	"settle_tx" text,
	"refund_tx" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"served_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "inference_jobs_status_idx" ON "inference_jobs" USING btree ("status","updated_at");--> statement-breakpoint
CREATE INDEX "inference_jobs_request_idx" ON "inference_jobs" USING btree ("request_id");