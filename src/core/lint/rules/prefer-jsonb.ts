import type { Rule, RuleMeta } from '../types';
import { columnLabel, columnsOfType, tableInHelp, writtenType } from './_columns';

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
  for (const c of columnsOfType(stmt, 'json')) {
    const { span, range } = writtenType(
      ctx,
      stmt,
      c.typeName,
      /^(?:"?pg_catalog"?\s*\.\s*)?"?json"?(?![\w$])/i,
    );
    ctx.report({
      range,
      message: `column ${columnLabel(c)} is json: json has no equality operator, so SELECT DISTINCT, UNION, GROUP BY and = on it fail, and it cannot have a GIN index; use jsonb`,
      help: [
        '**Problem:** `json` keeps the input text verbatim and re-parses it on every access. It has no `=` operator, so `SELECT DISTINCT`, `UNION` (without ALL), `GROUP BY` and comparisons on the column fail with "could not identify an equality operator for type json", and it supports neither GIN indexes nor the containment operators (`@>`, `?`).',
        '',
        '**Safe way:** declare the column `jsonb`:',
        '```sql',
        `${c.alter ? `ALTER TABLE ${tableInHelp(c)} ALTER COLUMN ${c.column} TYPE jsonb USING ${c.column}::jsonb;` : `${c.column} jsonb`}`,
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
