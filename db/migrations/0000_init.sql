CREATE TABLE "attribution_entries" (
	"request_id" bigint NOT NULL,
	"contribution_id" bigint NOT NULL,
	"datanet_id" bigint NOT NULL,
	"contributor" text NOT NULL,
	"weight_ppm" integer NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"settled_at" timestamp with time zone NOT NULL,
	CONSTRAINT "attribution_entries_request_id_contribution_id_pk" PRIMARY KEY("request_id","contribution_id")
);
--> statement-breakpoint
CREATE TABLE "chain_events" (
	"chain_id" integer NOT NULL,
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"contract" text NOT NULL,
	"address" text NOT NULL,
	"name" text NOT NULL,
	"topics" jsonb NOT NULL,
	"data" text NOT NULL,
	CONSTRAINT "chain_events_chain_id_tx_hash_log_index_pk" PRIMARY KEY("chain_id","tx_hash","log_index")
);
--> statement-breakpoint
CREATE TABLE "claims" (
	"tx" text NOT NULL,
	"log_index" integer NOT NULL,
	"account" text NOT NULL,
	"epoch" bigint NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"cumulative_amount" numeric(78, 0) NOT NULL,
	"block" bigint NOT NULL,
	"claimed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "claims_tx_log_index_pk" PRIMARY KEY("tx","log_index")
);
--> statement-breakpoint
CREATE TABLE "contents" (
	"hash" text PRIMARY KEY NOT NULL,
	"bytes" integer NOT NULL,
	"media_type" text NOT NULL,
	"filename" text,
	"records" integer NOT NULL,
	"body" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contributions" (
	"id" bigint PRIMARY KEY NOT NULL,
	"datanet_id" bigint NOT NULL,
	"contributor" text NOT NULL,
	"content_hash" text NOT NULL,
	"bytes" bigint NOT NULL,
	"records" integer NOT NULL,
	"bond" numeric(78, 0) NOT NULL,
	"status" text NOT NULL,
	"submitted_block" bigint NOT NULL,
	"submitted_tx" text NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	"accepted_seq" integer,
	"reviewed_block" bigint,
	"reviewed_tx" text,
	"reviewed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "datanet_usage_hourly" (
	"datanet_id" bigint NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"inferences" integer NOT NULL,
	"contributor_earnings" numeric(78, 0) NOT NULL,
	CONSTRAINT "datanet_usage_hourly_datanet_id_hour_pk" PRIMARY KEY("datanet_id","hour")
);
--> statement-breakpoint
CREATE TABLE "datanet_versions" (
	"datanet_id" bigint NOT NULL,
	"version" integer NOT NULL,
	"root" text NOT NULL,
	"count" integer NOT NULL,
	"root_verified" boolean NOT NULL,
	"block" bigint NOT NULL,
	"tx" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	CONSTRAINT "datanet_versions_datanet_id_version_pk" PRIMARY KEY("datanet_id","version")
);
--> statement-breakpoint
CREATE TABLE "datanets" (
	"id" bigint PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"treasury" text NOT NULL,
	"metadata_hash" text NOT NULL,
	"metadata_uri" text NOT NULL,
	"name" text NOT NULL,
	"summary" text DEFAULT '' NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"license" text DEFAULT '' NOT NULL,
	"bond" numeric(78, 0) NOT NULL,
	"curated" boolean NOT NULL,
	"contribution_count" integer DEFAULT 0 NOT NULL,
	"accepted_count" integer DEFAULT 0 NOT NULL,
	"version_count" integer DEFAULT 0 NOT NULL,
	"created_block" bigint NOT NULL,
	"created_tx" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "earnings_hourly" (
	"account" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"role" text NOT NULL,
	"datanet_id" bigint DEFAULT 0 NOT NULL,
	"model_id" bigint DEFAULT 0 NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"inferences" integer NOT NULL,
	CONSTRAINT "earnings_hourly_account_hour_role_datanet_id_model_id_pk" PRIMARY KEY("account","hour","role","datanet_id","model_id")
);
--> statement-breakpoint
CREATE TABLE "epoch_balances" (
	"epoch" bigint NOT NULL,
	"account" text NOT NULL,
	"cumulative_amount" numeric(78, 0) NOT NULL,
	CONSTRAINT "epoch_balances_epoch_account_pk" PRIMARY KEY("epoch","account")
);
--> statement-breakpoint
CREATE TABLE "epochs" (
	"epoch" bigint PRIMARY KEY NOT NULL,
	"root" text NOT NULL,
	"cumulative_total" numeric(78, 0) NOT NULL,
	"block" bigint NOT NULL,
	"tx" text NOT NULL,
	"posted_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "indexer_blocks" (
	"chain_id" integer NOT NULL,
	"number" bigint NOT NULL,
	"hash" text NOT NULL,
	"parent_hash" text NOT NULL,
	"timestamp" timestamp with time zone NOT NULL,
	CONSTRAINT "indexer_blocks_chain_id_number_pk" PRIMARY KEY("chain_id","number")
);
--> statement-breakpoint
CREATE TABLE "indexer_checkpoints" (
	"chain_id" integer PRIMARY KEY NOT NULL,
	"deployment_key" text NOT NULL,
	"block" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inference_results" (
	"request_hash" text PRIMARY KEY NOT NULL,
	"prompt" text NOT NULL,
	"output" text NOT NULL,
	"params" jsonb NOT NULL,
	"attribution_method" text NOT NULL,
	"attribution_record" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inferences" (
	"request_id" bigint PRIMARY KEY NOT NULL,
	"model_id" bigint NOT NULL,
	"payer" text NOT NULL,
	"request_hash" text NOT NULL,
	"price" numeric(78, 0) NOT NULL,
	"builder" text NOT NULL,
	"builder_bps" integer NOT NULL,
	"via_authorization" boolean NOT NULL,
	"status" text NOT NULL,
	"paid_block" bigint NOT NULL,
	"paid_tx" text NOT NULL,
	"paid_at" timestamp with time zone NOT NULL,
	"operator" text,
	"output_hash" text,
	"attribution_hash" text,
	"protocol_fee" numeric(78, 0),
	"operator_fee" numeric(78, 0),
	"builder_fee" numeric(78, 0),
	"contributor_pool" numeric(78, 0),
	"settled_block" bigint,
	"settled_tx" text,
	"settled_at" timestamp with time zone,
	"refunded_block" bigint,
	"refunded_tx" text,
	"refunded_at" timestamp with time zone,
	CONSTRAINT "inferences_request_hash_unique" UNIQUE("request_hash")
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"account" text NOT NULL,
	"role" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"request_id" bigint,
	"model_id" bigint,
	"datanet_id" bigint,
	"contribution_id" bigint,
	"block" bigint NOT NULL,
	"tx" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_datanets" (
	"model_id" bigint NOT NULL,
	"datanet_id" bigint NOT NULL,
	"version" integer NOT NULL,
	CONSTRAINT "model_datanets_model_id_datanet_id_pk" PRIMARY KEY("model_id","datanet_id")
);
--> statement-breakpoint
CREATE TABLE "model_usage_hourly" (
	"model_id" bigint NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"inferences" integer NOT NULL,
	"revenue" numeric(78, 0) NOT NULL,
	CONSTRAINT "model_usage_hourly_model_id_hour_pk" PRIMARY KEY("model_id","hour")
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" bigint PRIMARY KEY NOT NULL,
	"builder" text NOT NULL,
	"artifact_hash" text NOT NULL,
	"metadata_hash" text NOT NULL,
	"metadata_uri" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"kind" text NOT NULL,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"evaluation" jsonb,
	"price" numeric(78, 0) NOT NULL,
	"builder_bps" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"inference_count" integer DEFAULT 0 NOT NULL,
	"revenue" numeric(78, 0) DEFAULT 0 NOT NULL,
	"created_block" bigint NOT NULL,
	"created_tx" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "attribution_contributor_idx" ON "attribution_entries" USING btree ("contributor","settled_at");--> statement-breakpoint
CREATE INDEX "attribution_datanet_idx" ON "attribution_entries" USING btree ("datanet_id","settled_at");--> statement-breakpoint
CREATE INDEX "chain_events_block_idx" ON "chain_events" USING btree ("block");--> statement-breakpoint
CREATE INDEX "claims_account_idx" ON "claims" USING btree ("account");--> statement-breakpoint
CREATE INDEX "contributions_datanet_idx" ON "contributions" USING btree ("datanet_id","status");--> statement-breakpoint
CREATE INDEX "contributions_contributor_idx" ON "contributions" USING btree ("contributor");--> statement-breakpoint
CREATE INDEX "contributions_content_idx" ON "contributions" USING btree ("content_hash");--> statement-breakpoint
CREATE INDEX "datanets_owner_idx" ON "datanets" USING btree ("owner");--> statement-breakpoint
CREATE INDEX "datanets_created_idx" ON "datanets" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "inferences_model_idx" ON "inferences" USING btree ("model_id","paid_at");--> statement-breakpoint
CREATE INDEX "inferences_payer_idx" ON "inferences" USING btree ("payer");--> statement-breakpoint
CREATE INDEX "inferences_status_idx" ON "inferences" USING btree ("status");--> statement-breakpoint
CREATE INDEX "ledger_account_idx" ON "ledger_entries" USING btree ("account","at");--> statement-breakpoint
CREATE INDEX "ledger_request_idx" ON "ledger_entries" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "model_datanets_datanet_idx" ON "model_datanets" USING btree ("datanet_id");--> statement-breakpoint
CREATE INDEX "models_builder_idx" ON "models" USING btree ("builder");