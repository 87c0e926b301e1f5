/**
 * Post-apply checks on a database: what a schema change commonly leaves behind that costs later —
 * foreign keys with no index on the referencing side (every DELETE or key UPDATE on the referenced
 * table scans the referencing one), invalid indexes (a failed CREATE INDEX CONCURRENTLY: written on
 * every insert, used by no query), constraints added NOT VALID and never validated, tables without a
 * primary key (logical replication cannot UPDATE or DELETE their rows). Read-only catalog queries.
 */
import type { Driver } from '../db/driver';
import { invalidIndexes } from '../runner/invalid-indexes';
import type { PostApplyIssue } from './model';

export interface PostApplyOptions {
  /** schemas left out besides the system ones (pgshift's history schema) */
  excludeSchemas?: string[];
  where: PostApplyIssue['where'];
}

export async function postApplyChecks(driver: Driver, opts: PostApplyOptions): Promise<PostApplyIssue[]> {
  const exclude = opts.excludeSchemas ?? ['pgshift'];
  const where = opts.where;
  const ns = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND NOT (n.nspname = ANY($1::text[]))`;
  const issues: PostApplyIssue[] = [];

  const fks = await driver.query<{ table: string; name: string; cols: string; ref: string }>(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS table, co.conname AS name,
            (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord) FROM unnest(co.conkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum) AS cols,
            co.confrelid::regclass::text AS ref
       FROM pg_constraint co
       JOIN pg_class c ON c.oid = co.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE co.contype = 'f' AND ${ns}
        AND NOT EXISTS (
          SELECT 1 FROM pg_index i
           WHERE i.indrelid = co.conrelid AND i.indisvalid AND i.indpred IS NULL
             -- the FK columns, in any order, are the leading columns of the index
             AND (SELECT array_agg(k ORDER BY k) FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(k, o) WHERE o <= cardinality(co.conkey))
                 = (SELECT array_agg(x ORDER BY x) FROM unnest(co.conkey) x))
      ORDER BY 1, 2`,
    [exclude],
  );
  for (const f of fks.rows) {
    issues.push({
      kind: 'fk-without-index',
      table: f.table,
      object: f.name,
      message: `foreign key ${f.name} on ${f.table} (${f.cols}) has no index starting with those columns: every DELETE or key UPDATE on ${f.ref} scans ${f.table}`,
      fix: `CREATE INDEX CONCURRENTLY ON ${f.table} (${f.cols});`,
      where,
    });
  }

  for (const i of await invalidIndexes(driver)) {
    if (exclude.includes(i.schema)) continue;
    issues.push({
      kind: 'invalid-index',
      table: `${i.schema}.${i.table}`,
      object: i.name,
      message: `index ${i.schema}.${i.name} is INVALID (left by a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY): every write maintains it, no query uses it`,
      fix: i.drop,
      where,
    });
  }

  const notValid = await driver.query<{ table: string; name: string; type: string }>(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS table, co.conname AS name, co.contype::text AS type
       FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT co.convalidated AND co.contype IN ('c', 'f', 'n') AND ${ns}
      ORDER BY 1, 2`,
    [exclude],
  );
  for (const c of notValid.rows) {
    const what = c.type === 'f' ? 'foreign key' : c.type === 'n' ? 'NOT NULL constraint' : 'CHECK constraint';
    issues.push({
      kind: 'not-valid-constraint',
      table: c.table,
      object: c.name,
      message: `${what} ${c.name} on ${c.table} was added NOT VALID and never validated: rows written before it may violate it, and the planner cannot rely on it`,
      fix: `ALTER TABLE ${c.table} VALIDATE CONSTRAINT ${quote(c.name)};`,
      where,
    });
  }

  const noPk = await driver.query<{ table: string }>(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS table
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${ns}
        AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conrelid = c.oid AND co.contype = 'p')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1`,
    [exclude],
  );
  for (const t of noPk.rows) {
    issues.push({
      kind: 'no-primary-key',
      table: t.table,
      object: t.table,
      message: `${t.table} has no primary key: rows cannot be addressed reliably, and logical replication cannot replicate its UPDATEs and DELETEs`,
      where,
    });
  }
  return issues;
}

function quote(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
