-- An inserted row's undo is a delete: its primary key is all the journal needs (journal.ts reads only the key
-- columns of existed = false entries). Storing the whole row cost most of journaling's time. The key columns come
-- from the catalog, so every table's insert trigger keeps calling this one function.
CREATE OR REPLACE FUNCTION "ledgerline_journal_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r text := current_setting('ledgerline.range', true);
  k text;
BEGIN
  IF coalesce(r, '') = '' THEN RETURN NULL; END IF;
  SELECT string_agg(format('%L, n.%I', a.attname, a.attname), ', ') INTO k
    FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
    WHERE i.indrelid = TG_RELID AND i.indisprimary;
  IF k IS NULL THEN RAISE EXCEPTION 'ledgerline journal: % has no primary key', TG_TABLE_NAME; END IF;
  EXECUTE format('INSERT INTO "indexer_journal" ("range_from", "range_to", "table_name", "existed", "row") '
    'SELECT $1, $2, $3, false, jsonb_build_object(%s) FROM new_rows n', k)
    USING split_part(r, ':', 1)::bigint, split_part(r, ':', 2)::bigint, TG_TABLE_NAME;
  RETURN NULL;
END $$;
