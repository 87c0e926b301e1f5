import type * as T from '@pgsql/types';
import { alterCmds, as, formatName, rangeVarName, stringList, typeMods, type QualifiedName } from '../ast';
import type { Range, Rule, RuleMeta, Stmt } from '../types';

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
  for (const c of typedColumns(stmt)) {
    const n = typeMods(c.typeName)[0];
    // varchar without a length is text under another name: nothing to evolve
    if (!isCatalogType(c.typeName, 'varchar') || n === undefined) continue;
    const span = typeSpan(
      stmt,
      c.typeName,
      /^(?:"?pg_catalog"?\s*\.\s*)?(?:"?varchar"?|(?:national\s+char(?:acter)?|nchar|char(?:acter)?)\s+varying)\s*\(\s*\d+\s*\)/i,
    );
    const col = c.table ? `${formatName(c.table)}.${c.column}` : c.column;
    const table = c.table ? formatName(c.table) : 't';
    ctx.report({
      range: span ?? ctx.rangeAt(stmt, c.typeName.location),
      message: `column ${col} is varchar(${n}): changing the limit later takes ALTER COLUMN TYPE under an ACCESS EXCLUSIVE lock (narrowing it rewrites ${table}); text with a CHECK on its length is easier to change`,
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
