import { stringList } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { addedConstraints, uniqueHelp, usingIndexRewrite } from './_constraints';
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
  for (const { con, col, conName, range } of addedConstraints(
    ctx,
    stmt,
    target,
    ['CONSTR_UNIQUE'],
    'first',
  )) {
    if (col) {
      ctx.report({
        range,
        message: `ALTER TABLE ${name} ADD COLUMN ${col.colname} ... UNIQUE builds a unique index over every row of ${name} under an ACCESS EXCLUSIVE lock: reads and writes wait until the index is built`,
        help: [
          uniqueHelp(name, conName, [col.colname], 'UNIQUE'),
          '',
          `Add the column without \`UNIQUE\` first (\`ALTER TABLE ${name} ADD COLUMN ${col.colname} ...;\`), then build the index as above.`,
        ].join('\n'),
      });
    } else if (!con.indexname) {
      ctx.report({
        range,
        message: `ALTER TABLE ${name} ADD CONSTRAINT ${conName} UNIQUE builds its index under an ACCESS EXCLUSIVE lock: reads and writes on ${name} wait until the index is built`,
        help: uniqueHelp(name, conName, stringList(con.keys), 'UNIQUE'),
        suggestions:
          cmds.length === 1 ? usingIndexRewrite(ctx, stmt, table, con, conName, 'UNIQUE') : undefined,
      });
    }
  }
};
