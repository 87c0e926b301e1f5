import { as, typeMods } from '../ast';
import type { Fix, Rule, RuleMeta } from '../types';
import { columnLabel, columnsOfType, writtenType } from './_columns';

export const meta: RuleMeta = {
  id: 'ban-char-field',
  description: 'char(n) pads values with spaces and compares them in surprising ways: use text (or varchar)',
  defaultSeverity: 'warning',
  category: 'types',
  fixable: 'suggestion',
  kinds: ['CreateStmt', 'AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  // char(n), character(n), nchar(n) and bare char/character are all bpchar in the tree; the internal
  // one-byte type written "char" (or pg_catalog.char) is a different type and is fine.
  for (const c of columnsOfType(stmt, 'bpchar')) {
    const explicitLength = (c.typeName.typmods ?? []).some((m) => (as(m, 'A_Const')?.location ?? -1) >= 0);
    const n = typeMods(c.typeName)[0];
    const label = n === undefined ? 'bpchar' : `char(${n})`;
    const { span, range } = writtenType(
      ctx,
      stmt,
      c.typeName,
      /^(?:"?pg_catalog"?\s*\.\s*)?(?:"?bpchar"?|national\s+char(?:acter)?|nchar|char(?:acter)?)(?:\s*\(\s*\d+\s*\))?(?![\w$])/i,
    );
    const suggestions: Fix[] = [];
    if (span) {
      suggestions.push({
        title: 'Use text (trailing spaces become significant; no length limit)',
        edits: [{ range: span, newText: 'text' }],
      });
      if (n !== undefined && explicitLength)
        suggestions.push({
          title: `Use varchar(${n}) (keeps the length limit, no padding)`,
          edits: [{ range: span, newText: `varchar(${n})` }],
        });
    }
    ctx.report({
      range,
      message: `column ${columnLabel(c)} is ${label}${n === 1 && !explicitLength ? ' (char without a length means char(1))' : ''}: values are padded with spaces and trailing spaces are ignored when comparing, but not by every client or operator; use text`,
      help: [
        `**Problem:** \`${label}\` is blank-padded: shorter values are stored padded with spaces, comparisons between char values ignore trailing spaces, and converting to \`text\` (concatenation, \`length()\`, most functions) strips them. So \`'a '\` and \`'a'\` are equal in the column but not once compared as text, pattern matching treats the padding differently, and clients receive the padded string. It is not faster either: PostgreSQL documents \`character(n)\` as usually the slowest of the three string types, because of the padding.`,
        '',
        '**Safe way:** use `text`, with a CHECK constraint if the length must be limited (or `varchar(n)`):',
        '```sql',
        n !== undefined && explicitLength
          ? `${c.column} text CHECK (char_length(${c.column}) <= ${n})`
          : `${c.column} text`,
        '```',
        'Switching the type changes how values with trailing spaces compare, which is why pgshift offers it as a suggestion and not a fix.',
      ].join('\n'),
      suggestions: suggestions.length ? suggestions : undefined,
    });
  }
};
