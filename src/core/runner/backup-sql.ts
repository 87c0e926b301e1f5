/**
 * The archive schema on the server: the backups, their objects, and the PL/pgSQL functions a
 * migration's transaction calls right before each statement that destroys data. The copy happens on
 * the server, in the migration's own transaction: if the migration fails or its process is killed,
 * the copy vanishes with it, and a backup is marked verified in the same commit as the migration.
 *
 * Every copy records its row count, its size and a checksum: the sum over its rows of the first 64
 * bits of md5(row::text), order-independent, so the archive can be checked again at restore and the
 * restored rows compared with it.
 */
import { quoteIdent } from './settings';

/** Raised by the archive functions when a copy does not match its source (the migration then fails). */
export const BACKUP_MISMATCH = 'PGSB1';

/** Named for the DDL's revision: a new one is installed over an archive an older pgshift made. */
export const ARCHIVE_REVISION = 'archive_rev_2';

/** The DDL of the archive schema; idempotent (run under the migration lock). */
export function archiveDdl(schema: string): string {
  const s = quoteIdent(schema);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
COMMENT ON SCHEMA ${s} IS 'pgshift: copies of what migrations destroyed (pgshift backups / pgshift restore)';
CREATE TABLE IF NOT EXISTS ${s}.backups (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  version text NOT NULL,
  name text NOT NULL,
  direction text NOT NULL,
  history_id bigint,
  xact text NOT NULL DEFAULT txid_current()::text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  verified boolean NOT NULL DEFAULT false,
  file text,
  file_verified boolean,
  restored_at timestamptz,
  restored_by text
);
CREATE TABLE IF NOT EXISTS ${s}.backup_objects (
  backup_id bigint NOT NULL REFERENCES ${s}.backups (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('table', 'column', 'rows')),
  how text NOT NULL,
  source_schema text NOT NULL,
  source_table text NOT NULL,
  columns text[],
  key_columns text[],
  archive_table text NOT NULL,
  rows bigint NOT NULL,
  bytes bigint NOT NULL,
  checksum text NOT NULL,
  PRIMARY KEY (backup_id, seq)
);

-- count and checksum of any query's rows
CREATE OR REPLACE FUNCTION ${s}.checksum_of(p_query text, OUT n bigint, OUT sum text)
LANGUAGE plpgsql AS $f$
BEGIN
  EXECUTE format('SELECT count(*)::bigint, coalesce(sum((''x'' || substr(md5(r::text), 1, 16))::bit(64)::bigint::numeric), 0)::text FROM (%s) r', p_query)
    INTO n, sum;
END $f$;

-- the key a restore matches rows on: the primary key, else a unique index over NOT NULL columns
CREATE OR REPLACE FUNCTION ${s}.key_of(p_rel regclass) RETURNS text[]
LANGUAGE sql STABLE AS $f$
  SELECT array_agg(a.attname::text ORDER BY k.ord)
    FROM (SELECT i.indkey, i.indisprimary
            FROM pg_index i
           WHERE i.indrelid = p_rel AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
             AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey::int2[]) c(n)
                              JOIN pg_attribute x ON x.attrelid = p_rel AND x.attnum = c.n WHERE NOT x.attnotnull)
           ORDER BY i.indisprimary DESC, i.indexrelid LIMIT 1) ix,
         unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, ord)
    JOIN pg_attribute a ON a.attrelid = p_rel AND a.attnum = k.n
$f$;

-- a backup of this transaction (one per migration attempt), made on the first object
CREATE OR REPLACE FUNCTION ${s}.begin_backup(p_version text, p_name text, p_direction text) RETURNS bigint
LANGUAGE plpgsql AS $f$
DECLARE v_id bigint;
BEGIN
  INSERT INTO ${s}.backups (version, name, direction) VALUES (p_version, p_name, p_direction) RETURNING id INTO v_id;
  PERFORM set_config('pgshift.backup_id', v_id::text, true);
  RETURN v_id;
END $f$;

-- copies p_select (rows of p_rel) into a new archive table and records it
CREATE OR REPLACE FUNCTION ${s}.archive(p_rel regclass, p_kind text, p_how text, p_columns text[], p_select text, p_lock text)
RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
  v_id bigint := nullif(current_setting('pgshift.backup_id', true), '')::bigint;
  v_seq integer;
  v_table text;
  v_rows bigint;
  v_src bigint;
  v_sum text;
  v_n bigint;
BEGIN
  IF v_id IS NULL THEN RAISE EXCEPTION 'pgshift backup: no backup was begun in this transaction'; END IF;
  IF p_lock IS NOT NULL THEN EXECUTE format('LOCK TABLE %s IN %s MODE', p_rel, p_lock); END IF;
  SELECT coalesce(max(seq), 0) + 1 INTO v_seq FROM ${s}.backup_objects WHERE backup_id = v_id;
  SELECT format('b%s_%s_%s', v_id, v_seq, left(c.relname, 40)) INTO v_table FROM pg_class c WHERE c.oid = p_rel;
  EXECUTE format('CREATE TABLE ${s}.%I AS %s', v_table, p_select);
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  SELECT n, sum INTO v_n, v_sum FROM ${s}.checksum_of(format('SELECT * FROM ${s}.%I', v_table));
  IF v_n <> v_rows THEN
    RAISE EXCEPTION USING ERRCODE = '${BACKUP_MISMATCH}', MESSAGE = format('pgshift backup of %s did not verify: %s rows copied, %s in the copy', p_rel, v_rows, v_n);
  END IF;
  IF p_lock IS NOT NULL THEN
    -- under the lock nothing can have changed: the source still holds exactly what was copied
    EXECUTE format('SELECT count(*) FROM (%s) s', p_select) INTO v_src;
    IF v_src <> v_rows THEN
      RAISE EXCEPTION USING ERRCODE = '${BACKUP_MISMATCH}', MESSAGE = format('pgshift backup of %s did not verify: %s rows copied, the source has %s', p_rel, v_rows, v_src);
    END IF;
  END IF;
  INSERT INTO ${s}.backup_objects (backup_id, seq, kind, how, source_schema, source_table, columns, key_columns,
                                   archive_table, rows, bytes, checksum)
  SELECT v_id, v_seq, p_kind, p_how, n.nspname, c.relname, p_columns, ${s}.key_of(p_rel), v_table, v_rows,
         pg_total_relation_size(format('${s}.%I', v_table)::regclass), v_sum
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = p_rel;
END $f$;

-- DROP TABLE / TRUNCATE: the whole table (nothing when it does not exist: DROP ... IF EXISTS)
-- TRUNCATE … CASCADE also empties every table whose foreign keys reach it: those too
CREATE OR REPLACE FUNCTION ${s}.backup_table(p_table text, p_how text) RETURNS void
LANGUAGE plpgsql AS $f$
DECLARE
  v_rel regclass := to_regclass(p_table);
  r record;
BEGIN
  IF v_rel IS NULL OR (SELECT relkind FROM pg_class WHERE oid = v_rel) NOT IN ('r', 'p') THEN RETURN; END IF;
  IF p_how <> 'truncate-cascade' THEN
    PERFORM ${s}.archive(v_rel, 'table', p_how, NULL, format('SELECT * FROM %s', v_rel), 'SHARE');
    RETURN;
  END IF;
  FOR r IN WITH RECURSIVE reach(rel) AS (
             SELECT v_rel::oid
             UNION SELECT c.conrelid FROM pg_constraint c JOIN reach ON c.confrelid = reach.rel WHERE c.contype = 'f')
           SELECT rel::regclass AS rel FROM reach LOOP
    PERFORM ${s}.archive(r.rel, 'table', 'truncate', NULL, format('SELECT * FROM %s', r.rel), 'SHARE');
  END LOOP;
END $f$;

-- DROP COLUMN / a lossy ALTER COLUMN TYPE: the key and the column (the whole rows when there is no key)
CREATE OR REPLACE FUNCTION ${s}.backup_column(p_table text, p_column text, p_how text) RETURNS void
LANGUAGE plpgsql AS $f$
DECLARE
  v_rel regclass := to_regclass(p_table);
  v_key text[];
  v_cols text;
BEGIN
  IF v_rel IS NULL OR NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = v_rel AND attname = p_column
                                   AND attnum > 0 AND NOT attisdropped) THEN RETURN; END IF;
  v_key := ${s}.key_of(v_rel);
  IF v_key IS NULL THEN
    v_cols := '*';
  ELSE
    SELECT string_agg(quote_ident(k), ', ') INTO v_cols FROM unnest(v_key || ARRAY[p_column]) k;
  END IF;
  PERFORM ${s}.archive(v_rel, 'column', p_how, ARRAY[p_column], format('SELECT %s FROM %s', v_cols, v_rel), 'SHARE');
END $f$;

-- UPDATE / DELETE: the old rows the statement will touch (locked, so they cannot change before it runs)
CREATE OR REPLACE FUNCTION ${s}.backup_rows(p_table text, p_how text, p_set text[], p_select text) RETURNS void
LANGUAGE plpgsql AS $f$
DECLARE v_rel regclass := to_regclass(p_table);
BEGIN
  IF v_rel IS NULL THEN RETURN; END IF;
  PERFORM ${s}.archive(v_rel, 'rows', p_how, p_set, p_select || ' FOR UPDATE', NULL);
END $f$;

-- DROP SCHEMA ... CASCADE: every table in it
CREATE OR REPLACE FUNCTION ${s}.backup_schema(p_schema text) RETURNS void
LANGUAGE plpgsql AS $f$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = p_schema AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname LOOP
    PERFORM ${s}.archive(r.rel, 'table', 'drop-schema', NULL, format('SELECT * FROM %s', r.rel), 'SHARE');
  END LOOP;
END $f$;

-- the migration's history row is written: the backup belongs to it and is usable
CREATE OR REPLACE FUNCTION ${s}.finish_backup(p_history regclass, p_version text)
RETURNS TABLE (id bigint, objects integer, rows bigint, bytes bigint) LANGUAGE plpgsql AS $f$
DECLARE
  v_id bigint := nullif(current_setting('pgshift.backup_id', true), '')::bigint;
  v_history bigint;
BEGIN
  IF v_id IS NULL THEN RETURN; END IF;
  EXECUTE format('SELECT max(id) FROM %s WHERE version = $1', p_history) INTO v_history USING p_version;
  UPDATE ${s}.backups b SET verified = true, history_id = v_history WHERE b.id = v_id;
  PERFORM set_config('pgshift.backup_id', '', true);
  RETURN QUERY SELECT v_id, count(*)::integer, coalesce(sum(o.rows), 0)::bigint, coalesce(sum(o.bytes), 0)::bigint
                 FROM ${s}.backup_objects o WHERE o.backup_id = v_id;
END $f$;
-- a batched UPDATE / DELETE: an empty archive table now, each batch adds its old rows (batchSql)
CREATE OR REPLACE FUNCTION ${s}.begin_batched(p_table text, p_how text, p_set text[], p_select text)
RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
  v_id bigint := nullif(current_setting('pgshift.backup_id', true), '')::bigint;
  v_rel regclass := to_regclass(p_table);
  v_table text;
BEGIN
  SELECT format('b%s_1_%s', v_id, left(c.relname, 40)) INTO v_table FROM pg_class c WHERE c.oid = v_rel;
  EXECUTE format('CREATE TABLE ${s}.%I AS %s LIMIT 0', v_table, p_select);
  INSERT INTO ${s}.backup_objects (backup_id, seq, kind, how, source_schema, source_table, columns, key_columns,
                                   archive_table, rows, bytes, checksum)
  SELECT v_id, 1, 'rows', p_how, n.nspname, c.relname, p_set, ${s}.key_of(v_rel), v_table, 0, 0, ''
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = v_rel;
  RETURN format('${s}.%I', v_table);
END $f$;

-- the batches are done: the copy is counted and checksummed, and must hold as many rows as they changed
CREATE OR REPLACE FUNCTION ${s}.finish_batched(p_backup bigint, p_history regclass, p_version text, p_rows bigint)
RETURNS TABLE (id bigint, objects integer, rows bigint, bytes bigint) LANGUAGE plpgsql AS $f$
DECLARE
  v_table text;
  v_n bigint;
  v_sum text;
BEGIN
  SELECT o.archive_table INTO v_table FROM ${s}.backup_objects o WHERE o.backup_id = p_backup AND o.seq = 1;
  SELECT c.n, c.sum INTO v_n, v_sum FROM ${s}.checksum_of(format('SELECT * FROM ${s}.%I', v_table)) c;
  IF v_n <> p_rows THEN
    RAISE EXCEPTION USING ERRCODE = '${BACKUP_MISMATCH}', MESSAGE = format('pgshift backup %s did not verify: the batches changed %s rows, the copy holds %s', p_backup, p_rows, v_n);
  END IF;
  UPDATE ${s}.backup_objects o SET rows = v_n, checksum = v_sum,
         bytes = pg_total_relation_size(format('${s}.%I', v_table)::regclass)
   WHERE o.backup_id = p_backup AND o.seq = 1;
  PERFORM set_config('pgshift.backup_id', p_backup::text, true);
  RETURN QUERY SELECT * FROM ${s}.finish_backup(p_history, p_version);
END $f$;

CREATE OR REPLACE FUNCTION ${s}.${ARCHIVE_REVISION}() RETURNS void LANGUAGE sql AS 'SELECT';

COMMENT ON TABLE ${s}.backups IS 'pgshift: one row per migration attempt that destroyed data; verified when it committed with its migration';
`;
}
