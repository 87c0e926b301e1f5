import type * as T from '@pgsql/types';
import { alterCmds, as, createTableOf, formatName, rangeVarName, stringList, walk } from '../ast';
import type { Range, Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { quoteIdent } from './_relations';
import { locatedInFile } from './_util';
import { parenList } from './_paren-list';

export const meta: RuleMeta = {
  id: 'duplicate-column',
  description:
    'The same column named twice (UPDATE SET, INSERT column list, CREATE TABLE, ADD COLUMN, key, COPY, view): PostgreSQL rejects the statement',
  defaultSeverity: 'error',
  category: 'correctness',
  fixable: 'none',
  kinds: [
    'UpdateStmt',
    'InsertStmt',
    'MergeStmt',
    'SelectStmt',
    'CopyStmt',
    'CreateStmt',
    'CreateForeignTableStmt',
    'AlterTableStmt',
    'ViewStmt',
    'CreateTableAsStmt',
    'VacuumStmt',
  ],
};

/** One mention of a column; `partial` when it assigns a field or an element only (`c.x = 1`, `a[1] = 2`). */
interface Mention {
  name: string;
  range: () => Range;
  partial?: boolean;
  /** ADD COLUMN IF NOT EXISTS: a second one is skipped with a notice */
  ifNotExists?: boolean;
}

type Kind = 'assign' | 'insert' | 'define' | 'add' | 'primary' | 'unique' | 'copy' | 'analyze' | 'output';

export const check: Rule['check'] = (stmt, ctx) => {
  switch (stmt.kind) {
    case 'CreateStmt':
    case 'CreateForeignTableStmt': {
      const c = createTableOf(stmt.node);
      if (c) checkCreate(stmt, ctx, c);
      return;
    }
    case 'AlterTableStmt':
      checkAlter(stmt, ctx, as(stmt.node, 'AlterTableStmt')!);
      return;
    case 'CopyStmt': {
      const copy = as(stmt.node, 'CopyStmt')!;
      if (copy.attlist?.length) {
        const what = formatName(rangeVarName(copy.relation));
        report(
          ctx,
          stmt,
          'copy',
          `COPY ${what}`,
          what,
          listMentions(stmt, ctx, copy.relation?.location, copy.attlist),
        );
      }
      break;
    }
    case 'VacuumStmt': {
      const v = as(stmt.node, 'VacuumStmt')!;
      const verb = v.is_vacuumcmd ? 'VACUUM ANALYZE' : 'ANALYZE';
      for (const r of v.rels ?? []) {
        const rel = as(r, 'VacuumRelation');
        if (!rel?.va_cols?.length) continue;
        const what = formatName(rangeVarName(rel.relation));
        const names = listMentions(stmt, ctx, rel.relation?.location, rel.va_cols);
        report(ctx, stmt, 'analyze', `${verb} ${what}`, what, names);
      }
      return;
    }
    case 'ViewStmt': {
      const v = as(stmt.node, 'ViewStmt')!;
      const what = formatName(rangeVarName(v.view));
      checkOutput(stmt, ctx, `CREATE VIEW ${what}`, v.view?.location, v.aliases, v.query);
      return;
    }
    case 'CreateTableAsStmt': {
      const c = as(stmt.node, 'CreateTableAsStmt')!;
      const what = formatName(rangeVarName(c.into?.rel));
      const verb = c.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE';
      checkOutput(stmt, ctx, `${verb} ${what} AS`, c.into?.rel?.location, c.into?.colNames, c.query);
      return;
    }
    case 'SelectStmt': {
      const s = as(stmt.node, 'SelectStmt')!;
      if (s.intoClause) {
        const what = formatName(rangeVarName(s.intoClause.rel));
        checkOutput(stmt, ctx, `SELECT ... INTO ${what}`, undefined, undefined, stmt.node);
      }
      break;
    }
  }
  // UPDATE / INSERT / MERGE, also inside WITH (data-modifying CTEs) and COPY (query)
  walk(stmt.node, (kind, body) => {
    if (kind === 'UpdateStmt') {
      const u = body as T.UpdateStmt;
      const what = formatName(rangeVarName(u.relation));
      report(ctx, stmt, 'assign', `UPDATE ${what}`, what, targetMentions(stmt, ctx, u.targetList));
    } else if (kind === 'InsertStmt') {
      const ins = body as T.InsertStmt;
      const what = formatName(rangeVarName(ins.relation));
      report(ctx, stmt, 'insert', `INSERT INTO ${what}`, what, targetMentions(stmt, ctx, ins.cols));
      const set = ins.onConflictClause?.targetList;
      if (set)
        report(
          ctx,
          stmt,
          'assign',
          `INSERT INTO ${what} ... ON CONFLICT DO UPDATE`,
          what,
          targetMentions(stmt, ctx, set),
        );
    } else if (kind === 'MergeStmt') {
      const m = body as T.MergeStmt;
      const what = formatName(rangeVarName(m.relation));
      for (const w of m.mergeWhenClauses ?? []) {
        const when = as(w, 'MergeWhenClause');
        if (!when?.targetList) continue;
        const insert = when.commandType === 'CMD_INSERT';
        report(
          ctx,
          stmt,
          insert ? 'insert' : 'assign',
          `MERGE INTO ${what} ... ${insert ? 'INSERT' : 'UPDATE SET'}`,
          what,
          targetMentions(stmt, ctx, when.targetList),
        );
      }
    }
  });
};

function checkCreate(stmt: Stmt, ctx: RuleContext, c: T.CreateStmt): void {
  const table = formatName(rangeVarName(c.relation));
  const columns: Mention[] = [];
  for (const e of c.tableElts ?? []) {
    const col = as(e, 'ColumnDef');
    if (col?.colname) columns.push({ name: col.colname, range: () => ctx.rangeAt(stmt, col.location) });
    const con = as(e, 'Constraint');
    if (con) checkKeys(stmt, ctx, con, table);
  }
  report(ctx, stmt, 'define', `CREATE TABLE ${table}`, table, columns);
}

function checkAlter(stmt: Stmt, ctx: RuleContext, alter: T.AlterTableStmt): void {
  const table = formatName(rangeVarName(alter.relation));
  const added: Mention[] = [];
  for (const cmd of alterCmds(alter)) {
    const col = as(cmd.def, 'ColumnDef');
    if (cmd.subtype === 'AT_AddColumn' && col?.colname)
      added.push({
        name: col.colname,
        range: () => ctx.rangeAt(stmt, col.location),
        ifNotExists: !!cmd.missing_ok,
      });
    const con = as(cmd.def, 'Constraint');
    if (cmd.subtype === 'AT_AddConstraint' && con) checkKeys(stmt, ctx, con, table);
  }
  report(ctx, stmt, 'add', `ALTER TABLE ${table}`, table, added);
}

function checkKeys(stmt: Stmt, ctx: RuleContext, con: T.Constraint, table: string): void {
  const primary = con.contype === 'CONSTR_PRIMARY';
  if ((!primary && con.contype !== 'CONSTR_UNIQUE') || !con.keys?.length) return;
  report(
    ctx,
    stmt,
    primary ? 'primary' : 'unique',
    `${primary ? 'PRIMARY KEY' : 'UNIQUE'} on ${table}`,
    table,
    listMentions(stmt, ctx, con.location, con.keys),
  );
}

/** The output columns of a view or CREATE TABLE AS: the column list first, then the query's own names. */
function checkOutput(
  stmt: Stmt,
  ctx: RuleContext,
  what: string,
  nameLocation: number | undefined,
  aliases: T.Node[] | undefined,
  query: T.Node | undefined,
): void {
  const out = aliases?.length ? listMentions(stmt, ctx, nameLocation, aliases) : [];
  const aliasCount = out.length;
  let select = as(query, 'SelectStmt');
  // UNION / INTERSECT / EXCEPT take their column names from the leftmost SELECT
  while (select && select.op && select.op !== 'SETOP_NONE') select = select.larg;
  let position = 0;
  for (const t of select?.targetList ?? []) {
    const rt = as(t, 'ResTarget');
    if (!rt) continue;
    const named = rt.name ? { name: rt.name } : outputName(rt.val);
    if (named === 'star') {
      // a * expands to columns nobody here can count: the aliases' positions past it are unknown
      if (aliasCount > position) break;
      continue;
    }
    if (position++ < aliasCount) continue;
    if (named) out.push({ name: named.name, range: () => ctx.rangeAt(stmt, rt.location) });
  }
  report(ctx, stmt, 'output', what, what, out);
}

type Figured = { name: string; strength: number } | 'star' | undefined;

/**
 * The name PostgreSQL gives an unaliased output column (FigureColname in parse_target.c), for the
 * expressions whose rule is simple; undefined when this does not model it (so it never counts as a
 * duplicate). Strength 1 is a fallback name (a type name, "case"), 2 a real one, 0 "?column?".
 */
function outputName(node: T.Node | undefined): Figured {
  const kind = node ? Object.keys(node)[0] : undefined;
  const body = (node as Record<string, unknown> | undefined)?.[kind ?? ''];
  switch (kind) {
    case 'ColumnRef': {
      const fields = (body as T.ColumnRef).fields ?? [];
      const last = fields[fields.length - 1];
      if (last && 'A_Star' in last) return 'star';
      const name = stringList(fields).pop();
      return name ? { name, strength: 2 } : undefined;
    }
    case 'FuncCall': {
      const name = stringList((body as T.FuncCall).funcname).pop();
      return name ? { name, strength: 2 } : undefined;
    }
    case 'TypeCast': {
      const tc = body as T.TypeCast;
      const inner = outputName(tc.arg);
      if (inner === 'star' || inner === undefined) return undefined;
      if (inner.strength > 1) return inner;
      const type = stringList(tc.typeName?.names).pop();
      return type ? { name: type, strength: 1 } : inner;
    }
    case 'CollateClause':
      return outputName((body as T.CollateClause).arg);
    case 'A_Expr':
      return (body as T.A_Expr).kind === 'AEXPR_NULLIF' ? { name: 'nullif', strength: 2 } : ZERO;
    case 'CaseExpr': {
      const inner = outputName((body as T.CaseExpr).defresult);
      if (inner === 'star' || (inner === undefined && (body as T.CaseExpr).defresult)) return undefined;
      return inner && inner.strength > 1 ? inner : { name: 'case', strength: 1 };
    }
    case 'CoalesceExpr':
      return { name: 'coalesce', strength: 2 };
    case 'A_ArrayExpr':
      return { name: 'array', strength: 2 };
    case 'RowExpr':
      return { name: 'row', strength: 2 };
    case 'MinMaxExpr':
      return { name: (body as T.MinMaxExpr).op === 'IS_GREATEST' ? 'greatest' : 'least', strength: 2 };
    case 'A_Const':
    case 'BoolExpr':
    case 'NullTest':
    case 'BooleanTest':
    case 'ParamRef':
      return ZERO;
    default:
      return undefined;
  }
}

// "?column?": only a fallback for TypeCast; two of them are not compared
const ZERO = { name: '?column?', strength: 0 };

function targetMentions(stmt: Stmt, ctx: RuleContext, targets: T.Node[] | undefined): Mention[] {
  const out: Mention[] = [];
  for (const t of targets ?? []) {
    const rt = as(t, 'ResTarget');
    if (rt?.name)
      out.push({
        name: rt.name,
        partial: !!rt.indirection?.length,
        range: () => ctx.rangeAt(stmt, rt.location),
      });
  }
  return out;
}

/** The names of a `( ... )` list that follows `location` (a key, a COPY column list, a view's column names). */
function listMentions(
  stmt: Stmt,
  ctx: RuleContext,
  location: number | undefined,
  names: T.Node[],
): Mention[] {
  const values = names.map((n) => as(n, 'String')?.sval ?? '');
  let spans: Range[] | undefined;
  const spanOf = (i: number): Range => {
    spans ??= listSpans(stmt, location);
    return spans?.length === values.length ? spans[i] : ctx.rangeAt(stmt, location);
  };
  return values.map((name, i) => ({ name, range: () => spanOf(i) })).filter((m) => m.name !== '');
}

function listSpans(stmt: Stmt, location: number | undefined): Range[] | undefined {
  if (!locatedInFile(stmt) || location === undefined || location < 0) return undefined;
  const text = stmt.text;
  const from = Buffer.from(text, 'utf8').subarray(0, location).toString('utf8').length;
  const byte = (i: number): number => stmt.range.start + Buffer.byteLength(text.slice(0, i), 'utf8');
  return parenList(text, from)?.items.map((it) => ({ start: byte(it.start), end: byte(it.end) }));
}

const ERRORS: Record<Kind, (col: string, table: string) => string> = {
  assign: (c) => `multiple assignments to same column "${c}"`,
  insert: (c) => `column "${c}" specified more than once`,
  define: (c) => `column "${c}" specified more than once`,
  add: (c, t) => `column "${c}" of relation "${t.split('.').pop()}" already exists`,
  primary: (c) => `column "${c}" appears twice in primary key constraint`,
  unique: (c) => `column "${c}" appears twice in unique constraint`,
  copy: (c) => `column "${c}" specified more than once`,
  analyze: (c, t) => `column "${c}" of relation "${t.split('.').pop()}" appears more than once`,
  output: (c) => `column "${c}" specified more than once`,
};

const VERBS: Record<Kind, string> = {
  assign: 'assigns column',
  insert: 'lists column',
  define: 'defines column',
  add: 'adds column',
  primary: 'lists column',
  unique: 'lists column',
  copy: 'lists column',
  analyze: 'lists column',
  output: 'would have two columns named',
};

/** One finding per column named twice where PostgreSQL rejects it, on its first conflicting repetition. */
function report(
  ctx: RuleContext,
  stmt: Stmt,
  kind: Kind,
  what: string,
  table: string,
  mentions: Mention[],
): void {
  const seen = new Map<string, Mention[]>();
  const reported = new Set<string>();
  for (const m of mentions) {
    const earlier = seen.get(m.name);
    if (!earlier) {
      seen.set(m.name, [m]);
      continue;
    }
    earlier.push(m);
    if (reported.has(m.name)) continue;
    // parts of one composite or array column may be assigned separately; a whole assignment may not be repeated
    if (kind === 'assign' || kind === 'insert') {
      if (m.partial && earlier.every((e) => e.partial)) continue;
    }
    if (kind === 'add' && m.ifNotExists) continue;
    reported.add(m.name);
    const col = quoteIdent(m.name);
    const twice = kind === 'output' ? `${col}` : `${col} twice`;
    ctx.report({
      range: m.range(),
      message: `${what} ${VERBS[kind]} ${twice}: PostgreSQL rejects the statement with "${ERRORS[kind](m.name, table)}", so the migration fails`,
      help: help(kind, col, table),
    });
  }
}

function help(kind: Kind, col: string, table: string): string {
  const why =
    kind === 'add'
      ? `**Why it fails:** each \`ADD COLUMN\` of one ALTER TABLE adds its column in turn; the second finds \`${col}\` already there. The migration stops at this statement`
      : `**Why it fails:** PostgreSQL checks this while it analyses the statement, before it reads or writes a row, so it fails every time, even on an empty table. The migration stops at this statement`;
  const tail = ' (in a transaction, everything before it is rolled back).';
  const fix: Record<Kind, string[]> = {
    assign: [
      `**Fix:** assign \`${col}\` once, with the value you mean. Separate parts of one composite or array column may be set side by side; a whole-column assignment may not be combined with another:`,
      '```sql',
      `UPDATE ${table} SET ${col} = <value>, ...;  -- once`,
      `UPDATE ${table} SET ${col}.f1 = <x>, ${col}.f2 = <y>;  -- fields of a composite column: allowed`,
      '```',
    ],
    insert: [
      `**Fix:** list \`${col}\` once and drop its second value from VALUES / SELECT, keeping the one you mean:`,
      '```sql',
      `INSERT INTO ${table} (${col}, ...) VALUES (<value>, ...);`,
      '```',
    ],
    define: [
      `**Fix:** keep one definition of \`${col}\`, or rename the other. Note that a bare \`A\` and \`a\` are the same name (PostgreSQL folds unquoted names to lower case); \`"A"\` is another column.`,
    ],
    add: [
      `**Fix:** add \`${col}\` once, or give the second column another name:`,
      '```sql',
      `ALTER TABLE ${table} ADD COLUMN ${col} <type>;`,
      '```',
      'Use `ADD COLUMN IF NOT EXISTS` only when the column may already exist and should then be left alone.',
    ],
    primary: [`**Fix:** name each column of the key once:`, '```sql', `... PRIMARY KEY (${col}, ...)`, '```'],
    unique: [
      `**Fix:** name each column of the constraint once:`,
      '```sql',
      `... UNIQUE (${col}, ...)`,
      '```',
    ],
    copy: [`**Fix:** list \`${col}\` once in the column list, matching the columns of the data.`],
    analyze: [`**Fix:** list \`${col}\` once; ANALYZE gathers statistics for each listed column.`],
    output: [
      `**Fix:** give the columns distinct names, with an alias (\`SELECT a.${col} AS a_${col.replace(/"/g, '')}, b.${col} AS b_${col.replace(/"/g, '')}\`) or a column list after the name (\`CREATE VIEW v (a_id, b_id) AS ...\`).`,
    ],
  };
  return [why + tail, '', ...fix[kind]].join('\n');
}
