ALTER TABLE "contributions" ADD COLUMN "terms_kind" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "contributions" ADD COLUMN "max_verbatim_tokens" integer;