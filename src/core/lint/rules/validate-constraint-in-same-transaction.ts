import type * as T from '@pgsql/types';
import { alterCmds, as, formatName, rangeVarName, type QualifiedName } from '../ast';
import type { Rule, RuleMeta, Stmt } from '../types';
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
  const alter = as(stmt.node, 'AlterTableStmt')!;
  const table = rangeVarName(alter.relation);
  if (!table || alter.objtype !== 'OBJECT_TABLE' || ctx.isNewTable(table)) return;
  for (const cmd of alterCmds(alter)) {
    if (cmd.subtype !== 'AT_ValidateConstraint' || !cmd.name) continue;
    const added = findNotValidAdd(ctx.statements, stmt, table, cmd.name);
    if (!added) continue;
    const name = formatName(table);
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
        rangeOf(stmt, new RegExp(`VALIDATE\\s+CONSTRAINT\\s+${escapeName(cmd.name)}`, 'i')) ?? stmt.range,
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
  statements: readonly Stmt[],
  current: Stmt,
  table: QualifiedName,
  conName: string,
): NotValidAdd | undefined {
  let found: NotValidAdd | undefined;
  for (const s of statements) {
    if (s.index >= current.index) break;
    const a = as(s.node, 'AlterTableStmt');
    const t = rangeVarName(a?.relation);
    if (!a || !t || !sameTable(t, table)) continue;
    for (const cmd of alterCmds(a)) {
      const con = as(cmd.def, 'Constraint');
      if (cmd.subtype === 'AT_AddConstraint' && con?.conname === conName && con.skip_validation) {
        const onlyForeignKeys = alterCmds(a).every(
          (c) => c.subtype === 'AT_AddConstraint' && as(c.def, 'Constraint')?.contype === 'CONSTR_FOREIGN',
        );
        found =
          s.txId === current.txId
            ? { con, lock: onlyForeignKeys ? 'SHARE ROW EXCLUSIVE' : 'ACCESS EXCLUSIVE' }
            : undefined;
      }
    }
  }
  return found;
}

function sameTable(a: QualifiedName, b: QualifiedName): boolean {
  return a.name === b.name && (!a.schema || !b.schema || a.schema === b.schema);
}

// A constraint name as it may appear in the source: bare, or double-quoted.
function escapeName(name: string): string {
  const bare = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `(?:${bare}|"${name.replace(/"/g, '""').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}")`;
}
