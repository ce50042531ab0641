ALTER TABLE "inferences" DROP CONSTRAINT "inferences_request_hash_unique";--> statement-breakpoint
CREATE INDEX "inferences_request_hash_idx" ON "inferences" USING btree ("request_hash");