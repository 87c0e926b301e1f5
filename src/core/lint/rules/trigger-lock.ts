import { alterCmds, as, formatName, rangeVarName, stringList, type QualifiedName } from '../ast';
import { whatItBlocks, type LockMode } from '../../pg/lock-modes';
import type { Range, Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { sameRelation } from './_relations';
import { locatedInFile, perFile, pushTo, rangeOf } from './_util';

export const meta: RuleMeta = {
  id: 'trigger-lock',
  description:
    'CREATE / DROP / ENABLE / DISABLE TRIGGER lock the table: brief, but they queue behind long transactions and everything queues behind them',
  defaultSeverity: 'info',
  category: 'locking',
  fixable: 'none',
  kinds: ['CreateTrigStmt', 'DropStmt', 'AlterTableStmt'],
};

const TRIGGER_CMDS = new Set([
  'AT_EnableTrig',
  'AT_EnableAlwaysTrig',
  'AT_EnableReplicaTrig',
  'AT_DisableTrig',
  'AT_EnableTrigAll',
  'AT_DisableTrigAll',
  'AT_EnableTrigUser',
  'AT_DisableTrigUser',
]);

export const check: Rule['check'] = (stmt, ctx) => {
  const create = as(stmt.node, 'CreateTrigStmt');
  if (create) {
    const table = rangeVarName(create.relation);
    if (!table || ctx.isNewTable(table) || alreadyLocked(ctx, stmt, table, 'SHARE ROW EXCLUSIVE')) return;
    // CREATE [OR REPLACE] TRIGGER opens the table with ShareRowExclusiveLock
    report(
      ctx,
      stmt,
      table,
      `CREATE TRIGGER ${create.trigname ?? ''} on ${formatName(table)}`.replace('  ', ' '),
      'SHARE ROW EXCLUSIVE',
      ctx.rangeAt(stmt, create.relation?.location),
    );
    return;
  }
  const drop = as(stmt.node, 'DropStmt');
  if (drop) {
    if (drop.removeType !== 'OBJECT_TRIGGER') return;
    for (const obj of drop.objects ?? []) {
      // [schema,] table, trigger
      const names = stringList(as(obj, 'List')?.items);
      if (names.length < 2) continue;
      const table = {
        schema: names.length > 2 ? names[names.length - 3] : undefined,
        name: names[names.length - 2],
      };
      if (ctx.isNewTable(table) || alreadyLocked(ctx, stmt, table, 'ACCESS EXCLUSIVE')) continue;
      // RemoveTriggerById opens the table with AccessExclusiveLock
      const range = (locatedInFile(stmt) && rangeOf(stmt, /^DROP\s+TRIGGER\b/i)) || stmt.range;
      report(
        ctx,
        stmt,
        table,
        `DROP TRIGGER ${names[names.length - 1]} on ${formatName(table)}`,
        'ACCESS EXCLUSIVE',
        range,
      );
    }
    return;
  }
  const alter = as(stmt.node, 'AlterTableStmt')!;
  const table = rangeVarName(alter.relation);
  const cmds = alterCmds(alter);
  // with other subcommands the statement takes their (usually stronger) lock, which their own rules report
  if (
    !table ||
    cmds.length === 0 ||
    !cmds.every((c) => TRIGGER_CMDS.has(c.subtype ?? '')) ||
    ctx.isNewTable(table)
  )
    return;
  const what = cmds.map(describe).join(', ');
  report(
    ctx,
    stmt,
    table,
    `ALTER TABLE ${formatName(table)} ${what}`,
    'SHARE ROW EXCLUSIVE',
    ctx.rangeAt(stmt, alter.relation?.location),
    cmds.some((c) => c.subtype?.startsWith('AT_Disable')),
  );
};

const STRENGTH: Record<string, number> = { 'SHARE ROW EXCLUSIVE': 1, 'ACCESS EXCLUSIVE': 2 };

/**
 * The lock an earlier statement of the same transaction already holds on the table (held until commit), so
 * this statement waits for nothing new: trigger statements and ALTER TABLE (ACCESS EXCLUSIVE for most forms).
 */
function alreadyLocked(ctx: RuleContext, stmt: Stmt, table: QualifiedName, lock: LockMode): boolean {
  if (!stmt.inTransaction) return false;
  return (lockingStatements(ctx.statements).get(table.name) ?? []).some((s) => {
    if (s.index >= stmt.index || s.txId !== stmt.txId) return false;
    const held = heldLock(s, table);
    return held !== undefined && STRENGTH[held] >= STRENGTH[lock];
  });
}

// table name → trigger statements and ALTER TABLEs on it
const lockingStatements = perFile((statements) => {
  const index = new Map<string, Stmt[]>();
  for (const s of statements) {
    const names = new Set<string>();
    const rel = rangeVarName(
      as(s.node, 'CreateTrigStmt')?.relation ?? as(s.node, 'AlterTableStmt')?.relation,
    );
    if (rel) names.add(rel.name);
    const drop = as(s.node, 'DropStmt');
    if (drop?.removeType === 'OBJECT_TRIGGER') {
      for (const o of drop.objects ?? []) {
        const n = stringList(as(o, 'List')?.items);
        if (n.length >= 2) names.add(n[n.length - 2]);
      }
    }
    for (const name of names) pushTo(index, name, s);
  }
  return index;
});

function heldLock(s: Stmt, table: QualifiedName): LockMode | undefined {
  const same = (q: QualifiedName | undefined): boolean => !!q && sameRelation(q, table);
  const create = as(s.node, 'CreateTrigStmt');
  if (create) return same(rangeVarName(create.relation)) ? 'SHARE ROW EXCLUSIVE' : undefined;
  const drop = as(s.node, 'DropStmt');
  if (drop?.removeType === 'OBJECT_TRIGGER') {
    const hit = (drop.objects ?? []).some((o) => {
      const n = stringList(as(o, 'List')?.items);
      return (
        n.length >= 2 && same({ schema: n.length > 2 ? n[n.length - 3] : undefined, name: n[n.length - 2] })
      );
    });
    return hit ? 'ACCESS EXCLUSIVE' : undefined;
  }
  const alter = as(s.node, 'AlterTableStmt');
  if (!alter || !same(rangeVarName(alter.relation))) return undefined;
  return alterCmds(alter).every((c) => TRIGGER_CMDS.has(c.subtype ?? ''))
    ? 'SHARE ROW EXCLUSIVE'
    : 'ACCESS EXCLUSIVE';
}

function describe(cmd: { subtype?: string; name?: string }): string {
  const verb = cmd.subtype!.startsWith('AT_Disable') ? 'DISABLE' : 'ENABLE';
  const mode =
    cmd.subtype === 'AT_EnableAlwaysTrig'
      ? ' ALWAYS'
      : cmd.subtype === 'AT_EnableReplicaTrig'
        ? ' REPLICA'
        : '';
  const which = cmd.subtype!.endsWith('All')
    ? 'ALL'
    : cmd.subtype!.endsWith('User')
      ? 'USER'
      : (cmd.name ?? '');
  return `${verb}${mode} TRIGGER ${which}`.trim();
}

function report(
  ctx: RuleContext,
  stmt: Stmt,
  table: QualifiedName,
  what: string,
  lock: LockMode,
  range: Range,
  disables = false,
): void {
  const name = formatName(table);
  const exclusive = lock === 'ACCESS EXCLUSIVE';
  ctx.report({
    range,
    message: exclusive
      ? `${what} takes an ACCESS EXCLUSIVE lock: reads and writes on ${name} wait until the transaction commits`
      : `${what} takes a SHARE ROW EXCLUSIVE lock: writes to ${name} wait until the transaction commits (reads continue)`,
    help: [
      `**Lock:** ${lock} on \`${name}\` — ${whatItBlocks(lock)}. The statement itself is instant, but it first waits for every transaction holding a conflicting lock (${exclusive ? 'any open transaction that touched the table, even a long SELECT' : 'any open transaction that has written to the table'}), and while it waits, new ${exclusive ? 'queries' : 'writes'} queue behind it. Once granted, the lock is held until the migration's transaction commits.`,
      '',
      `**Safe way:** ${ctx.runnerSetsLockTimeout ? "keep the runner's lock_timeout (pgshift sets it by default)" : 'set lock_timeout'} so the statement gives up instead of stalling the table, and retry later; keep the transaction short — nothing slow after it:`,
      '```sql',
      ...(ctx.runnerSetsLockTimeout ? [] : ["SET lock_timeout = '2s';"]),
      `${stmt.text.replace(/\s+/g, ' ').trim()};`,
      '-- COMMIT soon: no long statements after this one in the same transaction',
      '```',
      ...(disables
        ? [
            '',
            'While a trigger is disabled it does not fire for anyone’s writes, not only the migration’s. `DISABLE TRIGGER ALL` also disables the internal triggers that enforce foreign keys.',
          ]
        : []),
    ].join('\n'),
  });
}
