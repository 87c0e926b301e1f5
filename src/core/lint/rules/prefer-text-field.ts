import { typeMods } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { columnLabel, columnsOfType, tableInHelp, writtenType } from './_columns';

export const meta: RuleMeta = {
  id: 'prefer-text-field',
  description:
    'varchar(n) limits are changed with ALTER COLUMN TYPE (ACCESS EXCLUSIVE): text with a CHECK is easier to evolve',
  defaultSeverity: 'hint',
  category: 'types',
  fixable: 'suggestion',
  kinds: ['CreateStmt', 'AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  for (const c of columnsOfType(stmt, 'varchar')) {
    const n = typeMods(c.typeName)[0];
    // varchar without a length is text under another name: nothing to evolve
    if (n === undefined) continue;
    const { span, range } = writtenType(
      ctx,
      stmt,
      c.typeName,
      /^(?:"?pg_catalog"?\s*\.\s*)?(?:"?varchar"?|(?:national\s+char(?:acter)?|nchar|char(?:acter)?)\s+varying)\s*\(\s*\d+\s*\)/i,
    );
    const table = tableInHelp(c);
    ctx.report({
      range,
      message: `column ${columnLabel(c)} is varchar(${n}): changing the limit later takes ALTER COLUMN TYPE under an ACCESS EXCLUSIVE lock (narrowing it rewrites ${table}); text with a CHECK on its length is easier to change`,
      help: [
        '**Advice, not a risk:** `varchar(n)` works, and widening it later (`varchar(m)` with m > n, or `text`) only changes the catalog since PostgreSQL 9.2. But every change of `n` is an `ALTER COLUMN ... TYPE`, which takes an ACCESS EXCLUSIVE lock — brief when widening, yet it queues behind long transactions and everything queues behind it — and narrowing rewrites the table under that lock.',
        '',
        '**Easier to evolve:** `text` plus a CHECK constraint. A new limit is added `NOT VALID` (a brief lock, no scan) and validated under a SHARE UPDATE EXCLUSIVE lock while reads and writes continue, so even tightening it never rewrites the table:',
        '```sql',
        `${c.column} text CHECK (char_length(${c.column}) <= ${n})`,
        '',
        '-- later, to change the limit:',
        `ALTER TABLE ${table} ADD CONSTRAINT ${c.table?.name ?? 't'}_${c.column}_length CHECK (char_length(${c.column}) <= ${n * 2}) NOT VALID;`,
        `ALTER TABLE ${table} VALIDATE CONSTRAINT ${c.table?.name ?? 't'}_${c.column}_length;`,
        '```',
        '`text` and `varchar` perform the same; `n` counts characters, not bytes.',
      ].join('\n'),
      suggestions: span
        ? [
            {
              title: 'Use text (drops the length limit; add a CHECK to keep it)',
              edits: [{ range: span, newText: 'text' }],
            },
          ]
        : undefined,
    });
  }
};
