CREATE TABLE "payment_channels" (
	"channel_id" text PRIMARY KEY NOT NULL,
	"sent_channel_id" text,
	"payer" text NOT NULL,
	"payer_authorizer" text NOT NULL,
	"receiver" text NOT NULL,
	"receiver_authorizer" text NOT NULL,
	"token" text NOT NULL,
	"withdraw_delay" bigint NOT NULL,
	"salt" text NOT NULL,
	"charged_cumulative_amount" text NOT NULL,
	"signed_max_claimable" text NOT NULL,
	"signature" text NOT NULL,
	"balance" text NOT NULL,
	"total_claimed" text NOT NULL,
	"withdraw_requested_at" bigint NOT NULL,
	"refund_nonce" bigint NOT NULL,
	"onchain_synced_at" bigint,
	"last_request_timestamp" bigint NOT NULL,
	"pending_id" text,
	"pending_signed_max_claimable" text,
	"pending_expires_at" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payment_channels_id_lower" CHECK ("payment_channels"."channel_id" = lower("payment_channels"."channel_id") and ("payment_channels"."sent_channel_id" is null or lower("payment_channels"."sent_channel_id") = "payment_channels"."channel_id")),
	CONSTRAINT "payment_channels_pending_whole" CHECK (("payment_channels"."pending_id" is null) = ("payment_channels"."pending_signed_max_claimable" is null) and ("payment_channels"."pending_id" is null) = ("payment_channels"."pending_expires_at" is null))
);
--> statement-breakpoint
CREATE INDEX "payment_channels_payer_idx" ON "payment_channels" USING btree ("payer");