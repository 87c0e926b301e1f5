import { as, stringList, type QualifiedName } from '../ast';
import type { Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { addedConstraints, notNullAlready, uniqueHelp, usingIndexRewrite } from './_constraints';
import { alterOfExistingTable, altersBefore, indexesBefore } from './_relations';

export const meta: RuleMeta = {
  id: 'adding-primary-key',
  description:
    'ADD PRIMARY KEY on an existing table builds its index, and sets nullable columns NOT NULL, under an ACCESS EXCLUSIVE lock',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'suggestion',
  kinds: ['AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const target = alterOfExistingTable(stmt, ctx);
  if (!target) return;
  const { table, name, cmds } = target;
  for (const { con, col, conName, range } of addedConstraints(
    ctx,
    stmt,
    target,
    ['CONSTR_PRIMARY'],
    'first',
  )) {
    if (col) {
      ctx.report({
        range,
        message: `ALTER TABLE ${name} ADD COLUMN ${col.colname} ... PRIMARY KEY builds a primary key index over every row of ${name} under an ACCESS EXCLUSIVE lock: reads and writes wait until the index is built`,
        help: [
          uniqueHelp(name, conName, [col.colname], 'PRIMARY KEY'),
          '',
          `Add the column without \`PRIMARY KEY\` first, fill it, make it NOT NULL without a long scan (see the \`set-not-null\` rule), then build and attach the index as above.`,
        ].join('\n'),
      });
      continue;
    }
    if (con.indexname) {
      // USING INDEX: no build, but PostgreSQL still sets the key columns NOT NULL, scanning for each nullable one.
      const nullable = indexColumns(ctx, stmt, con.indexname).filter(
        (c) => mustScan(ctx, stmt, table, c) === 'yes',
      );
      if (!nullable.length) continue;
      ctx.report({
        range,
        message: `ALTER TABLE ${name} ADD CONSTRAINT ${conName} PRIMARY KEY USING INDEX sets ${nullable.join(', ')} NOT NULL, scanning every row of ${name} under an ACCESS EXCLUSIVE lock: reads and writes wait until the scan finishes`,
        help: notNullHelp(name, nullable, ctx.postgresVersion, true),
      });
      continue;
    }
    const keys = stringList(con.keys);
    const scans = keys.map((k) => ({ k, s: mustScan(ctx, stmt, table, k) }));
    const nullable = scans.filter((x) => x.s === 'yes').map((x) => x.k);
    const unknown = scans.filter((x) => x.s === 'unknown').map((x) => x.k);
    ctx.report({
      range,
      message: `ALTER TABLE ${name} ADD PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock${nullable.length ? `, after scanning every row to set ${nullable.join(', ')} NOT NULL` : ''}: reads and writes on ${name} wait until it finishes`,
      help: [
        uniqueHelp(name, conName, keys, 'PRIMARY KEY'),
        '',
        nullable.length || unknown.length
          ? notNullHelp(name, nullable.length ? nullable : unknown, ctx.postgresVersion, nullable.length > 0)
          : '',
      ]
        .join('\n')
        .trimEnd(),
      suggestions:
        cmds.length === 1 ? usingIndexRewrite(ctx, stmt, table, con, conName, 'PRIMARY KEY') : undefined,
    });
  }
};

function notNullHelp(name: string, columns: string[], v: number, known: boolean): string {
  const cols = columns.join(', ');
  const lead = known
    ? `**NOT NULL:** ${columns.length > 1 ? `${cols} are` : `${cols} is`} nullable, so PostgreSQL also sets ${columns.length > 1 ? 'them' : 'it'} NOT NULL — reading every row under the ACCESS EXCLUSIVE lock — even with \`USING INDEX\`.`
    : `**NOT NULL:** a primary key sets its columns NOT NULL; for ${cols}, unless already NOT NULL, that reads every row under the ACCESS EXCLUSIVE lock — even with \`USING INDEX\`.`;
  return [
    lead,
    v >= 12
      ? `Make ${columns.length > 1 ? 'them' : 'it'} NOT NULL first without the long lock: \`ADD CONSTRAINT ... CHECK (${columns[0]} IS NOT NULL) NOT VALID\`, then in a later migration \`VALIDATE CONSTRAINT\` and \`ALTER TABLE ${name} ALTER COLUMN ${columns[0]} SET NOT NULL\` (no scan once the CHECK is validated) — see the \`set-not-null\` rule.`
      : `Before PostgreSQL 12 nothing avoids that scan; run it when the table is quiet with a short \`lock_timeout\`.`,
  ].join(' ');
}

/** Whether making `column` NOT NULL scans the table: 'yes' (known nullable), 'no', or 'unknown'. */
function mustScan(
  ctx: RuleContext,
  stmt: Stmt,
  table: QualifiedName,
  column: string,
): 'yes' | 'no' | 'unknown' {
  if (notNullAlready(ctx, stmt, table, column)) return 'no';
  if (ctx.schema.column(table, column)) return 'yes';
  return addedNullableInFile(ctx, stmt, table, column) ? 'yes' : 'unknown';
}

// by table name alone, in any schema
function addedNullableInFile(ctx: RuleContext, current: Stmt, table: QualifiedName, column: string): boolean {
  return altersBefore(ctx, current, table, () => true).some(({ cmds }) =>
    cmds.some((cmd) => cmd.subtype === 'AT_AddColumn' && as(cmd.def, 'ColumnDef')?.colname === column),
  );
}

/** The key columns of an index created earlier in this file, or [] when unknown. */
function indexColumns(ctx: RuleContext, current: Stmt, indexName: string): string[] {
  const idx = as(indexesBefore(ctx, current, indexName).pop()?.node, 'IndexStmt');
  return (idx?.indexParams ?? []).map((p) => as(p, 'IndexElem')?.name).filter((n): n is string => !!n);
}
