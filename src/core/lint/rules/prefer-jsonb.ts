import type * as T from '@pgsql/types';
import { alterCmds, as, formatName, rangeVarName, stringList, type QualifiedName } from '../ast';
import type { Range, Rule, RuleMeta, Stmt } from '../types';

export const meta: RuleMeta = {
  id: 'prefer-jsonb',
  description:
    'A json column has no equality operator (DISTINCT, UNION, GROUP BY fail) and no GIN index: use jsonb',
  defaultSeverity: 'warning',
  category: 'types',
  fixable: 'suggestion',
  kinds: ['CreateStmt', 'AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  for (const c of typedColumns(stmt)) {
    if (!isCatalogType(c.typeName, 'json')) continue;
    const span = typeSpan(stmt, c.typeName, /^(?:"?pg_catalog"?\s*\.\s*)?"?json"?(?![\w$])/i);
    const col = c.table ? `${formatName(c.table)}.${c.column}` : c.column;
    ctx.report({
      range: span ?? ctx.rangeAt(stmt, c.typeName.location),
      message: `column ${col} is json: json has no equality operator, so SELECT DISTINCT, UNION, GROUP BY and = on it fail, and it cannot have a GIN index; use jsonb`,
      help: [
        '**Problem:** `json` keeps the input text verbatim and re-parses it on every access. It has no `=` operator, so `SELECT DISTINCT`, `UNION` (without ALL), `GROUP BY` and comparisons on the column fail with "could not identify an equality operator for type json", and it supports neither GIN indexes nor the containment operators (`@>`, `?`).',
        '',
        '**Safe way:** declare the column `jsonb`:',
        '```sql',
        `${c.alter ? `ALTER TABLE ${c.table ? formatName(c.table) : 't'} ALTER COLUMN ${c.column} TYPE jsonb USING ${c.column}::jsonb;` : `${c.column} jsonb`}`,
        '```',
        'jsonb does not keep key order, whitespace or duplicate keys (the last one wins). Keep `json` only when the exact input text must be preserved.',
        '',
        'Changing an existing `json` column to `jsonb` with `ALTER COLUMN ... TYPE` rewrites the table under an ACCESS EXCLUSIVE lock; on a large table add a `jsonb` column, backfill it in batches, then switch over.',
      ].join('\n'),
      suggestions: span
        ? [
            {
              title: 'Use jsonb (drops duplicate keys and key order)',
              edits: [{ range: span, newText: 'jsonb' }],
            },
          ]
        : undefined,
    });
  }
};

interface TypedColumn {
  table?: QualifiedName;
  column: string;
  typeName: T.TypeName;
  /** ALTER COLUMN ... TYPE rather than a new column */
  alter: boolean;
}

// The columns whose type a statement sets: CREATE TABLE, ADD COLUMN, ALTER COLUMN ... TYPE. Temporary tables
// vanish with the session, so their types do not matter.
function typedColumns(stmt: Stmt): TypedColumn[] {
  const out: TypedColumn[] = [];
  const create = as(stmt.node, 'CreateStmt');
  if (create && create.relation?.relpersistence !== 't') {
    for (const el of create.tableElts ?? []) {
      const col = as(el, 'ColumnDef');
      if (col?.typeName)
        out.push({
          table: rangeVarName(create.relation),
          column: col.colname ?? '?',
          typeName: col.typeName,
          alter: false,
        });
    }
  }
  const alter = as(stmt.node, 'AlterTableStmt');
  if (alter?.objtype === 'OBJECT_TABLE') {
    for (const cmd of alterCmds(alter)) {
      const col = as(cmd.def, 'ColumnDef');
      if (!col?.typeName) continue;
      const table = rangeVarName(alter.relation);
      if (cmd.subtype === 'AT_AddColumn')
        out.push({ table, column: col.colname ?? '?', typeName: col.typeName, alter: false });
      else if (cmd.subtype === 'AT_AlterColumnType')
        out.push({ table, column: cmd.name ?? '?', typeName: col.typeName, alter: true });
    }
  }
  return out;
}

/** The built-in type `name` (unqualified or pg_catalog-qualified), not a same-named type in another schema. */
function isCatalogType(tn: T.TypeName, name: string): boolean {
  const names = stringList(tn.names);
  return (
    names[names.length - 1] === name &&
    (names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog'))
  );
}

// The byte range of the type's spelling, when the anchored `re` matches at the TypeName's location.
function typeSpan(stmt: Stmt, tn: T.TypeName, re: RegExp): Range | undefined {
  const bytes = Buffer.from(stmt.text, 'utf8');
  const loc = tn.location;
  if (loc === undefined || loc < 0 || bytes.length !== stmt.range.end - stmt.range.start) return undefined;
  const m = re.exec(bytes.toString('utf8', loc));
  if (!m) return undefined;
  const start = stmt.range.start + loc;
  return { start, end: start + Buffer.byteLength(m[0], 'utf8') };
}
