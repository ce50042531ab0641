-- Operators, fee schedules, market parameters, proposals, votes and vOPEN accounts are derived from events the
-- index already passed (stakes, the Governor's and vOPEN's logs): forget what was indexed so the indexer replays
-- the chain from the deployment block into every derived table, the new ones included. Off-chain tables
-- (contents, inference results and jobs, epoch balances, builds, sessions) are kept.
CREATE TABLE "fee_schedules" (
	"version" integer PRIMARY KEY NOT NULL,
	"protocol_bps" integer NOT NULL,
	"operator_bps" integer NOT NULL,
	"block" bigint NOT NULL,
	"tx" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "governor_settings" (
	"block" bigint NOT NULL,
	"log_index" integer NOT NULL,
	"tx" text NOT NULL,
	"name" text NOT NULL,
	"value" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "governor_settings_block_log_index_pk" PRIMARY KEY("block","log_index")
);
--> statement-breakpoint
CREATE TABLE "market_params" (
	"block" bigint NOT NULL,
	"log_index" integer NOT NULL,
	"tx" text NOT NULL,
	"protocol_treasury" text NOT NULL,
	"refund_timeout" bigint NOT NULL,
	"challenge_window" bigint NOT NULL,
	"unbonding_delay" bigint NOT NULL,
	"min_stake" numeric(78, 0) NOT NULL,
	"dispute_bond" numeric(78, 0) NOT NULL,
	"challenger_reward_bps" integer NOT NULL,
	"root_poster" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "market_params_block_log_index_pk" PRIMARY KEY("block","log_index")
);
--> statement-breakpoint
CREATE TABLE "operator_events" (
	"block" bigint NOT NULL,
	"log_index" integer NOT NULL,
	"tx" text NOT NULL,
	"operator" text NOT NULL,
	"kind" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"active" numeric(78, 0),
	"release_at" timestamp with time zone,
	"challenger" text,
	"to_challenger" numeric(78, 0),
	"to_treasury" numeric(78, 0),
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "operator_events_block_log_index_pk" PRIMARY KEY("block","log_index")
);
--> statement-breakpoint
CREATE TABLE "operators" (
	"address" text PRIMARY KEY NOT NULL,
	"active" numeric(78, 0) NOT NULL,
	"unbonding" numeric(78, 0) NOT NULL,
	"release_at" timestamp with time zone,
	"staked" numeric(78, 0) NOT NULL,
	"withdrawn" numeric(78, 0) NOT NULL,
	"slashed" numeric(78, 0) NOT NULL,
	"slash_count" integer NOT NULL,
	"requests_served" integer NOT NULL,
	"fees_earned" numeric(78, 0) NOT NULL,
	"first_staked_at" timestamp with time zone,
	"updated_block" bigint NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "proposal_votes" (
	"proposal_id" text NOT NULL,
	"voter" text NOT NULL,
	"support" integer NOT NULL,
	"weight" numeric(78, 0) NOT NULL,
	"reason" text NOT NULL,
	"params" text,
	"block" bigint NOT NULL,
	"log_index" integer NOT NULL,
	"tx" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "proposal_votes_proposal_id_voter_pk" PRIMARY KEY("proposal_id","voter")
);
--> statement-breakpoint
CREATE TABLE "proposals" (
	"id" text PRIMARY KEY NOT NULL,
	"proposer" text NOT NULL,
	"targets" jsonb NOT NULL,
	"values" jsonb NOT NULL,
	"calldatas" jsonb NOT NULL,
	"description" text NOT NULL,
	"description_hash" text,
	"vote_start" timestamp with time zone NOT NULL,
	"vote_end" timestamp with time zone NOT NULL,
	"for_votes" numeric(78, 0) NOT NULL,
	"against_votes" numeric(78, 0) NOT NULL,
	"abstain_votes" numeric(78, 0) NOT NULL,
	"voters" integer NOT NULL,
	"eta" timestamp with time zone,
	"queued_at" timestamp with time zone,
	"queued_tx" text,
	"executed_at" timestamp with time zone,
	"executed_tx" text,
	"canceled_at" timestamp with time zone,
	"canceled_tx" text,
	"created_block" bigint NOT NULL,
	"created_log_index" integer NOT NULL,
	"created_tx" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vote_accounts" (
	"account" text PRIMARY KEY NOT NULL,
	"balance" numeric(78, 0) NOT NULL,
	"delegate" text,
	"votes" numeric(78, 0) NOT NULL,
	"updated_block" bigint NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vote_supply" (
	"block" bigint NOT NULL,
	"log_index" integer NOT NULL,
	"total_supply" numeric(78, 0) NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "vote_supply_block_log_index_pk" PRIMARY KEY("block","log_index")
);
--> statement-breakpoint
ALTER TABLE "indexer_checkpoints" ADD COLUMN "block_time" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "governor_settings_name_idx" ON "governor_settings" USING btree ("name","at");--> statement-breakpoint
CREATE INDEX "operator_events_operator_idx" ON "operator_events" USING btree ("operator","block");--> statement-breakpoint
CREATE INDEX "proposal_votes_voter_idx" ON "proposal_votes" USING btree ("voter","block");--> statement-breakpoint
CREATE INDEX "proposals_created_idx" ON "proposals" USING btree ("created_block","created_log_index");--> statement-breakpoint
CREATE INDEX "vote_accounts_delegate_idx" ON "vote_accounts" USING btree ("delegate");--> statement-breakpoint
CREATE INDEX "vote_supply_at_idx" ON "vote_supply" USING btree ("at");--> statement-breakpoint
DELETE FROM "datanets";--> statement-breakpoint
DELETE FROM "contributions";--> statement-breakpoint
DELETE FROM "datanet_versions";--> statement-breakpoint
DELETE FROM "models";--> statement-breakpoint
DELETE FROM "model_datanets";--> statement-breakpoint
DELETE FROM "inferences";--> statement-breakpoint
DELETE FROM "attribution_entries";--> statement-breakpoint
DELETE FROM "ledger_entries";--> statement-breakpoint
DELETE FROM "earnings_hourly";--> statement-breakpoint
DELETE FROM "model_usage_hourly";--> statement-breakpoint
DELETE FROM "datanet_usage_hourly";--> statement-breakpoint
DELETE FROM "epochs";--> statement-breakpoint
DELETE FROM "claims";--> statement-breakpoint
DELETE FROM "chain_events";--> statement-breakpoint
DELETE FROM "indexer_blocks";--> statement-breakpoint
DELETE FROM "indexer_checkpoints";
