import { as } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { NAME, namePattern, nameRange, optional } from './_name-range';

export const meta: RuleMeta = {
  id: 'ban-drop-database',
  description: 'DROP DATABASE deletes a whole database; it has no place in a migration',
  defaultSeverity: 'error',
  category: 'data-loss',
  fixable: 'none',
  kinds: ['DropdbStmt'],
};

const DROPPED = namePattern([/\bDATABASE\s+/, optional(/IF\s+EXISTS\s+/), NAME]);

export const check: Rule['check'] = (stmt, ctx) => {
  const drop = as(stmt.node, 'DropdbStmt')!;
  const db = drop.dbname ?? '?';
  const force = (drop.options ?? []).some((o) => as(o, 'DefElem')?.defname === 'force');
  ctx.report({
    range: nameRange(stmt, DROPPED, [db]),
    message:
      `DROP DATABASE ${db} deletes the whole database with every table and row in it` +
      (stmt.inTransaction ? ', and fails here because it cannot run inside a transaction block' : ''),
    help: [
      `**Data loss:** every schema, table and row of \`${db}\` is gone, with no undo. ` +
        (force
          ? 'WITH (FORCE) also terminates every session connected to it.'
          : 'It fails while any other session is connected to the database (PostgreSQL 13+ can force that with `WITH (FORCE)`).'),
      '',
      '**Transactions:** DROP DATABASE cannot run inside a transaction block, so in a migration the runner wraps in one it fails outright.',
      '',
      '**Safe way:** databases are provisioned and retired by operations tooling, not by schema migrations. ' +
        'Drop it by hand (after a backup) or from the infrastructure code that created it.',
    ].join('\n'),
  });
};
