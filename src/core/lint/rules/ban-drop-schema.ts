import { as } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { NAME, namePattern, nameRange, optional } from './_name-range';
import { schemaCreatedInFile } from './_relations';

export const meta: RuleMeta = {
  id: 'ban-drop-schema',
  description:
    'DROP SCHEMA ... CASCADE deletes every object in the schema, with its data, without naming any of them',
  defaultSeverity: 'error',
  category: 'data-loss',
  fixable: 'none',
  kinds: ['DropStmt'],
};

const DROPPED = namePattern([/\bSCHEMA\s+/, optional(/IF\s+EXISTS\s+/), NAME], [/,\s*/, NAME]);

export const check: Rule['check'] = (stmt, ctx) => {
  const drop = as(stmt.node, 'DropStmt')!;
  // Without CASCADE (RESTRICT is the default) PostgreSQL refuses to drop a schema that still holds objects.
  if (drop.removeType !== 'OBJECT_SCHEMA' || drop.behavior !== 'DROP_CASCADE') return;
  for (const obj of drop.objects ?? []) {
    const schema = as(obj, 'String')?.sval;
    if (!schema || schemaCreatedInFile(ctx, stmt, schema)) continue;
    ctx.report({
      range: nameRange(stmt, DROPPED, [schema]),
      message: `DROP SCHEMA ${schema} CASCADE deletes every table, view, function and type in ${schema}, with all their rows, and every object elsewhere that depends on them`,
      help: [
        `**Data loss:** CASCADE drops whatever \`${schema}\` holds when the migration runs, which may be more than the author knows about: ` +
          'tables created by hand or by another service, and objects in other schemas that depend on them (views, foreign keys, column defaults).',
        '',
        `**Lock:** ACCESS EXCLUSIVE on every table in \`${schema}\` (and on tables their foreign keys reference) until the transaction ends.`,
        '',
        '**Safe way:** drop the objects you mean to drop, by name, each after the app has stopped using it, then the empty schema without CASCADE:',
        '```sql',
        `DROP TABLE ${schema}.old_table;`,
        `DROP SCHEMA ${schema};  -- RESTRICT: fails if anything is left, instead of deleting it`,
        '```',
      ].join('\n'),
    });
  }
};
