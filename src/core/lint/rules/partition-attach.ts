import type * as T from '@pgsql/types';
import { alterCmds, as, formatName, rangeVarName, type QualifiedName } from '../ast';
import type { Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { altersBefore } from './_relations';

export const meta: RuleMeta = {
  id: 'partition-attach',
  description:
    'ATTACH PARTITION scans the partition under an ACCESS EXCLUSIVE lock unless a validated CHECK proves the bound',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'none',
  kinds: ['AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const alter = as(stmt.node, 'AlterTableStmt')!;
  const parent = rangeVarName(alter.relation);
  const cmd = alterCmds(alter).find((c) => c.subtype === 'AT_AttachPartition');
  const part = as(cmd?.def, 'PartitionCmd');
  const child = rangeVarName(part?.name);
  if (!parent || !part || !child || alter.objtype !== 'OBJECT_TABLE') return;
  // a table created in this migration is empty: its scan is instant
  if (ctx.isNewTable(child) || hasValidatedCheck(ctx, stmt, child)) return;
  const p = formatName(parent);
  const c = formatName(child);
  const parentLock = ctx.postgresVersion >= 12 ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
  const isDefault = !!part.bound?.is_default;
  ctx.report({
    range: ctx.rangeAt(stmt, part.name?.location),
    message:
      ctx.postgresVersion >= 12
        ? `ATTACH PARTITION ${c} scans every row of ${c} under an ACCESS EXCLUSIVE lock to check the partition bound: reads and writes of ${c} (and of ${p}'s default partition, if any) wait for the scan`
        : `ATTACH PARTITION ${c} takes an ACCESS EXCLUSIVE lock on ${p} and scans every row of ${c} to check the bound: reads and writes of the whole partitioned table wait for the scan`,
    help: [
      `**Lock:** ${parentLock} on \`${p}\`${ctx.postgresVersion >= 12 ? ' (reads and writes continue; before PostgreSQL 12 it was ACCESS EXCLUSIVE)' : ' (every query on the partitioned table waits)'} and ACCESS EXCLUSIVE on \`${c}\` while PostgreSQL scans it to prove that every row fits the ${isDefault ? 'default partition (no row may belong to another partition)' : 'partition bound'}. If \`${p}\` has a DEFAULT partition, it is scanned too, under ACCESS EXCLUSIVE, to prove none of its rows belong in the new partition — and it is usually live.`,
      '',
      `**Safe way:** prove the bound beforehand with a CHECK constraint; PostgreSQL then skips the scan:`,
      '```sql',
      `-- migration 1: instant, then validated without blocking reads or writes`,
      `ALTER TABLE ${c} ADD CONSTRAINT ${child.name}_bound CHECK (...same condition as the bound...) NOT VALID;`,
      `ALTER TABLE ${c} VALIDATE CONSTRAINT ${child.name}_bound;`,
      '-- migration 2: no scan of the partition',
      `ALTER TABLE ${p} ATTACH PARTITION ${c} ${isDefault ? 'DEFAULT' : 'FOR VALUES ...'};`,
      `ALTER TABLE ${c} DROP CONSTRAINT ${child.name}_bound;  -- now redundant`,
      '```',
      'For a range bound `FROM (a) TO (b)` on column `k` the CHECK is `k IS NOT NULL AND k >= a AND k < b`; for a list bound, `k IS NOT NULL AND k IN (...)` (leave out `IS NOT NULL` if the list has NULL). The shortcut does not work when the partition key is an expression and the partition rejects NULLs. Add the same kind of CHECK to the default partition to skip its scan as well.',
    ].join('\n'),
  });
};

/** True when an earlier statement of the file left a validated CHECK constraint on the table. */
function hasValidatedCheck(ctx: RuleContext, stmt: Stmt, table: QualifiedName): boolean {
  const notValid = new Set<string>();
  let validated = false;
  // an unqualified table matches any schema; an unqualified ALTER TABLE only public
  const same = (t: QualifiedName, q: QualifiedName): boolean =>
    (t.schema ?? 'public') === (q.schema ?? t.schema ?? 'public');
  for (const { cmds } of altersBefore(ctx, stmt, table, same)) {
    for (const cmd of cmds) {
      const con: T.Constraint | undefined = as(cmd.def, 'Constraint');
      if (cmd.subtype === 'AT_AddConstraint' && con?.contype === 'CONSTR_CHECK') {
        if (!con.skip_validation) validated = true;
        else if (con.conname) notValid.add(con.conname);
      } else if (cmd.subtype === 'AT_ValidateConstraint' && cmd.name && notValid.has(cmd.name)) {
        validated = true;
      }
    }
  }
  return validated;
}
