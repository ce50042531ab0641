-- Epoch rows from the previous contracts cannot be carried over (no status, no throughBlock); the indexer
-- replays them from the chain (a redeployment wipes every derived table anyway).
DELETE FROM "epoch_balances";--> statement-breakpoint
DELETE FROM "epochs";--> statement-breakpoint
ALTER TABLE "contents" ADD COLUMN "uploader" text;--> statement-breakpoint
ALTER TABLE "epochs" ADD COLUMN "prev" bigint NOT NULL;--> statement-breakpoint
ALTER TABLE "epochs" ADD COLUMN "through_block" bigint NOT NULL;--> statement-breakpoint
ALTER TABLE "epochs" ADD COLUMN "poster" text NOT NULL;--> statement-breakpoint
ALTER TABLE "epochs" ADD COLUMN "status" text NOT NULL;--> statement-breakpoint
ALTER TABLE "epochs" ADD COLUMN "finalizes_at" timestamp with time zone NOT NULL;--> statement-breakpoint
ALTER TABLE "epochs" ADD COLUMN "challenger" text;--> statement-breakpoint
ALTER TABLE "epochs" ADD COLUMN "dispute_bond" numeric(78, 0);--> statement-breakpoint
ALTER TABLE "epochs" ADD COLUMN "disputed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "epochs" ADD COLUMN "dispute_tx" text;--> statement-breakpoint
ALTER TABLE "epochs" ADD COLUMN "upheld" boolean;--> statement-breakpoint
ALTER TABLE "epochs" ADD COLUMN "resolved_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "epochs" ADD COLUMN "resolve_tx" text;--> statement-breakpoint
ALTER TABLE "epochs" ADD COLUMN "finalized_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "epochs" ADD COLUMN "finalize_tx" text;