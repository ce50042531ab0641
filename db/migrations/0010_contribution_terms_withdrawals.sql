ALTER TABLE "contributions" ADD COLUMN "terms_kind" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "contributions" ADD COLUMN "max_verbatim_tokens" integer;--> statement-breakpoint
ALTER TABLE "contributions" ADD COLUMN "withdrawn_by" text;--> statement-breakpoint
ALTER TABLE "contributions" ADD COLUMN "withdrawn_reason" text;--> statement-breakpoint
ALTER TABLE "contributions" ADD COLUMN "withdrawn_block" bigint;--> statement-breakpoint
ALTER TABLE "contributions" ADD COLUMN "withdrawn_block_hash" text;--> statement-breakpoint
ALTER TABLE "contributions" ADD COLUMN "withdrawn_tx" text;--> statement-breakpoint
ALTER TABLE "contributions" ADD COLUMN "withdrawn_at" timestamp with time zone;