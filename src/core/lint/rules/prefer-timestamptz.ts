import type { Rule, RuleMeta } from '../types';
import { columnLabel, columnsOfType, tableInHelp, writtenType } from './_columns';

export const meta: RuleMeta = {
  id: 'prefer-timestamptz',
  description:
    'A timestamp (without time zone) column stores no UTC offset: values change meaning with the session time zone',
  defaultSeverity: 'warning',
  category: 'types',
  fixable: 'suggestion',
  kinds: ['CreateStmt', 'AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  for (const c of columnsOfType(stmt, 'timestamp')) {
    const { match, span, range } = writtenType(
      ctx,
      stmt,
      c.typeName,
      /^(?:"?pg_catalog"?\s*\.\s*)?"?timestamp"?(?:\s*\(\s*(\d+)\s*\))?(?:\s+without\s+time\s+zone)?(?![\w$])/i,
    );
    const table = tableInHelp(c);
    ctx.report({
      range,
      message: `column ${columnLabel(c)} is timestamp without time zone: it stores no UTC offset, so the instant a value stands for depends on the TimeZone of the session that wrote it; use timestamptz`,
      help: [
        "**Problem:** `timestamp` stores a wall-clock reading without a zone. `now()` and other `timestamptz` values are converted to it in the writing session's TimeZone and the offset is thrown away: an application server in another zone, a DST change or `SET TIME ZONE` silently shifts what the stored values mean, and comparisons with `now()` depend on the reader's TimeZone.",
        '',
        '**Safe way:** `timestamptz` stores an absolute instant (as UTC) and takes the same 8 bytes; it is displayed in the session time zone.',
        '```sql',
        c.alter
          ? `ALTER TABLE ${table} ALTER COLUMN ${c.column} TYPE timestamptz;`
          : `${c.column} timestamptz`,
        '```',
        `Converting an existing \`timestamp\` column with \`ALTER COLUMN ... TYPE timestamptz\` reads the old values in the session TimeZone (\`SET LOCAL TimeZone = 'UTC'\` first if they were written in UTC). It rewrites the table under an ACCESS EXCLUSIVE lock, except on PostgreSQL 12+ when the session TimeZone is UTC, where it only changes the catalog${ctx.postgresVersion >= 12 ? '' : ' (your target version is older than 12: it always rewrites)'}.`,
      ].join('\n'),
      suggestions:
        span && match
          ? [
              {
                title: 'Use timestamptz',
                edits: [{ range: span, newText: match[1] ? `timestamptz(${match[1]})` : 'timestamptz' }],
              },
            ]
          : undefined,
    });
  }
};
