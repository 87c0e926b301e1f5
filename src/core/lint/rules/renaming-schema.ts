import { as } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { NAME, namePattern, nameRange } from './_name-range';
import { quoteIdent, schemaCreatedInFile } from './_relations';

export const meta: RuleMeta = {
  id: 'renaming-schema',
  description: 'ALTER SCHEMA ... RENAME TO breaks every app version and query that names the old schema',
  defaultSeverity: 'error',
  category: 'breaking-change',
  fixable: 'none',
  kinds: ['RenameStmt'],
};

const RENAMED = namePattern([/\bSCHEMA\s+/, NAME, /\s+RENAME\b/]);

export const check: Rule['check'] = (stmt, ctx) => {
  const rename = as(stmt.node, 'RenameStmt')!;
  if (rename.renameType !== 'OBJECT_SCHEMA' || !rename.subname || !rename.newname) return;
  const from = rename.subname;
  const to = rename.newname;
  if (schemaCreatedInFile(ctx, stmt, from)) return;
  ctx.report({
    range: nameRange(stmt, RENAMED, [from]),
    message: `ALTER SCHEMA ${from} RENAME TO ${to} breaks every running app version, query and search_path setting that names ${from}`,
    help: [
      '**Lock:** none on the tables in the schema; only the catalog changes.',
      '',
      `**Breakage:** every qualified name \`${from}.<object>\` stops resolving at once: queries of the previous release, ` +
        `\`search_path\` settings of roles and databases (\`ALTER ROLE ... SET search_path\`), PL/pgSQL function bodies, reports and other services. ` +
        'Views and foreign keys follow the rename.',
      '',
      'PostgreSQL has no alias for a schema. **Safe way:** keep the old name working with views, in the same transaction as the rename:',
      '```sql',
      `ALTER SCHEMA ${quoteIdent(from)} RENAME TO ${quoteIdent(to)};`,
      `CREATE SCHEMA ${quoteIdent(from)};`,
      `CREATE VIEW ${quoteIdent(from)}.orders AS SELECT * FROM ${quoteIdent(to)}.orders;  -- one per table the old release uses`,
      '```',
      'then drop the old schema and its views in a later migration, once no release uses them. Functions and types called by their qualified name need the same care.',
    ].join('\n'),
  });
};
