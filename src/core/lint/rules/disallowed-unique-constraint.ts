import { as, columnConstraints, stringList } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { constraintSpan, uniqueHelp, usingIndexRewrite } from './_constraints';
import { alterOfExistingTable } from './_relations';

export const meta: RuleMeta = {
  id: 'disallowed-unique-constraint',
  description:
    'ADD CONSTRAINT ... UNIQUE on an existing table builds its index under an ACCESS EXCLUSIVE lock',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'suggestion',
  kinds: ['AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const target = alterOfExistingTable(stmt, ctx);
  if (!target) return;
  const { table, name, cmds } = target;
  for (const cmd of cmds) {
    const con = as(cmd.def, 'Constraint');
    const col = as(cmd.def, 'ColumnDef');
    if (cmd.subtype === 'AT_AddConstraint' && con?.contype === 'CONSTR_UNIQUE' && !con.indexname) {
      const keys = stringList(con.keys);
      const conName = con.conname ?? `${table.name}_${keys.join('_')}_key`;
      ctx.report({
        range: constraintSpan(ctx, stmt, con.location) ?? ctx.rangeAt(stmt, con.location),
        message: `ALTER TABLE ${name} ADD CONSTRAINT ${conName} UNIQUE builds its index under an ACCESS EXCLUSIVE lock: reads and writes on ${name} wait until the index is built`,
        help: uniqueHelp(name, conName, keys, 'UNIQUE'),
        suggestions:
          cmds.length === 1 ? usingIndexRewrite(ctx, stmt, table, con, conName, 'UNIQUE') : undefined,
      });
    } else if (cmd.subtype === 'AT_AddColumn' && col?.colname) {
      const unique = columnConstraints(col).find((c) => c.contype === 'CONSTR_UNIQUE');
      if (!unique) continue;
      const conName = unique.conname ?? `${table.name}_${col.colname}_key`;
      ctx.report({
        range: ctx.rangeAt(stmt, unique.location),
        message: `ALTER TABLE ${name} ADD COLUMN ${col.colname} ... UNIQUE builds a unique index over every row of ${name} under an ACCESS EXCLUSIVE lock: reads and writes wait until the index is built`,
        help: [
          uniqueHelp(name, conName, [col.colname], 'UNIQUE'),
          '',
          `Add the column without \`UNIQUE\` first (\`ALTER TABLE ${name} ADD COLUMN ${col.colname} ...;\`), then build the index as above.`,
        ].join('\n'),
      });
    }
  }
};
