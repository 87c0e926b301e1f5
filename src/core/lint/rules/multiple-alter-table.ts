import type * as T from '@pgsql/types';
import { alterCmds, as, rangeVarName, stringList, typeNameToString, type QualifiedName } from '../ast';
import type { Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { constraintsFillRows, isSerial } from './_columns';
import { alterOfExistingTable, sameRelation } from './_relations';
import { lastBefore, lineOf, perFile, pushTo } from './_util';

export const meta: RuleMeta = {
  id: 'multiple-alter-table',
  description:
    'Two ALTER TABLE statements that each scan or rewrite the same table in one transaction: one statement does it in one pass',
  defaultSeverity: 'info',
  category: 'rewrite',
  fixable: 'none',
  kinds: ['AlterTableStmt'],
};

// Statements that read or write data, or run arbitrary code: moving an ALTER TABLE across them may change
// what they see, so they end the search for an earlier ALTER TABLE to merge with.
const BARRIERS = new Set([
  'InsertStmt',
  'UpdateStmt',
  'DeleteStmt',
  'MergeStmt',
  'SelectStmt',
  'CopyStmt',
  'CallStmt',
  'ExecuteStmt',
  'DoStmt',
]);

export const check: Rule['check'] = (stmt, ctx) => {
  if (!stmt.inTransaction || stmt.origin !== 'top') return;
  const target = alterOfExistingTable(stmt, ctx);
  if (!target) return;
  const { alter, table, name } = target;
  const here = passes(alter, stmt, ctx);
  if (here.length === 0) return;
  const earlier = earlierPass(stmt, ctx, table, alter.relation?.inh);
  if (!earlier) return;
  const line = lineOf(ctx, earlier.stmt);
  const combined = [cmdText(earlier.stmt), cmdText(stmt)];
  ctx.report({
    range: ctx.rangeAt(stmt, alter.relation?.location),
    message: `second ALTER TABLE on ${name} in this transaction that reads the whole table (${here[0]}; line ${line}: ${earlier.passes[0]}): one ALTER TABLE with both changes reads ${name} once`,
    help: [
      `**Lock:** each of these statements takes an ACCESS EXCLUSIVE lock on \`${name}\`, held until the transaction commits: reads and writes wait for the whole time, and every full pass over the table (a rewrite, or the scan that checks a new constraint or NOT NULL) adds to it.`,
      '',
      `**Safe way:** PostgreSQL applies all subcommands of one ALTER TABLE in a single pass — type changes rewrite the table once, and every new CHECK and NOT NULL is verified during that pass or one shared scan:`,
      '```sql',
      combined.every((c) => c !== undefined)
        ? `ALTER TABLE ${name}\n  ${combined.join(',\n  ')};`
        : `ALTER TABLE ${name}\n  <first change>,\n  <second change>;`,
      '```',
      'Better still, avoid the passes: add constraints `NOT VALID` and validate them later, and on PostgreSQL 12+ let a validated `CHECK (col IS NOT NULL)` make `SET NOT NULL` skip its scan. Keep the statements apart (and silence this) if something between them depends on the first change.',
    ].join('\n'),
  });
};

/** The closest earlier ALTER TABLE of the same transaction on the same table that also reads the whole table. */
function earlierPass(
  stmt: Stmt,
  ctx: RuleContext,
  table: QualifiedName,
  inh: boolean | undefined,
): { stmt: Stmt; passes: string[] } | undefined {
  const index = fileIndex(ctx.statements);
  const lastBarrier = index.barriers[lastBefore(index.barriers, stmt.index)] ?? -1;
  // only statements that mention the table can be the earlier ALTER TABLE or stand in its way
  const mentions = index.mentions.get(table.name) ?? [];
  for (let k = lastBefore(mentions, stmt.index); k >= 0; k--) {
    const prev = ctx.statements[mentions[k]];
    if (prev.txId !== stmt.txId || prev.index < lastBarrier) return undefined;
    if (prev.origin !== 'top') continue; // inside a DO block: its DoStmt is a barrier
    const a = as(prev.node, 'AlterTableStmt');
    const rel = rangeVarName(a?.relation);
    if (!a || !rel || a.objtype !== 'OBJECT_TABLE' || !sameRelation(rel, table)) {
      if (rel?.name === table.name && !sameRelation(rel, table)) continue; // same name, other schema
      return undefined; // anything else that references the table
    }
    if (a.relation?.inh !== inh) return undefined; // ONLY on one of them: not the same statement
    const p = passes(a, prev, ctx);
    if (p.length) return { stmt: prev, passes: p };
    // a cheap ALTER TABLE merges as well: keep looking
  }
  return undefined;
}

/** What the file says once, so each statement does not re-read the whole file. */
interface FileIndex {
  /** table name → indices of the statements whose tree names it (ALTER TABLE, CREATE INDEX, UPDATE, ...) */
  mentions: Map<string, number[]>;
  /** indices of statements that read or write data or run code */
  barriers: number[];
  /** indices of SET TimeZone statements */
  timezoneSets: number[];
}

const fileIndex = perFile((statements): FileIndex => {
  const index: FileIndex = { mentions: new Map(), barriers: [], timezoneSets: [] };
  for (const s of statements) {
    if (BARRIERS.has(s.kind)) index.barriers.push(s.index);
    if (as(s.node, 'VariableSetStmt')?.name?.toLowerCase() === 'timezone') index.timezoneSets.push(s.index);
    for (const name of relationNames(s.node)) pushTo(index.mentions, name, s.index);
  }
  return index;
});

/** Subcommands that make PostgreSQL read every row: a table rewrite or a verification scan. */
function passes(a: T.AlterTableStmt, stmt: Stmt, ctx: RuleContext): string[] {
  const out: string[] = [];
  for (const cmd of alterCmds(a)) {
    const col = as(cmd.def, 'ColumnDef');
    const con = as(cmd.def, 'Constraint');
    switch (cmd.subtype) {
      case 'AT_AlterColumnType':
        if (col && typeChangeRewrites(cmd, col, stmt, ctx))
          out.push(`ALTER COLUMN ${cmd.name} TYPE ${typeNameToString(col.typeName)} rewrites it`);
        break;
      case 'AT_SetNotNull':
        if (!(ctx.postgresVersion >= 12 && validatedNotNullCheck(ctx, stmt, a, cmd.name ?? '')))
          out.push(`SET NOT NULL on ${cmd.name} scans it`);
        break;
      case 'AT_AddConstraint':
        // foreign keys are validated by a separate query each, merged or not
        if ((con?.contype === 'CONSTR_CHECK' || con?.contype === 'CONSTR_NOTNULL') && !con.skip_validation) {
          out.push(
            `ADD ${con.conname ? `CONSTRAINT ${con.conname} ` : ''}${con.contype === 'CONSTR_CHECK' ? 'CHECK' : 'NOT NULL'} scans it`,
          );
        }
        break;
      case 'AT_AddColumn':
        if (col && addColumnRewrites(col, ctx.postgresVersion))
          out.push(`ADD COLUMN ${col.colname} rewrites it`);
        break;
      case 'AT_SetLogged':
      case 'AT_SetUnLogged':
      case 'AT_SetAccessMethod':
      case 'AT_SetExpression':
        out.push(
          `${cmd.subtype
            .replace(/^AT_/, '')
            .replace(/([a-z])([A-Z])/g, '$1 $2')
            .toUpperCase()} rewrites it`,
        );
        break;
    }
  }
  return out;
}

// Without the old type (the schema model is not kept per statement), assume a rewrite except for the
// targets that are usually binary-compatible widenings (varchar → text, varchar(n) → varchar(m), numeric
// precision), and timestamp ↔ timestamptz on PostgreSQL 12+ unless the file sets a TimeZone other than UTC
// (with UTC the change is catalog-only): fewer false alarms than the other way round.
function typeChangeRewrites(cmd: T.AlterTableCmd, col: T.ColumnDef, stmt: Stmt, ctx: RuleContext): boolean {
  const using = stringList(as(col.raw_default, 'ColumnRef')?.fields);
  // USING col is the same as no USING clause
  if (col.raw_default && !(using.length === 1 && using[0] === cmd.name)) return true;
  const names = stringList(col.typeName?.names);
  const target = names[names.length - 1] ?? '';
  if ((target === 'timestamptz' || target === 'timestamp') && ctx.postgresVersion >= 12)
    return !sessionIsUtc(ctx, stmt);
  return !['text', 'varchar', 'numeric', 'inet', 'varbit', 'citext'].includes(target);
}

/** False only when the last SET TimeZone before the statement names a zone other than UTC. */
function sessionIsUtc(ctx: RuleContext, stmt: Stmt): boolean {
  const sets = fileIndex(ctx.statements).timezoneSets;
  const last = sets[lastBefore(sets, stmt.index)];
  if (last === undefined) return true;
  const set = as(ctx.statements[last].node, 'VariableSetStmt')!;
  const value = as(set.args?.[0], 'A_Const')?.sval?.sval ?? '';
  return (
    set.kind !== 'VAR_SET_VALUE' ||
    /^(?:utc|gmt|etc\/utc|etc\/gmt|zulu|z|utc0|gmt0|[+-]?0+(?::00)?)$/i.test(value)
  );
}

function addColumnRewrites(col: T.ColumnDef, version: number): boolean {
  return isSerial(col.typeName) || constraintsFillRows(col, version);
}

/** PostgreSQL 12+ skips the SET NOT NULL scan when a validated CHECK (col IS NOT NULL) exists: look for one earlier in the file. */
function validatedNotNullCheck(ctx: RuleContext, stmt: Stmt, a: T.AlterTableStmt, column: string): boolean {
  const table = rangeVarName(a.relation)!;
  const checks = new Map<string, boolean>(); // constraint name → validated
  for (const i of fileIndex(ctx.statements).mentions.get(table.name) ?? []) {
    if (i > stmt.index) break;
    const other = as(ctx.statements[i].node, 'AlterTableStmt');
    const rel = rangeVarName(other?.relation);
    if (!other || !rel || !sameRelation(rel, table)) continue;
    for (const cmd of alterCmds(other)) {
      const con = as(cmd.def, 'Constraint');
      const test = as(con?.raw_expr, 'NullTest');
      const ref = stringList(as(test?.arg, 'ColumnRef')?.fields);
      if (
        cmd.subtype === 'AT_AddConstraint' &&
        con?.contype === 'CONSTR_CHECK' &&
        test?.nulltesttype === 'IS_NOT_NULL' &&
        ref[ref.length - 1] === column
      ) {
        checks.set(con.conname ?? `#${checks.size}`, !con.skip_validation);
      } else if (cmd.subtype === 'AT_ValidateConstraint' && cmd.name && checks.has(cmd.name)) {
        checks.set(cmd.name, true);
      }
    }
  }
  return [...checks.values()].some((v) => v);
}

// RangeVars appear both wrapped ({ RangeVar: {...} }) and bare (IndexStmt.relation), so look for their shape.
function relationNames(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const n of node) relationNames(n, out);
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.relname === 'string') out.add(o.relname);
    // for-in, not Object.values: this visits every object of every tree of the file
    for (const k in o) {
      const v = o[k];
      if (v && typeof v === 'object') relationNames(v, out);
    }
  }
  return out;
}

/** The subcommands of an ALTER TABLE as written, for showing the merged statement. */
function cmdText(stmt: Stmt): string | undefined {
  const ident = '(?:"(?:[^"]|"")*"|[^\\s."]+)';
  const m = new RegExp(
    `^ALTER\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(?:ONLY\\s+)?${ident}(?:\\s*\\.\\s*${ident})?(?:\\s*\\*)?\\s+`,
    'i',
  ).exec(stmt.text);
  return m ? stmt.text.slice(m[0].length).trim() : undefined;
}
