import { as, columnConstraints, formatName, rangeVarName, stringList, type QualifiedName } from '../ast';
import type { RuleContext, Rule, RuleMeta, Stmt } from '../types';
import { addedTableConstraint, notNullAlready, notValidFix, type AddedConstraint } from './_constraints';
import { BARE_OR_QUOTED_NAME, matchRange, namePattern, optional } from './_name-range';
import { alterOfExistingTable, altersBefore, mentionsBetween, sameRelation } from './_relations';

export const meta: RuleMeta = {
  id: 'set-not-null',
  description: 'SET NOT NULL on an existing column scans the whole table under an ACCESS EXCLUSIVE lock',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'suggestion',
  kinds: ['AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const target = alterOfExistingTable(stmt, ctx);
  if (!target) return;
  const { table } = target;
  for (const cmd of target.cmds) {
    if (cmd.subtype === 'AT_SetNotNull' && cmd.name) {
      if (notNullAlready(ctx, stmt, table, cmd.name)) continue;
      report(stmt, ctx, table, cmd.name, undefined);
    } else {
      // PostgreSQL 18: ADD CONSTRAINT c NOT NULL col — the same scan unless NOT VALID.
      const added = addedTableConstraint(ctx, stmt, table, cmd, ['CONSTR_NOTNULL']);
      const column = stringList(added?.con.keys)[0];
      if (!added || added.con.skip_validation || !column) continue;
      if (notNullAlready(ctx, stmt, table, column)) continue;
      report(stmt, ctx, table, column, added);
    }
  }
};

function report(
  stmt: Stmt,
  ctx: RuleContext,
  table: QualifiedName,
  column: string,
  added: AddedConstraint | undefined,
): void {
  const name = formatName(table);
  const checkName = `${table.name}_${column}_not_null`;
  const v = ctx.postgresVersion;
  const addedEmpty = addedWithoutDefault(ctx, stmt, table, column);
  const what = added
    ? `ADD CONSTRAINT ${added.conName} NOT NULL ${column}`
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
  ctx.report({
    range: added?.range ?? matchRange(stmt, SET_NOT_NULL, [column]) ?? stmt.range,
    message: `ALTER TABLE ${name} ${what} scans every row of ${name} under an ACCESS EXCLUSIVE lock: reads and writes wait until the scan finishes`,
    help: help.join('\n'),
    suggestions: added?.span ? [notValidFix(added.span)] : undefined,
  });
}

const SET_NOT_NULL = namePattern([
  /ALTER\s+/,
  optional(/COLUMN\s+/),
  BARE_OR_QUOTED_NAME,
  /\s+SET\s+NOT\s+NULL/,
]);

/**
 * True when an earlier ADD COLUMN of this migration left `column` without a value: the last one gave it no
 * default, and no statement since names the table (an UPDATE in between may have filled it).
 */
function addedWithoutDefault(ctx: RuleContext, current: Stmt, table: QualifiedName, column: string): boolean {
  let added = false;
  let addedAt = -1;
  for (const { stmt, cmds } of altersBefore(ctx, current, table)) {
    for (const cmd of cmds) {
      const col = as(cmd.def, 'ColumnDef');
      if (cmd.subtype === 'AT_AddColumn' && col?.colname === column) {
        addedAt = stmt.index;
        added = !columnConstraints(col).some(
          (c) =>
            c.contype === 'CONSTR_DEFAULT' ||
            c.contype === 'CONSTR_GENERATED' ||
            c.contype === 'CONSTR_IDENTITY',
        );
      }
    }
  }
  if (!added) return false;
  // ALTER TABLEs of the table itself fill nothing; any other statement naming it may write it
  return mentionsBetween(ctx, table.name, addedAt, current.index).every((s) => {
    const t = rangeVarName(as(s.node, 'AlterTableStmt')?.relation);
    return !!t && sameRelation(t, table);
  });
}
