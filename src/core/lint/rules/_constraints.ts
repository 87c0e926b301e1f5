/** Constraints as rules see them: where they are written, how to add them safely, what an earlier one proves. */
import type * as T from '@pgsql/types';
import { as, columnConstraints, stringList, walk, type QualifiedName } from '../ast';
import type { Fix, Range, RuleContext, Stmt } from '../types';
import { altersAfter, altersBefore, quoteIdent, quoteQualified, type TableAlter } from './_relations';
import { noTransactionEdits } from './_util';

/**
 * File byte range of a constraint whose parse-tree location is `location`: up to the next top-level comma
 * (the next ALTER TABLE subcommand) or the end of the statement, without trailing blanks and comments.
 */
export function constraintSpan(
  ctx: RuleContext,
  stmt: Stmt,
  location: number | undefined,
  firstGroup = false,
): Range | undefined {
  const len = stmt.range.end - stmt.range.start;
  // DO-block statements whose text could not be located carry the DO's range: offsets would be wrong.
  if (location === undefined || location < 0 || location >= len || Buffer.byteLength(stmt.text) !== len)
    return undefined;
  const b = ctx.source.bytes;
  const start = stmt.range.start + location;
  const end = stmt.range.end;
  let depth = 0;
  let lastTokenEnd = start;
  let i = start;
  while (i < end) {
    const c = b[i];
    if (c === 0x2d && b[i + 1] === 0x2d) {
      while (i < end && b[i] !== 0x0a) i++;
      continue;
    }
    if (c === 0x2f && b[i + 1] === 0x2a) {
      const close = b.indexOf('*/', i + 2);
      i = close < 0 || close >= end ? end : close + 2;
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
      i++;
      continue;
    }
    if (depth === 0 && (c === 0x2c || c === 0x3b)) break;
    if (c === 0x28) depth++;
    else if (c === 0x29) {
      if (depth === 0) break;
      depth--;
      if (depth === 0 && firstGroup) return { start, end: i + 1 };
    }
    if (c === 0x27 || c === 0x22) {
      i++;
      while (i < end && !(b[i] === c && b[i + 1] !== c)) i += b[i] === c ? 2 : 1;
      i++;
    } else if (c === 0x24) {
      const tag = /^\$[A-Za-z_]*\$/.exec(b.toString('latin1', i, Math.min(end, i + 64)));
      if (tag) {
        const close = b.indexOf(tag[0], i + tag[0].length);
        i = close < 0 || close >= end ? end : close + tag[0].length;
      } else i++;
    } else i++;
    lastTokenEnd = Math.min(i, end);
  }
  return { start, end: lastTokenEnd };
}

/** A constraint that an ALTER TABLE adds, with what the constraint rules report it by. */
export interface AddedConstraint {
  cmd: T.AlterTableCmd;
  con: T.Constraint;
  /** the column of the ADD COLUMN the constraint is declared on; undefined for ADD CONSTRAINT */
  col?: T.ColumnDef & { colname: string };
  /** its name, or the one PostgreSQL picks when it has none */
  conName: string;
  /** ADD CONSTRAINT's text up to the next subcommand (undefined for a column's constraint or text not located) */
  span?: Range;
  /** where a finding goes: the span, else the constraint's first token */
  range: Range;
}

/**
 * The constraints of the kinds `contypes` that the ALTER TABLE adds, in subcommand order: each ADD CONSTRAINT
 * and, unless `onColumns` is 'none', those declared on each ADD COLUMN — all of them ('each'), or the first
 * one of a column ('first': one finding per column).
 */
export function* addedConstraints(
  ctx: RuleContext,
  stmt: Stmt,
  target: TableAlter,
  contypes: readonly T.ConstrType[],
  onColumns: 'none' | 'first' | 'each' = 'none',
): Generator<AddedConstraint> {
  for (const cmd of target.cmds) {
    const added = addedTableConstraint(ctx, stmt, target.table, cmd, contypes);
    if (added) yield added;
    const col = as(cmd.def, 'ColumnDef');
    if (onColumns === 'none' || cmd.subtype !== 'AT_AddColumn' || !col?.colname) continue;
    const named = col as T.ColumnDef & { colname: string };
    for (const con of columnConstraints(col)) {
      if (!con.contype || !contypes.includes(con.contype)) continue;
      yield {
        cmd,
        con,
        col: named,
        conName: con.conname ?? defaultConstraintName(target.table, con, named),
        range: ctx.rangeAt(stmt, con.location),
      };
      if (onColumns === 'first') break;
    }
  }
}

/** The constraint of the subcommand when it is ADD CONSTRAINT of one of the kinds `contypes`. */
export function addedTableConstraint(
  ctx: RuleContext,
  stmt: Stmt,
  table: QualifiedName,
  cmd: T.AlterTableCmd,
  contypes: readonly T.ConstrType[],
): AddedConstraint | undefined {
  const con = as(cmd.def, 'Constraint');
  if (cmd.subtype !== 'AT_AddConstraint' || !con?.contype || !contypes.includes(con.contype))
    return undefined;
  const span = constraintSpan(ctx, stmt, con.location);
  return {
    cmd,
    con,
    conName: con.conname ?? defaultConstraintName(table, con, undefined),
    span,
    range: span ?? ctx.rangeAt(stmt, con.location),
  };
}

/** The name PostgreSQL gives a constraint added without one (on the column `col`, when declared on it). */
function defaultConstraintName(
  table: QualifiedName,
  con: T.Constraint,
  col: { colname: string } | undefined,
): string {
  const t = table.name;
  switch (con.contype) {
    case 'CONSTR_PRIMARY':
      return `${t}_pkey`;
    case 'CONSTR_EXCLUSION':
      return `${t}_excl`;
    case 'CONSTR_UNIQUE':
      return `${t}_${(col ? [col.colname] : stringList(con.keys)).join('_')}_key`;
    case 'CONSTR_FOREIGN':
      return `${t}_${(col ? [col.colname] : stringList(con.fk_attrs)).join('_')}_fkey`;
    case 'CONSTR_NOTNULL':
      return `${t}_${col ? col.colname : stringList(con.keys)[0]}_not_null`;
    default:
      return defaultCheckName(t, con, col);
  }
}

/** PostgreSQL's default CHECK name: <table>_<first column>_check (or <table>_check). */
function defaultCheckName(table: string, con: T.Constraint, col: { colname: string } | undefined): string {
  let first = col?.colname;
  if (!first) {
    walk(con.raw_expr, (kind, body) => {
      if (first) return false;
      if (kind === 'ColumnRef') first = stringList((body as T.ColumnRef).fields).pop();
    });
  }
  return first ? `${table}_${first}_check` : `${table}_check`;
}

/** The suggestion that appends NOT VALID to a constraint spanning `span`. */
export function notValidFix(span: Range): Fix {
  return {
    title: 'Add NOT VALID (then VALIDATE CONSTRAINT in a later migration)',
    edits: [{ range: { start: span.end, end: span.end }, newText: ' NOT VALID' }],
  };
}

/** Only FOREIGN KEY adds keep the table at SHARE ROW EXCLUSIVE; almost every other subcommand takes ACCESS EXCLUSIVE. */
export function onlyForeignKeys(cmds: T.AlterTableCmd[]): boolean {
  return cmds.every(
    (c) => c.subtype === 'AT_AddConstraint' && as(c.def, 'Constraint')?.contype === 'CONSTR_FOREIGN',
  );
}

export function uniqueHelp(
  name: string,
  conName: string,
  keys: string[],
  kind: 'UNIQUE' | 'PRIMARY KEY',
): string {
  const cols = keys.length ? keys.join(', ') : '...';
  return [
    `**Lock:** ACCESS EXCLUSIVE on \`${name}\` while PostgreSQL reads the whole table and builds the ${kind === 'UNIQUE' ? 'unique' : 'primary key'} index — every query on the table, reads included, waits (and queues behind it) for the whole build.`,
    '',
    `**Safe way:** build the index concurrently in a file that runs outside a transaction, then attach it — attaching takes the ACCESS EXCLUSIVE lock only for an instant:`,
    '```sql',
    '-- pgshift:no-transaction',
    `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${conName} ON ${name} (${cols});`,
    `ALTER TABLE ${name} ADD CONSTRAINT ${conName} ${kind} USING INDEX ${conName};`,
    '```',
    'If the concurrent build fails (for example on a duplicate), it leaves an INVALID index: drop it with `DROP INDEX CONCURRENTLY` and retry.',
    '',
    `A partitioned table supports neither \`CONCURRENTLY\` nor \`USING INDEX\`: do both steps on each partition, then add the ${kind} to the parent — PostgreSQL adopts the partitions' constraints instead of building new indexes.`,
  ].join('\n');
}

/**
 * The statement rewritten as CREATE UNIQUE INDEX CONCURRENTLY + ADD CONSTRAINT ... USING INDEX, for a plain
 * constraint on columns (no INCLUDE, no storage options, not deferrable) in a file without its own
 * transaction control.
 */
export function usingIndexRewrite(
  ctx: RuleContext,
  stmt: Stmt,
  table: QualifiedName,
  con: T.Constraint,
  conName: string,
  kind: 'UNIQUE' | 'PRIMARY KEY',
): Fix[] | undefined {
  const keys = stringList(con.keys);
  if (
    stmt.origin !== 'top' ||
    !keys.length ||
    con.including?.length ||
    con.options?.length ||
    con.indexspace ||
    con.deferrable
  )
    return undefined;
  if (ctx.explicitTransactions) return undefined;
  const tbl = quoteQualified(table);
  const idx = quoteIdent(conName);
  const nulls = con.nulls_not_distinct ? ' NULLS NOT DISTINCT' : '';
  const directive = noTransactionEdits(ctx);
  const rewrite = `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${idx} ON ${tbl} (${keys.map(quoteIdent).join(', ')})${nulls};\nALTER TABLE ${tbl} ADD CONSTRAINT ${idx} ${kind} USING INDEX ${idx}`;
  // Edits must not overlap: when the statement starts the file, the directive goes into the same edit.
  const edits =
    stmt.range.start === 0 && directive.length
      ? [{ range: stmt.range, newText: directive.map((e) => e.newText).join('') + rewrite }]
      : [...directive, { range: stmt.range, newText: rewrite }];
  return [
    {
      title:
        'Build the index CONCURRENTLY, then attach it with USING INDEX (the file then runs outside a transaction)',
      edits,
    },
  ];
}

/**
 * True when SET NOT NULL on `column` needs no scan, as far as this file and the schema model show: the column
 * is already NOT NULL, or (PostgreSQL 12+) an earlier statement left a validated CHECK implying
 * `column IS NOT NULL`. Constraints of earlier migrations are not in the schema model, so the usual last step
 * of the safe sequence — `VALIDATE CONSTRAINT c; SET NOT NULL; DROP CONSTRAINT c` with `c` added by an
 * earlier migration — is recognised by its shape: a constraint of unknown definition validated before, or
 * dropped after, the SET NOT NULL is taken to be the proving CHECK.
 */
export function notNullAlready(
  ctx: RuleContext,
  current: Stmt,
  table: QualifiedName,
  column: string,
): boolean {
  let notNull = ctx.schema.column(table, column)?.notNull ?? false;
  const proofs = new Map<string, { validated: boolean; notNull: boolean }>();
  const addedHere = new Set<string>();
  let validatedUnknown = false;
  for (const { table: t, cmds } of altersBefore(ctx, current, table)) {
    for (const cmd of cmds) {
      const con = as(cmd.def, 'Constraint');
      if (cmd.subtype === 'AT_AddConstraint' && con) {
        if (con.conname) addedHere.add(con.conname);
        if (con.contype === 'CONSTR_CHECK' && impliesNotNull(con.raw_expr, column)) {
          proofs.set(con.conname ?? `${t.name}_${column}_check`, {
            validated: !con.skip_validation,
            notNull: false,
          });
        } else if (con.contype === 'CONSTR_NOTNULL' && stringList(con.keys)[0] === column) {
          proofs.set(con.conname ?? `${t.name}_${column}_not_null`, {
            validated: !con.skip_validation,
            notNull: true,
          });
        }
      } else if (cmd.subtype === 'AT_AddColumn') {
        const col = as(cmd.def, 'ColumnDef');
        if (col?.colname === column) {
          proofs.clear();
          const cons = columnConstraints(col);
          notNull = cons.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');
          for (const c of cons) {
            if (c.contype === 'CONSTR_CHECK' && impliesNotNull(c.raw_expr, column))
              proofs.set(c.conname ?? `${t.name}_${column}_check`, { validated: true, notNull: false });
          }
        }
      } else if (cmd.subtype === 'AT_SetNotNull' && cmd.name === column) {
        notNull = true;
      } else if (cmd.subtype === 'AT_ValidateConstraint' && cmd.name) {
        const p = proofs.get(cmd.name);
        if (p) p.validated = true;
        else if (!addedHere.has(cmd.name)) validatedUnknown = true;
      } else if (cmd.subtype === 'AT_DropConstraint' && cmd.name) {
        proofs.delete(cmd.name);
      } else if (
        (cmd.subtype === 'AT_DropNotNull' || cmd.subtype === 'AT_DropColumn') &&
        cmd.name === column
      ) {
        notNull = false;
        for (const [k, p] of proofs) if (p.notNull || cmd.subtype === 'AT_DropColumn') proofs.delete(k);
      }
    }
  }
  if (notNull) return true;
  for (const p of proofs.values()) {
    if (p.validated && (p.notNull || ctx.postgresVersion >= 12)) return true;
  }
  return ctx.postgresVersion >= 12 && (validatedUnknown || droppedAfter(ctx, current, table, addedHere));
}

/** A later DROP CONSTRAINT on the table, of a constraint this file did not add: the end of the safe sequence. */
function droppedAfter(
  ctx: RuleContext,
  current: Stmt,
  table: QualifiedName,
  addedHere: Set<string>,
): boolean {
  return altersAfter(ctx, current, table).some(({ cmds }) =>
    cmds.some((c) => c.subtype === 'AT_DropConstraint' && c.name && !addedHere.has(c.name)),
  );
}

/** `col IS NOT NULL`, possibly AND-ed with other conditions: what PostgreSQL's proof accepts. */
function impliesNotNull(expr: unknown, column: string): boolean {
  const nt = as(expr, 'NullTest');
  if (nt)
    return nt.nulltesttype === 'IS_NOT_NULL' && stringList(as(nt.arg, 'ColumnRef')?.fields).pop() === column;
  const b = as(expr, 'BoolExpr');
  if (b?.boolop === 'AND_EXPR') return (b.args ?? []).some((a) => impliesNotNull(a, column));
  return false;
}
