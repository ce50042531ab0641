CREATE TABLE "indexer_journal" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"range_from" bigint NOT NULL,
	"range_to" bigint NOT NULL,
	"table_name" text NOT NULL,
	"existed" boolean NOT NULL,
	"row" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "indexer_checkpoints" ADD COLUMN "journal_from" bigint;--> statement-breakpoint
CREATE INDEX "indexer_journal_range_to_idx" ON "indexer_journal" USING btree ("range_to");