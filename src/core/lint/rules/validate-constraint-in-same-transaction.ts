import type * as T from '@pgsql/types';
import { as, formatName, rangeVarName, type QualifiedName } from '../ast';
import type { Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { onlyForeignKeys } from './_constraints';
import { alterOfExistingTable, altersBefore, bareOrQuotedPattern } from './_relations';
import { rangeOf } from './_util';

export const meta: RuleMeta = {
  id: 'validate-constraint-in-same-transaction',
  description:
    "VALIDATE CONSTRAINT in the transaction that added the constraint NOT VALID scans under the ADD's lock",
  defaultSeverity: 'warning',
  category: 'transactions',
  fixable: 'none',
  kinds: ['AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const target = alterOfExistingTable(stmt, ctx);
  if (!target) return;
  const { table, name } = target;
  for (const cmd of target.cmds) {
    if (cmd.subtype !== 'AT_ValidateConstraint' || !cmd.name) continue;
    const added = findNotValidAdd(ctx, stmt, table, cmd.name);
    if (!added) continue;
    const ref = added.con.contype === 'CONSTR_FOREIGN' ? rangeVarName(added.con.pktable) : undefined;
    const refName =
      ref && !(ref.name === table.name && ref.schema === table.schema) ? formatName(ref) : undefined;
    const held =
      added.lock === 'SHARE ROW EXCLUSIVE'
        ? `SHARE ROW EXCLUSIVE on ${name}${refName ? ` and ${refName}` : ''}`
        : `ACCESS EXCLUSIVE on ${name}${refName ? ` and SHARE ROW EXCLUSIVE on ${refName}` : ''}`;
    const blocked =
      added.lock === 'SHARE ROW EXCLUSIVE'
        ? `writes to ${refName ? `${name} and ${refName}` : name}`
        : `reads and writes on ${name}${refName ? ` and writes to ${refName}` : ''}`;
    const kind =
      added.con.contype === 'CONSTR_FOREIGN'
        ? 'FOREIGN KEY (...) REFERENCES ...'
        : added.con.contype === 'CONSTR_NOTNULL'
          ? 'NOT NULL ...'
          : 'CHECK (...)';
    ctx.report({
      range:
        rangeOf(stmt, new RegExp(`VALIDATE\\s+CONSTRAINT\\s+${bareOrQuotedPattern(cmd.name)}`, 'i')) ??
        stmt.range,
      message: `ALTER TABLE ${name} VALIDATE CONSTRAINT ${cmd.name} runs in the same transaction that added it NOT VALID, so it scans ${name} while still holding ${held}: ${blocked} wait until the scan finishes`,
      help: [
        `**Lock:** the \`ADD CONSTRAINT ${cmd.name} ... NOT VALID\` earlier in this transaction took ${held}, and PostgreSQL keeps every lock until the transaction ends. The validation scan therefore runs under it — ${blocked} wait for the whole scan, exactly as if the constraint had been added without \`NOT VALID\`.`,
        '',
        '**Safe way:** commit the `ADD` first and validate in a separate migration (or after a `COMMIT` in a file that manages its own transactions):',
        '```sql',
        `ALTER TABLE ${name} ADD CONSTRAINT ${cmd.name} ${kind} NOT VALID;`,
        '-- next migration:',
        `ALTER TABLE ${name} VALIDATE CONSTRAINT ${cmd.name};`,
        '```',
        `On its own, \`VALIDATE CONSTRAINT\` takes only SHARE UPDATE EXCLUSIVE on \`${name}\`${refName ? ` (and ROW SHARE on \`${refName}\`)` : ''}: reads and writes continue while it scans.`,
      ].join('\n'),
    });
  }
};

interface NotValidAdd {
  con: T.Constraint;
  /** the lock the ADD statement took on the table (FOREIGN KEY alone: SHARE ROW EXCLUSIVE) */
  lock: 'SHARE ROW EXCLUSIVE' | 'ACCESS EXCLUSIVE';
}

/** The latest earlier ADD CONSTRAINT <name> ... NOT VALID on the same table, in the same transaction. */
function findNotValidAdd(
  ctx: RuleContext,
  current: Stmt,
  table: QualifiedName,
  conName: string,
): NotValidAdd | undefined {
  let found: NotValidAdd | undefined;
  for (const { stmt, cmds } of altersBefore(ctx, current, table)) {
    for (const cmd of cmds) {
      const con = as(cmd.def, 'Constraint');
      if (cmd.subtype === 'AT_AddConstraint' && con?.conname === conName && con.skip_validation) {
        found =
          stmt.txId === current.txId
            ? { con, lock: onlyForeignKeys(cmds) ? 'SHARE ROW EXCLUSIVE' : 'ACCESS EXCLUSIVE' }
            : undefined;
      }
    }
  }
  return found;
}
