ALTER TABLE "models" ADD COLUMN "input_rate" numeric(78, 0) DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "output_rate" numeric(78, 0) DEFAULT 0 NOT NULL;