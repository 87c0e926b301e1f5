/**
 * The schema change whose table lock a data statement would keep held: the first earlier statement of the
 * same transaction that locks an existing table against writes (src/core/pg says which lock). Rules about
 * backfills ask it so that one of them, backfill-in-transaction, reports the held lock and the others defer.
 */
import type * as T from '@pgsql/types';
import { as, formatName, qualifiedName, rangeVarName, stringList, walk, type QualifiedName } from '../ast';
import { statementFacts } from '../statement-locks';
import { sameName, type LockTaken } from '../../pg/facts';
import { blocksWrites, type LockMode } from '../../pg/lock-modes';
import type { RuleContext, Stmt } from '../types';
import { perFile, pushTo } from './_util';

export interface HeldLock {
  stmt: Stmt;
  what: string;
  on: string;
  mode: LockMode;
}

/** The first earlier statement of the same transaction that still holds a lock blocking writes to an existing table. */
export function heldLock(ctx: RuleContext, stmt: Stmt): HeldLock | undefined {
  for (const i of lockingByTransaction(ctx.statements).get(stmt.txId) ?? []) {
    if (i >= stmt.index) break;
    const s = ctx.statements[i];
    if (!s.inTransaction) continue;
    // evaluated now, so ctx.isNewTable knows every table created before this statement
    const held = lockOf(ctx, s);
    if (held && blocksWrites(held.mode)) return held;
  }
  return undefined;
}

const LOCKING_KINDS = new Set([
  'AlterTableStmt',
  'IndexStmt',
  'CreateTrigStmt',
  'RenameStmt',
  'TruncateStmt',
  'DropStmt',
  'CreateStmt',
]);
// Per file (or section): indexes of the statements that may take a table lock, by transaction. Keeps the rule linear on big files.
const lockingByTransaction = perFile((statements) => {
  const byTx = new Map<number, number[]>();
  for (const s of statements) if (LOCKING_KINDS.has(s.kind)) pushTo(byTx, s.txId, s.index);
  return byTx;
});

// The locks each statement takes, from src/core/pg (version-aware), described once per statement.
function locksOf(ctx: RuleContext, s: Stmt): LockTaken[] {
  return statementFacts(s, ctx.postgresVersion).locks;
}

/** The schema change `s` (`what`) holding the lock src/core/pg says it takes on `locked`, a table named `on`. */
function held(
  ctx: RuleContext,
  s: Stmt,
  what: string,
  locked: QualifiedName,
  on = formatName(locked),
): HeldLock | undefined {
  const lock = locksOf(ctx, s).find((l) => sameName(l.relation, locked));
  return lock && { stmt: s, what, on, mode: lock.mode };
}

function lockOf(ctx: RuleContext, s: Stmt): HeldLock | undefined {
  const existing = (q: QualifiedName | undefined): q is QualifiedName => !!q && !ctx.isNewTable(q);
  const alter = as(s.node, 'AlterTableStmt');
  if (alter) {
    const q = rangeVarName(alter.relation);
    return existing(q) ? held(ctx, s, `ALTER TABLE ${formatName(q)}`, q) : undefined;
  }
  const idx = as(s.node, 'IndexStmt');
  if (idx) {
    const q = rangeVarName(idx.relation);
    if (idx.concurrent || !existing(q)) return undefined;
    return held(ctx, s, `CREATE INDEX ON ${formatName(q)}`, q);
  }
  const trig = as(s.node, 'CreateTrigStmt');
  if (trig) {
    const q = rangeVarName(trig.relation);
    return existing(q) ? held(ctx, s, `CREATE TRIGGER ON ${formatName(q)}`, q) : undefined;
  }
  const rename = as(s.node, 'RenameStmt');
  // renaming an index takes only SHARE UPDATE EXCLUSIVE (PostgreSQL 12+)
  if (rename?.relation && (rename.renameType === 'OBJECT_TABLE' || rename.renameType === 'OBJECT_COLUMN')) {
    const q = rangeVarName(rename.relation);
    return existing(q) ? held(ctx, s, `ALTER ... RENAME on ${formatName(q)}`, q) : undefined;
  }
  const truncate = as(s.node, 'TruncateStmt');
  if (truncate) {
    const q = (truncate.relations ?? []).map((r) => rangeVarName(as(r, 'RangeVar'))).find(existing);
    return q && held(ctx, s, `TRUNCATE ${formatName(q)}`, q);
  }
  const drop = as(s.node, 'DropStmt');
  if (drop && !drop.concurrent && drop.removeType === 'OBJECT_INDEX') {
    const index = qualifiedName(stringList(as(drop.objects?.[0], 'List')?.items));
    if (!index) return undefined;
    const table = ctx.schema.index(index.name)?.table;
    if (table && !existing(table)) return undefined;
    const name = formatName(index);
    return held(ctx, s, `DROP INDEX ${name}`, index, table ? formatName(table) : `the table of ${name}`);
  }
  const create = as(s.node, 'CreateStmt');
  if (create) {
    const referenced: QualifiedName[] = [];
    walk(create, (kind, body) => {
      const pk = rangeVarName((body as T.Constraint).pktable);
      if (kind === 'Constraint' && (body as T.Constraint).contype === 'CONSTR_FOREIGN' && existing(pk))
        referenced.push(pk);
    });
    if (!referenced.length) return undefined;
    const table = formatName(rangeVarName(create.relation));
    return held(ctx, s, `CREATE TABLE ${table} (its foreign key)`, referenced[0]);
  }
  return undefined;
}
