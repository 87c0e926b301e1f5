/** Reading a tool's tracking table: only ever SELECTs, with identifiers quoted, never a write. */
import type { Driver } from '../db/driver';
import { quoteIdent } from '../runner/settings';

export interface TableRef {
  schema?: string;
  table: string;
}

/** The table's schema when it exists (the given one, else the first on the search path), else undefined. */
export async function findTable(driver: Driver, ref: TableRef): Promise<string | undefined> {
  const r = await driver.query<{ schema: string }>(
    `SELECT n.nspname AS schema
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v') AND c.relname = $1
        AND ($2::text IS NULL AND n.nspname = ANY (current_schemas(false)) OR n.nspname = $2)
      ORDER BY array_position(current_schemas(false), n.nspname::name) NULLS LAST
      LIMIT 1`,
    [ref.table, ref.schema ?? null],
  );
  return r.rows[0]?.schema;
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** A timestamp column as text the way history shows it (UTC for timestamptz, as stored for timestamp). */
export function timeText(column: string): string {
  return `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS')`;
}
