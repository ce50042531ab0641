DROP INDEX "inferences_payer_idx";--> statement-breakpoint
CREATE INDEX "contributions_datanet_submitted_idx" ON "contributions" USING btree ("datanet_id","submitted_at","id");--> statement-breakpoint
CREATE INDEX "earnings_hourly_datanet_idx" ON "earnings_hourly" USING btree ("datanet_id","role","account");--> statement-breakpoint
CREATE INDEX "earnings_hourly_role_hour_idx" ON "earnings_hourly" USING btree ("role","hour");--> statement-breakpoint
CREATE INDEX "inferences_paid_idx" ON "inferences" USING btree ("paid_at","request_id");--> statement-breakpoint
CREATE INDEX "model_usage_hourly_hour_idx" ON "model_usage_hourly" USING btree ("hour");--> statement-breakpoint
CREATE INDEX "inferences_payer_idx" ON "inferences" USING btree ("payer","paid_at","request_id");