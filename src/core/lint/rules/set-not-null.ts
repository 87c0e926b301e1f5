import type * as T from '@pgsql/types';
import {
  alterCmds,
  as,
  columnConstraints,
  formatName,
  rangeVarName,
  stringList,
  walk,
  type QualifiedName,
} from '../ast';
import type { RuleContext, Rule, RuleMeta, Stmt } from '../types';
import { rangeOf } from './_util';
import { constraintSpan } from './constraint-missing-not-valid';

export const meta: RuleMeta = {
  id: 'set-not-null',
  description: 'SET NOT NULL on an existing column scans the whole table under an ACCESS EXCLUSIVE lock',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'suggestion',
  kinds: ['AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const alter = as(stmt.node, 'AlterTableStmt')!;
  const table = rangeVarName(alter.relation);
  if (!table || alter.objtype !== 'OBJECT_TABLE' || ctx.isNewTable(table)) return;
  for (const cmd of alterCmds(alter)) {
    if (cmd.subtype === 'AT_SetNotNull' && cmd.name) {
      if (notNullAlready(ctx, stmt, table, cmd.name)) continue;
      report(stmt, ctx, table, cmd.name, undefined);
    } else if (cmd.subtype === 'AT_AddConstraint') {
      // PostgreSQL 18: ADD CONSTRAINT c NOT NULL col — the same scan unless NOT VALID.
      const con = as(cmd.def, 'Constraint');
      const column = stringList(con?.keys)[0];
      if (!con || con.contype !== 'CONSTR_NOTNULL' || con.skip_validation || !column) continue;
      if (notNullAlready(ctx, stmt, table, column)) continue;
      report(stmt, ctx, table, column, con);
    }
  }
};

function report(
  stmt: Stmt,
  ctx: RuleContext,
  table: QualifiedName,
  column: string,
  con: T.Constraint | undefined,
): void {
  const name = formatName(table);
  const checkName = `${table.name}_${column}_not_null`;
  const v = ctx.postgresVersion;
  const addedEmpty = addedWithoutDefault(ctx, stmt, table, column);
  const what = con
    ? `ADD CONSTRAINT ${con.conname ?? checkName} NOT NULL ${column}`
    : `ALTER COLUMN ${column} SET NOT NULL`;
  const help: string[] = [
    `**Lock:** ACCESS EXCLUSIVE on \`${name}\` while PostgreSQL reads every row to prove \`${column}\` has no NULL — every query on the table, reads included, waits (and queues behind it) for the whole scan.`,
    '',
  ];
  if (v >= 12) {
    help.push(
      `**Safe way (PostgreSQL ${v}):** prove it with a CHECK constraint first; \`SET NOT NULL\` then skips the scan because a *validated* \`CHECK (${column} IS NOT NULL)\` already proves it:`,
      '```sql',
      `ALTER TABLE ${name} ADD CONSTRAINT ${checkName} CHECK (${column} IS NOT NULL) NOT VALID;`,
      '-- next migration:',
      `ALTER TABLE ${name} VALIDATE CONSTRAINT ${checkName};  -- SHARE UPDATE EXCLUSIVE: reads and writes continue`,
      `ALTER TABLE ${name} ALTER COLUMN ${column} SET NOT NULL;  -- brief ACCESS EXCLUSIVE, no scan`,
      `ALTER TABLE ${name} DROP CONSTRAINT ${checkName};`,
      '```',
    );
    if (v >= 18) {
      help.push(
        `On PostgreSQL 18 a NOT NULL constraint can itself be \`NOT VALID\`: \`ALTER TABLE ${name} ADD CONSTRAINT ${checkName} NOT NULL ${column} NOT VALID;\` then, in the next migration, \`ALTER TABLE ${name} VALIDATE CONSTRAINT ${checkName};\`.`,
      );
    }
  } else {
    help.push(
      `**PostgreSQL ${v}:** there is no way around the scan before PostgreSQL 12 — a validated CHECK constraint does not let \`SET NOT NULL\` skip it. Run it when the table is quiet with a short \`lock_timeout\`, or keep a \`CHECK (${column} IS NOT NULL)\` constraint (added \`NOT VALID\`, then validated in a later migration) instead of NOT NULL.`,
    );
  }
  if (addedEmpty) {
    help.push(
      '',
      `\`${column}\` was added earlier in this migration without a default: unless every row was filled in between, this fails with "column contains null values".`,
    );
  }
  const span = con ? constraintSpan(ctx, stmt, con.location) : undefined;
  ctx.report({
    range:
      span ??
      (con ? ctx.rangeAt(stmt, con.location) : (rangeOf(stmt, setNotNullPattern(column)) ?? stmt.range)),
    message: `ALTER TABLE ${name} ${what} scans every row of ${name} under an ACCESS EXCLUSIVE lock: reads and writes wait until the scan finishes`,
    help: help.join('\n'),
    suggestions: span
      ? [
          {
            title: 'Add NOT VALID (then VALIDATE CONSTRAINT in a later migration)',
            edits: [{ range: { start: span.end, end: span.end }, newText: ' NOT VALID' }],
          },
        ]
      : undefined,
  });
}

function setNotNullPattern(column: string): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `ALTER\\s+(?:COLUMN\\s+)?(?:${esc(column)}|"${esc(column.replace(/"/g, '""'))}")\\s+SET\\s+NOT\\s+NULL`,
    'i',
  );
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
  for (const s of ctx.statements) {
    if (s.index >= current.index) break;
    const a = as(s.node, 'AlterTableStmt');
    const t = rangeVarName(a?.relation);
    if (!a || !t || !sameTable(t, table)) continue;
    for (const cmd of alterCmds(a)) {
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
  for (const s of ctx.statements) {
    if (s.index <= current.index) continue;
    const a = as(s.node, 'AlterTableStmt');
    const t = rangeVarName(a?.relation);
    if (!a || !t || !sameTable(t, table)) continue;
    if (alterCmds(a).some((c) => c.subtype === 'AT_DropConstraint' && c.name && !addedHere.has(c.name)))
      return true;
  }
  return false;
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

function addedWithoutDefault(ctx: RuleContext, current: Stmt, table: QualifiedName, column: string): boolean {
  let added = false;
  for (const s of ctx.statements) {
    if (s.index >= current.index) break;
    const a = as(s.node, 'AlterTableStmt');
    const t = rangeVarName(a?.relation);
    if (a && t && sameTable(t, table)) {
      for (const cmd of alterCmds(a)) {
        const col = as(cmd.def, 'ColumnDef');
        if (cmd.subtype === 'AT_AddColumn' && col?.colname === column) {
          added = !columnConstraints(col).some(
            (c) =>
              c.contype === 'CONSTR_DEFAULT' ||
              c.contype === 'CONSTR_GENERATED' ||
              c.contype === 'CONSTR_IDENTITY',
          );
        }
      }
    } else if (added && writesTable(s, table)) {
      added = false;
    }
  }
  return added;
}

// An UPDATE (or anything else naming the table) between ADD COLUMN and SET NOT NULL may have filled the column.
function writesTable(s: Stmt, table: QualifiedName): boolean {
  let hit = false;
  walk(s.node, (kind, body) => {
    if (kind === 'RangeVar' && (body as T.RangeVar).relname === table.name) hit = true;
  });
  return hit;
}

function sameTable(a: QualifiedName, b: QualifiedName): boolean {
  return a.name === b.name && (!a.schema || !b.schema || a.schema === b.schema);
}
