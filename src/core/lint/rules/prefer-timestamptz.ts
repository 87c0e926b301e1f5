import type * as T from '@pgsql/types';
import { alterCmds, as, formatName, rangeVarName, stringList, type QualifiedName } from '../ast';
import type { Range, Rule, RuleMeta, Stmt } from '../types';

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
  for (const c of typedColumns(stmt)) {
    if (!isCatalogType(c.typeName, 'timestamp')) continue;
    const m = typeMatch(
      stmt,
      c.typeName,
      /^(?:"?pg_catalog"?\s*\.\s*)?"?timestamp"?(?:\s*\(\s*(\d+)\s*\))?(?:\s+without\s+time\s+zone)?(?![\w$])/i,
    );
    const col = c.table ? `${formatName(c.table)}.${c.column}` : c.column;
    const table = c.table ? formatName(c.table) : 't';
    ctx.report({
      range: m?.range ?? ctx.rangeAt(stmt, c.typeName.location),
      message: `column ${col} is timestamp without time zone: it stores no UTC offset, so the instant a value stands for depends on the TimeZone of the session that wrote it; use timestamptz`,
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
      suggestions: m
        ? [
            {
              title: 'Use timestamptz',
              edits: [
                { range: m.range, newText: m.precision ? `timestamptz(${m.precision})` : 'timestamptz' },
              ],
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

// The byte range of the type's spelling, and its precision, when the anchored `re` matches at the TypeName's location.
function typeMatch(stmt: Stmt, tn: T.TypeName, re: RegExp): { range: Range; precision?: string } | undefined {
  const bytes = Buffer.from(stmt.text, 'utf8');
  const loc = tn.location;
  if (loc === undefined || loc < 0 || bytes.length !== stmt.range.end - stmt.range.start) return undefined;
  const m = re.exec(bytes.toString('utf8', loc));
  if (!m) return undefined;
  const start = stmt.range.start + loc;
  return { range: { start, end: start + Buffer.byteLength(m[0], 'utf8') }, precision: m[1] };
}
