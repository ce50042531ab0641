CREATE TABLE "model_builds" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"builder" text,
	"request" jsonb NOT NULL,
	"status" text NOT NULL,
	"phase" text NOT NULL,
	"progress" double precision DEFAULT 0 NOT NULL,
	"error" text,
	"artifact_hash" text,
	"artifact_bytes" bigint,
	"contributions" integer,
	"tokens" bigint,
	"evaluation" jsonb,
	"metadata_hash" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "model_builds_created_idx" ON "model_builds" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "model_builds_artifact_idx" ON "model_builds" USING btree ("artifact_hash");