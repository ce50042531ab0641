ALTER TABLE "contents" ADD COLUMN "normalized_hash" text;--> statement-breakpoint
CREATE INDEX "contents_normalized_hash_idx" ON "contents" USING btree ("normalized_hash");