import type * as T from '@pgsql/types';
import { alterCmds, as, createTableOf, stringList } from '../ast';
import type { Range, Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { quoteIdent } from './_relations';
import { locatedInFile, perFile } from './_util';

export const meta: RuleMeta = {
  id: 'require-table-schema',
  description:
    'A table named without its schema (CREATE, ALTER, DROP TABLE, CREATE INDEX ON, REFERENCES) resolves through search_path at run time',
  defaultSeverity: 'warning',
  category: 'correctness',
  fixable: 'suggestion',
  kinds: [
    'CreateStmt',
    'CreateForeignTableStmt',
    'CreateTableAsStmt',
    'SelectStmt',
    'AlterTableStmt',
    'RenameStmt',
    'AlterObjectSchemaStmt',
    'DropStmt',
    'IndexStmt',
  ],
  optIn: true,
};

/** What the statement does with the table: decides the message. */
type Role = 'create' | 'alter' | 'drop' | 'index' | 'reference';

interface Unqualified {
  name: string;
  role: Role;
  /** how the statement names it: `CREATE TABLE orders`, `REFERENCES users` */
  label: string;
  range: Range;
  /** false when the range is not the name's (SQL of a DO block that could not be located) */
  exact: boolean;
}

const TABLE_KINDS = new Set<string>(['OBJECT_TABLE', 'OBJECT_FOREIGN_TABLE']);

export const check: Rule['check'] = (stmt, ctx) => {
  if (searchPathSetBefore(ctx, stmt)) return;
  const temps = tempTables(ctx.statements);
  const isTemp = (name: string): boolean => (temps.get(name) ?? Infinity) < stmt.index;
  for (const u of unqualifiedNames(stmt, ctx)) {
    if (isTemp(u.name)) continue;
    const name = quoteIdent(u.name);
    ctx.report({
      range: u.range,
      message: `${u.label} names no schema: ${CONSEQUENCE[u.role](name)}, so the result depends on the search_path of the session that runs the migration`,
      help: [
        `**Why:** an unqualified name is resolved through \`search_path\` when the statement runs (by default \`"$user", public\`). A different migration role, \`ALTER ROLE ... SET search_path\`, a connection pooler's settings or a schema named after the role change it, and the same statement then ${u.role === 'create' ? 'creates the table in another schema (or fails when none is usable)' : 'acts on a table of the same name in another schema, or fails because it finds none'}.`,
        '',
        '**Safe way:** name the schema:',
        '```sql',
        EXAMPLE[u.role](`public.${name}`),
        '```',
        "Temporary tables need no schema (they live in the session's own `pg_temp`). A file that sets `search_path` itself (`SET search_path = app`) before the statement is not flagged either.",
      ].join('\n'),
      suggestions:
        u.exact && locatedInFile(stmt)
          ? [
              {
                title: `Qualify as public.${name} (check that public is the schema you mean)`,
                edits: [{ range: { start: u.range.start, end: u.range.start }, newText: 'public.' }],
              },
            ]
          : undefined,
    });
  }
};

const CONSEQUENCE: Record<Role, (name: string) => string> = {
  create: () => 'the table goes into the first existing schema of search_path',
  alter: (n) => `it changes the first ${n} found along search_path`,
  drop: (n) => `it drops the first ${n} found along search_path`,
  index: (n) => `the index is built on the first ${n} found along search_path`,
  reference: (n) => `it refers to the first ${n} found along search_path`,
};

const EXAMPLE: Record<Role, (q: string) => string> = {
  create: (q) => `CREATE TABLE ${q} (...);`,
  alter: (q) => `ALTER TABLE ${q} ...;`,
  drop: (q) => `DROP TABLE ${q};`,
  index: (q) => `CREATE INDEX ... ON ${q} (...);`,
  reference: (q) => `... REFERENCES ${q} (...)`,
};

function unqualifiedNames(stmt: Stmt, ctx: RuleContext): Unqualified[] {
  const out: Unqualified[] = [];
  const add = (rv: T.RangeVar | undefined, role: Role, words: string): void => {
    if (!rv?.relname || rv.schemaname || rv.relpersistence === 't') return;
    const range = ctx.rangeAt(stmt, rv.location);
    const label = words.includes('$')
      ? words.replace('$', quoteIdent(rv.relname))
      : `${words} ${quoteIdent(rv.relname)}`;
    out.push({ name: rv.relname, role, label, range, exact: range !== stmt.range });
  };
  switch (stmt.kind) {
    case 'CreateStmt':
    case 'CreateForeignTableStmt': {
      const c = createTableOf(stmt.node);
      // a temporary table may only refer to temporary tables
      if (!c || c.relation?.relpersistence === 't') break;
      add(c.relation, 'create', stmt.kind === 'CreateStmt' ? 'CREATE TABLE' : 'CREATE FOREIGN TABLE');
      for (const parent of c.inhRelations ?? [])
        add(as(parent, 'RangeVar'), 'reference', c.partbound ? 'PARTITION OF' : 'INHERITS ($)');
      for (const e of c.tableElts ?? []) {
        add(as(e, 'TableLikeClause')?.relation, 'reference', 'LIKE');
        add(as(e, 'Constraint')?.pktable, 'reference', 'REFERENCES');
        for (const k of as(e, 'ColumnDef')?.constraints ?? [])
          add(as(k, 'Constraint')?.pktable, 'reference', 'REFERENCES');
      }
      break;
    }
    case 'CreateTableAsStmt': {
      const c = as(stmt.node, 'CreateTableAsStmt')!;
      if (c.objtype === 'OBJECT_TABLE') add(c.into?.rel, 'create', 'CREATE TABLE $ AS');
      break;
    }
    case 'SelectStmt':
      add(as(stmt.node, 'SelectStmt')!.intoClause?.rel, 'create', 'SELECT ... INTO');
      break;
    case 'AlterTableStmt': {
      const alter = as(stmt.node, 'AlterTableStmt')!;
      if (!TABLE_KINDS.has(alter.objtype ?? '')) break;
      const verb = alter.objtype === 'OBJECT_TABLE' ? 'ALTER TABLE' : 'ALTER FOREIGN TABLE';
      add(alter.relation, 'alter', verb);
      for (const cmd of alterCmds(alter)) {
        add(as(cmd.def, 'Constraint')?.pktable, 'reference', 'REFERENCES');
        const partition = cmd.subtype === 'AT_AttachPartition' ? 'ATTACH PARTITION' : 'DETACH PARTITION';
        add(as(cmd.def, 'PartitionCmd')?.name, 'reference', partition);
        if (cmd.subtype === 'AT_AddInherit' || cmd.subtype === 'AT_DropInherit')
          add(
            as(cmd.def, 'RangeVar'),
            'reference',
            cmd.subtype === 'AT_AddInherit' ? 'INHERIT' : 'NO INHERIT',
          );
        for (const k of as(cmd.def, 'ColumnDef')?.constraints ?? [])
          add(as(k, 'Constraint')?.pktable, 'reference', 'REFERENCES');
      }
      break;
    }
    case 'RenameStmt': {
      const r = as(stmt.node, 'RenameStmt')!;
      const onTable =
        TABLE_KINDS.has(r.renameType ?? '') ||
        (TABLE_KINDS.has(r.relationType ?? '') &&
          (r.renameType === 'OBJECT_COLUMN' || r.renameType === 'OBJECT_TABCONSTRAINT'));
      if (onTable) add(r.relation, 'alter', 'ALTER TABLE');
      break;
    }
    case 'AlterObjectSchemaStmt': {
      const a = as(stmt.node, 'AlterObjectSchemaStmt')!;
      if (TABLE_KINDS.has(a.objectType ?? '')) add(a.relation, 'alter', 'ALTER TABLE');
      break;
    }
    case 'IndexStmt':
      add(as(stmt.node, 'IndexStmt')!.relation, 'index', 'CREATE INDEX ON');
      break;
    case 'DropStmt': {
      const d = as(stmt.node, 'DropStmt')!;
      if (!TABLE_KINDS.has(d.removeType ?? '')) break;
      const spans = dropSpans(stmt);
      (d.objects ?? []).forEach((o, i) => {
        const parts = stringList(as(o, 'List')?.items);
        if (parts.length !== 1) return;
        const span = spans && spans.length === d.objects?.length ? spans[i] : undefined;
        const verb = d.removeType === 'OBJECT_TABLE' ? 'DROP TABLE' : 'DROP FOREIGN TABLE';
        const label = `${verb} ${quoteIdent(parts[0])}`;
        out.push({ name: parts[0], role: 'drop', label, range: span ?? stmt.range, exact: !!span });
      });
      break;
    }
  }
  // a table that refers to itself (`parent_id REFERENCES orders`) finds the one the statement names
  const main = new Set(out.filter((u) => u.role !== 'reference').map((u) => u.name));
  return out.filter((u) => u.role !== 'reference' || !main.has(u.name));
}

const IDENT = String.raw`(?:"(?:[^"]|"")*"|[^\s"(),;.]+)`;
const QUALIFIED = new RegExp(String.raw`${IDENT}(?:\s*\.\s*${IDENT})*`, 'y');
const DROP_HEAD = /\bDROP\s+(?:FOREIGN\s+)?TABLE\s+(?:IF\s+EXISTS\s+)?/iy;
const COMMA = /\s*,\s*/y;

/** Byte ranges of the names of DROP TABLE a, b, ... in the order of the parse tree's objects. */
function dropSpans(stmt: Stmt): Range[] | undefined {
  if (!locatedInFile(stmt)) return undefined;
  const text = stmt.text;
  const head = text.search(/\bDROP\s/i);
  if (head < 0) return undefined;
  DROP_HEAD.lastIndex = head;
  if (!DROP_HEAD.test(text)) return undefined;
  const out: Range[] = [];
  let at = DROP_HEAD.lastIndex;
  for (;;) {
    QUALIFIED.lastIndex = at;
    const m = QUALIFIED.exec(text);
    if (!m) return undefined;
    const start = stmt.range.start + Buffer.byteLength(text.slice(0, at), 'utf8');
    out.push({ start, end: start + Buffer.byteLength(m[0], 'utf8') });
    COMMA.lastIndex = QUALIFIED.lastIndex;
    if (!COMMA.test(text)) return out;
    at = COMMA.lastIndex;
  }
}

/** Tables created TEMPORARY in the file: name → index of the first statement that creates one. */
const tempTables = perFile((statements) => {
  const out = new Map<string, number>();
  for (const s of statements) {
    const rel =
      as(s.node, 'CreateStmt')?.relation ??
      as(s.node, 'CreateTableAsStmt')?.into?.rel ??
      as(s.node, 'SelectStmt')?.intoClause?.rel;
    if (rel?.relname && (rel.relpersistence === 't' || rel.schemaname === 'pg_temp') && !out.has(rel.relname))
      out.set(rel.relname, s.index);
  }
  return out;
});

/**
 * True when the file itself set search_path (without "$user") before `stmt` and has not reset it: names
 * then resolve the same way wherever the migration runs. SET LOCAL lasts until its transaction ends.
 */
function searchPathSetBefore(ctx: RuleContext, stmt: Stmt): boolean {
  const sets = searchPathSets(ctx.statements);
  for (let k = sets.length - 1; k >= 0; k--) {
    const s = sets[k];
    if (s.index >= stmt.index) continue;
    if (s.local && s.txId !== stmt.txId) continue;
    return s.pinned;
  }
  return false;
}

const searchPathSets = perFile((statements) => {
  const out: { index: number; txId: number; local: boolean; pinned: boolean }[] = [];
  for (const s of statements) {
    const v = as(s.node, 'VariableSetStmt');
    if (v?.name?.toLowerCase() !== 'search_path') continue;
    const values = (v.args ?? []).map((a) => as(a, 'A_Const')?.sval?.sval ?? as(a, 'String')?.sval ?? '');
    const pinned =
      v.kind === 'VAR_SET_VALUE' && values.length > 0 && !values.some((x) => x === '$user' || x === '');
    out.push({ index: s.index, txId: s.txId, local: !!v.is_local, pinned });
  }
  return out;
});
