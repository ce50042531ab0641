-- The undo journal's writers (lib/indexer/journal.ts). Statement triggers with transition tables: one insert into
-- indexer_journal per statement, and nothing but an early return while ledgerline.range is unset (outside the
-- indexer's range transactions). The range is "from:to", set transaction-locally by the indexer.
CREATE FUNCTION "ledgerline_journal_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r text := current_setting('ledgerline.range', true);
BEGIN
  IF coalesce(r, '') = '' THEN RETURN NULL; END IF;
  INSERT INTO "indexer_journal" ("range_from", "range_to", "table_name", "existed", "row")
    SELECT split_part(r, ':', 1)::bigint, split_part(r, ':', 2)::bigint, TG_TABLE_NAME, false, to_jsonb(n) FROM new_rows n;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "ledgerline_journal_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r text := current_setting('ledgerline.range', true);
BEGIN
  IF coalesce(r, '') = '' THEN RETURN NULL; END IF;
  INSERT INTO "indexer_journal" ("range_from", "range_to", "table_name", "existed", "row")
    SELECT split_part(r, ':', 1)::bigint, split_part(r, ':', 2)::bigint, TG_TABLE_NAME, true, to_jsonb(o) FROM old_rows o;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "datanets_journal_ins" AFTER INSERT ON "datanets" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "datanets_journal_upd" AFTER UPDATE ON "datanets" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "datanets_journal_del" AFTER DELETE ON "datanets" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "contributions_journal_ins" AFTER INSERT ON "contributions" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "contributions_journal_upd" AFTER UPDATE ON "contributions" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "contributions_journal_del" AFTER DELETE ON "contributions" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "datanet_versions_journal_ins" AFTER INSERT ON "datanet_versions" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "datanet_versions_journal_upd" AFTER UPDATE ON "datanet_versions" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "datanet_versions_journal_del" AFTER DELETE ON "datanet_versions" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "models_journal_ins" AFTER INSERT ON "models" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "models_journal_upd" AFTER UPDATE ON "models" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "models_journal_del" AFTER DELETE ON "models" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "model_datanets_journal_ins" AFTER INSERT ON "model_datanets" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "model_datanets_journal_upd" AFTER UPDATE ON "model_datanets" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "model_datanets_journal_del" AFTER DELETE ON "model_datanets" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "inferences_journal_ins" AFTER INSERT ON "inferences" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "inferences_journal_upd" AFTER UPDATE ON "inferences" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "inferences_journal_del" AFTER DELETE ON "inferences" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "attribution_entries_journal_ins" AFTER INSERT ON "attribution_entries" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "attribution_entries_journal_upd" AFTER UPDATE ON "attribution_entries" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "attribution_entries_journal_del" AFTER DELETE ON "attribution_entries" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "ledger_entries_journal_ins" AFTER INSERT ON "ledger_entries" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "ledger_entries_journal_upd" AFTER UPDATE ON "ledger_entries" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "ledger_entries_journal_del" AFTER DELETE ON "ledger_entries" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "earnings_hourly_journal_ins" AFTER INSERT ON "earnings_hourly" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "earnings_hourly_journal_upd" AFTER UPDATE ON "earnings_hourly" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "earnings_hourly_journal_del" AFTER DELETE ON "earnings_hourly" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "model_usage_hourly_journal_ins" AFTER INSERT ON "model_usage_hourly" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "model_usage_hourly_journal_upd" AFTER UPDATE ON "model_usage_hourly" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "model_usage_hourly_journal_del" AFTER DELETE ON "model_usage_hourly" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "datanet_usage_hourly_journal_ins" AFTER INSERT ON "datanet_usage_hourly" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "datanet_usage_hourly_journal_upd" AFTER UPDATE ON "datanet_usage_hourly" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "datanet_usage_hourly_journal_del" AFTER DELETE ON "datanet_usage_hourly" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "epochs_journal_ins" AFTER INSERT ON "epochs" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "epochs_journal_upd" AFTER UPDATE ON "epochs" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "epochs_journal_del" AFTER DELETE ON "epochs" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "claims_journal_ins" AFTER INSERT ON "claims" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "claims_journal_upd" AFTER UPDATE ON "claims" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "claims_journal_del" AFTER DELETE ON "claims" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "operators_journal_ins" AFTER INSERT ON "operators" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "operators_journal_upd" AFTER UPDATE ON "operators" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "operators_journal_del" AFTER DELETE ON "operators" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "operator_events_journal_ins" AFTER INSERT ON "operator_events" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "operator_events_journal_upd" AFTER UPDATE ON "operator_events" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "operator_events_journal_del" AFTER DELETE ON "operator_events" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "fee_schedules_journal_ins" AFTER INSERT ON "fee_schedules" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "fee_schedules_journal_upd" AFTER UPDATE ON "fee_schedules" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "fee_schedules_journal_del" AFTER DELETE ON "fee_schedules" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "market_params_journal_ins" AFTER INSERT ON "market_params" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "market_params_journal_upd" AFTER UPDATE ON "market_params" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "market_params_journal_del" AFTER DELETE ON "market_params" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "governor_settings_journal_ins" AFTER INSERT ON "governor_settings" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "governor_settings_journal_upd" AFTER UPDATE ON "governor_settings" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "governor_settings_journal_del" AFTER DELETE ON "governor_settings" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "vote_supply_journal_ins" AFTER INSERT ON "vote_supply" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "vote_supply_journal_upd" AFTER UPDATE ON "vote_supply" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "vote_supply_journal_del" AFTER DELETE ON "vote_supply" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "vote_accounts_journal_ins" AFTER INSERT ON "vote_accounts" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "vote_accounts_journal_upd" AFTER UPDATE ON "vote_accounts" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "vote_accounts_journal_del" AFTER DELETE ON "vote_accounts" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "proposals_journal_ins" AFTER INSERT ON "proposals" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "proposals_journal_upd" AFTER UPDATE ON "proposals" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "proposals_journal_del" AFTER DELETE ON "proposals" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "proposal_votes_journal_ins" AFTER INSERT ON "proposal_votes" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_inserted"();
--> statement-breakpoint
CREATE TRIGGER "proposal_votes_journal_upd" AFTER UPDATE ON "proposal_votes" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
--> statement-breakpoint
CREATE TRIGGER "proposal_votes_journal_del" AFTER DELETE ON "proposal_votes" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "ledgerline_journal_changed"();
