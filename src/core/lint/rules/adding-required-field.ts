import type * as T from '@pgsql/types';
import { as, columnConstraints, typeNameToString } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { addedColumns, isSerial } from './_columns';
import { alterOfExistingTable } from './_relations';

export const meta: RuleMeta = {
  id: 'adding-required-field',
  description:
    'ADD COLUMN ... NOT NULL without a DEFAULT fails on a table that has rows and breaks writers that omit it',
  defaultSeverity: 'error',
  category: 'correctness',
  fixable: 'none',
  kinds: ['AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const target = alterOfExistingTable(stmt, ctx);
  if (!target) return;
  const { table, name } = target;
  for (const col of addedColumns(target.cmds)) {
    if (!requiredWithoutValue(col)) continue;
    const column = col.colname;
    const type = typeNameToString(col.typeName);
    const v = ctx.postgresVersion;
    ctx.report({
      range: ctx.rangeAt(stmt, col.location),
      message: `ALTER TABLE ${name} ADD COLUMN ${column} is NOT NULL without a DEFAULT: it fails if ${name} has any row ("column contains null values"), and inserts that omit ${column} fail`,
      help: [
        `**What happens:** PostgreSQL fills \`${column}\` with NULL in every existing row, so the statement fails as soon as \`${name}\` is not empty. On an empty table it succeeds — and then the application version still running, which does not know \`${column}\`, fails on every INSERT.`,
        '',
        `**Safe way:** give it a constant default${v >= 11 ? ` — on PostgreSQL ${v} that is free: no rewrite, only a brief ACCESS EXCLUSIVE lock` : ` (on PostgreSQL ${v} that rewrites the table: prefer the second way)`}:`,
        '```sql',
        `ALTER TABLE ${name} ADD COLUMN ${column} ${type} NOT NULL DEFAULT <value>;`,
        '```',
        'or add it nullable, backfill it, then make it NOT NULL without a long lock:',
        '```sql',
        `ALTER TABLE ${name} ADD COLUMN ${column} ${type};`,
        `-- deploy code that writes ${column}, then backfill in batches (each its own transaction):`,
        `UPDATE ${name} SET ${column} = <value> WHERE ${column} IS NULL AND <key range>;`,
        `ALTER TABLE ${name} ADD CONSTRAINT ${table.name}_${column}_not_null CHECK (${column} IS NOT NULL) NOT VALID;`,
        '-- next migration:',
        `ALTER TABLE ${name} VALIDATE CONSTRAINT ${table.name}_${column}_not_null;`,
        `ALTER TABLE ${name} ALTER COLUMN ${column} SET NOT NULL;${v >= 12 ? '  -- no scan: the validated CHECK proves it' : '  -- scans the table before PostgreSQL 12'}`,
        `ALTER TABLE ${name} DROP CONSTRAINT ${table.name}_${column}_not_null;`,
        '```',
      ].join('\n'),
    });
  }
};

/** NOT NULL (or PRIMARY KEY) with nothing that gives existing rows a value. */
function requiredWithoutValue(col: T.ColumnDef): boolean {
  const cons = columnConstraints(col);
  if (!cons.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY')) return false;
  if (cons.some((c) => c.contype === 'CONSTR_GENERATED' || c.contype === 'CONSTR_IDENTITY')) return false;
  const dflt = cons.find((c) => c.contype === 'CONSTR_DEFAULT');
  if (dflt && !as(dflt.raw_expr, 'A_Const')?.isnull) return false;
  // serial types come with a nextval() default
  return !isSerial(col.typeName);
}
