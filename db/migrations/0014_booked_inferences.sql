CREATE TABLE "booking_batches" (
	"chain_id" integer NOT NULL,
	"tx_hash" text NOT NULL,
	"block" bigint NOT NULL,
	"batch" text NOT NULL,
	CONSTRAINT "booking_batches_chain_id_tx_hash_pk" PRIMARY KEY("chain_id","tx_hash")
);
--> statement-breakpoint
ALTER TABLE "inferences" ADD COLUMN "booking_batch" bigint;--> statement-breakpoint
CREATE INDEX "booking_batches_block_idx" ON "booking_batches" USING btree ("block");