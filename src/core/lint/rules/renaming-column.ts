import { as, formatName, rangeVarName } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { NAME, namePattern, nameRange, optional } from './_name-range';
import { columnAddedInFile, relationCreatedInFile } from './_relations';

export const meta: RuleMeta = {
  id: 'renaming-column',
  description:
    'RENAME COLUMN on an existing table breaks every running app version that still uses the old name',
  defaultSeverity: 'error',
  category: 'breaking-change',
  fixable: 'none',
  kinds: ['RenameStmt'],
};

const RENAMED = namePattern([/\bRENAME\s+/, optional(/COLUMN\s+/), NAME, /\s+TO\b/]);

export const check: Rule['check'] = (stmt, ctx) => {
  const rename = as(stmt.node, 'RenameStmt')!;
  if (rename.renameType !== 'OBJECT_COLUMN' || !rename.subname || !rename.newname) return;
  const table = rangeVarName(rename.relation);
  if (
    !table ||
    relationCreatedInFile(ctx, stmt, table) ||
    columnAddedInFile(ctx, stmt, table, rename.subname)
  )
    return;
  const name = formatName(table);
  const from = rename.subname;
  const to = rename.newname;
  const kind =
    rename.relationType === 'OBJECT_VIEW'
      ? 'view'
      : rename.relationType === 'OBJECT_MATVIEW'
        ? 'materialized view'
        : 'table';
  ctx.report({
    range: nameRange(stmt, RENAMED, [from]),
    message: `RENAME COLUMN ${name}.${from} TO ${to} breaks every running app version that still uses ${from}`,
    help: [
      `**Lock:** ACCESS EXCLUSIVE on \`${name}\`, briefly (only the catalog changes).`,
      '',
      `**Breakage:** during a rolling deploy the previous release is still running, and every query of it that names \`${from}\` fails ` +
        `from the moment the ${kind} is renamed; ORMs that cache the column list fail even where the code never names it. ` +
        'Views and foreign keys follow the rename; functions, triggers written in PL/pgSQL and other services do not.',
      '',
      '**Safe way:** expand/contract, one release per step:',
      '```sql',
      `-- 1. add the new column and keep it in sync (a trigger, or the app writing both)`,
      `ALTER TABLE ${name} ADD COLUMN ${to} <type>;`,
      `-- 2. backfill in batches, outside the migration transaction (see backfill-in-transaction)`,
      `UPDATE ${name} SET ${to} = ${from} WHERE id IN (SELECT id FROM ${name} WHERE ${to} IS DISTINCT FROM ${from} LIMIT 1000);`,
      `-- 3. release code that reads and writes ${to} only`,
      `-- 4. in a later migration, drop the old column`,
      `ALTER TABLE ${name} DROP COLUMN ${from};`,
      '```',
      'If clients read through views (pgroll, reshape), a view can keep exposing the old name while they move.',
    ].join('\n'),
  });
};
