import { alterCmds, as, formatName, rangeVarName, type QualifiedName } from '../ast';
import type { Range, Rule, RuleContext, RuleMeta, Stmt } from '../types';

export const meta: RuleMeta = {
  id: 'ban-drop-column',
  description: 'DROP COLUMN on an existing table deletes its data and breaks app versions that still use the column',
  defaultSeverity: 'error',
  category: 'data-loss',
  fixable: 'none',
  kinds: ['AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const alter = as(stmt.node, 'AlterTableStmt')!;
  if (alter.objtype !== 'OBJECT_TABLE') return;
  const table = rangeVarName(alter.relation);
  if (!table || ctx.isNewTable(table)) return;
  const name = formatName(table);
  for (const cmd of alterCmds(alter)) {
    if (cmd.subtype !== 'AT_DropColumn' || !cmd.name) continue;
    const column = cmd.name;
    if (columnAddedInFile(ctx, stmt, table, column)) continue;
    ctx.report({
      range: groupRange(stmt, new RegExp(`\\bDROP\\s+(?:COLUMN\\s+)?(?:IF\\s+EXISTS\\s+)?(${identPattern(column)})`, 'id')),
      message: `DROP COLUMN ${column} deletes the data of ${name}.${column} and breaks every running app version that still reads or writes it`,
      help: [
        `**Lock:** ACCESS EXCLUSIVE on \`${name}\`, briefly: the column is only marked as dropped, the table is not rewritten. ` +
          'Indexes and constraints on the column go with it; a foreign key on it also locks the table it references.',
        '',
        `**Breakage:** the values are gone for good, and app servers still running the previous release fail as soon as they name \`${column}\` ` +
          '(ORMs that cache the column list, such as Rails, fail on every insert into the table even where the code never names it).',
        '',
        '**Safe way:** expand/contract:',
        `1. Release app code that no longer reads or writes \`${column}\` (in Rails, add it to \`ignored_columns\`); make it nullable or give it a default first if the new code stops writing it.`,
        '2. Once every server runs that release, drop it in a later migration and record why that is safe:',
        '```sql',
        `-- pgshift-ignore ban-drop-column: no release since <version> uses ${column}`,
        `ALTER TABLE ${name} DROP COLUMN ${column};`,
        '```',
        'Keep a copy first if the values may be needed again (`CREATE TABLE ... AS SELECT id, ...`).',
      ].join('\n'),
    });
  }
};

// Helpers shared by the rules about dropped and renamed objects (ban-drop-*, renaming-*, ban-cascade, ...).

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Regex source for an identifier as it can be written in SQL: quoted, or bare in any letter case when
 * the name needs no quotes (PostgreSQL folds bare identifiers to lower case).
 */
export function identPattern(name: string): string {
  const quoted = `"${escapeRe(name.replace(/"/g, '""'))}"`;
  if (!/^[a-z_\u0080-\uffff][a-z0-9_$\u0080-\uffff]*$/.test(name)) return quoted;
  return `(?:${quoted}|${escapeRe(name)}(?![\\w$\\u0080-\\uffff]))`;
}

/** Regex source for a name as written: `schema.name` when it has a schema, else `name`. */
export function qualifiedPattern(q: QualifiedName): string {
  return q.schema ? `${identPattern(q.schema)}\\s*\\.\\s*${identPattern(q.name)}` : identPattern(q.name);
}

/** Byte range in the file of capture group 1 of `re` (which needs the `d` flag) in the statement text. */
export function groupRange(stmt: Stmt, re: RegExp): Range | undefined {
  // SQL found inside a DO block may not have been located in the file: its text and range then differ.
  if (Buffer.byteLength(stmt.text, 'utf8') !== stmt.range.end - stmt.range.start) return undefined;
  const m = re.exec(stmt.text);
  const at = m?.indices?.[1];
  if (!at) return undefined;
  const start = stmt.range.start + Buffer.byteLength(stmt.text.slice(0, at[0]), 'utf8');
  return { start, end: start + Buffer.byteLength(stmt.text.slice(at[0], at[1]), 'utf8') };
}

/** Same relation; an unqualified name matches any schema, as in SchemaModel (search_path is unknown). */
export function sameRelation(a: QualifiedName, b: QualifiedName): boolean {
  return a.name === b.name && (!a.schema || !b.schema || a.schema === b.schema);
}

/** True when an earlier statement of the file added `column` to `table`: nobody else uses it yet. */
export function columnAddedInFile(ctx: RuleContext, stmt: Stmt, table: QualifiedName, column: string): boolean {
  for (const s of ctx.statements.slice(0, stmt.index)) {
    const alter = as(s.node, 'AlterTableStmt');
    const q = rangeVarName(alter?.relation);
    if (!alter || !q || !sameRelation(q, table)) continue;
    for (const cmd of alterCmds(alter)) {
      if (cmd.subtype === 'AT_AddColumn' && as(cmd.def, 'ColumnDef')?.colname === column) return true;
    }
  }
  return false;
}
