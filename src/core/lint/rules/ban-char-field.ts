import type * as T from '@pgsql/types';
import { alterCmds, as, formatName, rangeVarName, stringList, typeMods, type QualifiedName } from '../ast';
import type { Fix, Range, Rule, RuleMeta, Stmt } from '../types';

export const meta: RuleMeta = {
  id: 'ban-char-field',
  description: 'char(n) pads values with spaces and compares them in surprising ways: use text (or varchar)',
  defaultSeverity: 'warning',
  category: 'types',
  fixable: 'suggestion',
  kinds: ['CreateStmt', 'AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  for (const c of typedColumns(stmt)) {
    // char(n), character(n), nchar(n) and bare char/character are all bpchar in the tree; the internal
    // one-byte type written "char" (or pg_catalog.char) is a different type and is fine.
    if (!isCatalogType(c.typeName, 'bpchar')) continue;
    const explicitLength = (c.typeName.typmods ?? []).some((m) => (as(m, 'A_Const')?.location ?? -1) >= 0);
    const n = typeMods(c.typeName)[0];
    const label = n === undefined ? 'bpchar' : `char(${n})`;
    const span = typeSpan(
      stmt,
      c.typeName,
      /^(?:"?pg_catalog"?\s*\.\s*)?(?:"?bpchar"?|national\s+char(?:acter)?|nchar|char(?:acter)?)(?:\s*\(\s*\d+\s*\))?(?![\w$])/i,
    );
    const col = c.table ? `${formatName(c.table)}.${c.column}` : c.column;
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
      range: span ?? ctx.rangeAt(stmt, c.typeName.location),
      message: `column ${col} is ${label}${n === 1 && !explicitLength ? ' (char without a length means char(1))' : ''}: values are padded with spaces and trailing spaces are ignored when comparing, but not by every client or operator; use text`,
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
