import type { Rule, RuleMeta } from '../types';
import { NAME, namePattern, nameRange, optional } from './_name-range';
import { cmdsOnOldColumns } from './_relations';

export const meta: RuleMeta = {
  id: 'ban-drop-not-null',
  description:
    'DROP NOT NULL on an existing column lets NULLs in, breaking readers that assume the column is always set',
  defaultSeverity: 'info',
  category: 'breaking-change',
  fixable: 'none',
  kinds: ['AlterTableStmt'],
};

const ALTERED = namePattern([/\bALTER\s+/, optional(/COLUMN\s+/), NAME, /\s+DROP\s+NOT\s+NULL\b/]);

export const check: Rule['check'] = (stmt, ctx) => {
  for (const { name, column } of cmdsOnOldColumns(stmt, ctx, 'AT_DropNotNull')) {
    ctx.report({
      range: nameRange(stmt, ALTERED, [column]),
      message: `DROP NOT NULL on ${name}.${column} lets NULLs in: code and queries that assume ${column} is always set break on the first NULL`,
      help: [
        `**Lock:** ACCESS EXCLUSIVE on \`${name}\`, briefly (no scan, no rewrite).`,
        '',
        `**Breakage:** readers written against a NOT NULL column — non-optional fields in app models, comparisons and joins on the column, ` +
          '`SUM`/`COUNT(column)` reports, other services reading the table — start seeing NULLs as soon as a writer stores one.',
        '',
        '**Safe way:** release readers that handle NULL first, then drop the constraint, then release writers that store NULL. ' +
          `If this is the first step of removing \`${column}\` (so new code can stop writing it), that order is already met: silence the finding with the reason.`,
        '```sql',
        `-- pgshift-ignore ban-drop-not-null: first step of removing ${column}; no reader uses it any more`,
        `ALTER TABLE ${name} ALTER COLUMN ${column} DROP NOT NULL;`,
        '```',
      ].join('\n'),
    });
  }
};
