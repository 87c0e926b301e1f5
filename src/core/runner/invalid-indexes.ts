/**
 * Indexes marked invalid (pg_index.indisvalid = false): what a failed or interrupted CREATE INDEX
 * CONCURRENTLY (or REINDEX CONCURRENTLY) leaves behind. They slow every write and serve no read, and a
 * re-run with IF NOT EXISTS would silently keep them, so the runner names each one with its DROP.
 */
import type { Driver } from '../db/driver';
import { quoteIdent } from './settings';

export interface InvalidIndex {
  schema: string;
  name: string;
  table: string;
  /** the statement that removes it without blocking the table */
  drop: string;
}

export async function invalidIndexes(driver: Driver): Promise<InvalidIndex[]> {
  const r = await driver.query<{ schema: string; name: string; table: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, t.relname AS table
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
      ORDER BY 1, 2`,
  );
  return r.rows.map((x) => ({
    ...x,
    drop: `DROP INDEX CONCURRENTLY IF EXISTS ${quoteIdent(x.schema)}.${quoteIdent(x.name)};`,
  }));
}

/** One line for a hint: 'invalid index public.orders_email_idx (on orders) left behind: run DROP INDEX CONCURRENTLY ...' */
export function describeInvalidIndexes(list: readonly InvalidIndex[]): string | undefined {
  if (!list.length) return undefined;
  const each = list.map((i) => `${i.schema}.${i.name} on ${i.table}`).join(', ');
  return `invalid ${list.length === 1 ? 'index' : 'indexes'} left by a failed CREATE INDEX CONCURRENTLY: ${each}; remove with ${list.map((i) => i.drop).join(' ')}`;
}
