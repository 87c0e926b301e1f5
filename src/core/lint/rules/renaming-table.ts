import type * as T from '@pgsql/types';
import { as, formatName, rangeVarName, type QualifiedName } from '../ast';
import type { Fix, Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { quoteQualified, relationCreatedInFile, relationRange, sameRelation } from './_relations';
import { endOfStatement } from './_util';

export const meta: RuleMeta = {
  id: 'renaming-table',
  description:
    'Renaming an existing table or view (or moving it to another schema) breaks app versions that still use the old name',
  defaultSeverity: 'error',
  category: 'breaking-change',
  fixable: 'suggestion',
  kinds: ['RenameStmt', 'AlterObjectSchemaStmt'],
};

const RELATION_KINDS: Partial<Record<T.ObjectType, string>> = {
  OBJECT_TABLE: 'TABLE',
  OBJECT_VIEW: 'VIEW',
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE',
};

export const check: Rule['check'] = (stmt, ctx) => {
  const rename = as(stmt.node, 'RenameStmt');
  const move = as(stmt.node, 'AlterObjectSchemaStmt');
  const kind = RELATION_KINDS[(rename?.renameType ?? move?.objectType) as T.ObjectType];
  const relation = rename?.relation ?? move?.relation;
  const old = rangeVarName(relation);
  if (!kind || !old || relationCreatedInFile(ctx, stmt, old)) return;
  let renamed: QualifiedName;
  let action: string;
  if (rename) {
    if (!rename.newname) return;
    renamed = { schema: old.schema, name: rename.newname };
    action = `RENAME TO ${rename.newname}`;
  } else {
    if (!move?.newschema) return;
    renamed = { schema: move.newschema, name: old.name };
    action = `SET SCHEMA ${move.newschema}`;
  }
  const oldName = formatName(old);
  const view = ctx.statements.slice(stmt.index + 1).find((s) => {
    const vq = rangeVarName(as(s.node, 'ViewStmt')?.view);
    return !!vq && sameRelation(vq, old);
  });
  const sameTx = !!view && view.inTransaction && stmt.inTransaction && view.txId === stmt.txId;
  if (sameTx) return;
  const viewSql = `CREATE VIEW ${quoteQualified(old)} AS SELECT * FROM ${quoteQualified(renamed)};`;
  ctx.report({
    range: relationRange(ctx, stmt, relation),
    message: view
      ? `ALTER ${kind} ${oldName} ${action} and the view that keeps the old name run in separate transactions: queries on ${oldName} fail between the two`
      : `ALTER ${kind} ${oldName} ${action} breaks every running app version that still queries ${oldName}`,
    help: [
      `**Lock:** ACCESS EXCLUSIVE on \`${oldName}\`, briefly (only the catalog changes).`,
      '',
      `**Breakage:** during a rolling deploy the previous release is still running, and every query of it that names \`${oldName}\` fails from this moment on. ` +
        'Views, foreign keys and indexes follow the rename; PL/pgSQL functions, reports and other services do not.',
      '',
      `**Safe way:** in the same transaction, leave a view under the old name. A plain \`SELECT *\` view over one table is automatically updatable, ` +
        'so old code keeps reading and writing through it:',
      '```sql',
      `ALTER ${kind} ${oldName} ${action};`,
      viewSql,
      `-- a later migration, once no release uses ${oldName}:`,
      `DROP VIEW ${quoteQualified(old)};`,
      '```',
      'Both statements must commit together (the runner wraps the file in one transaction, unless it is `-- pgshift:no-transaction`; ' +
        'there, wrap the two in `BEGIN; ... COMMIT;`). The view lists the columns the table has now: columns added later do not appear in it.',
    ].join('\n'),
    suggestions: view || stmt.origin !== 'top' ? undefined : [viewSuggestion(ctx, stmt, oldName, viewSql)],
  });
};

function viewSuggestion(ctx: RuleContext, stmt: Stmt, oldName: string, viewSql: string): Fix {
  const end = endOfStatement(ctx, stmt);
  const after = `${end.hasSemicolon ? '' : ';'}\n${viewSql}`;
  if (stmt.inTransaction) {
    return {
      title: `Keep the old name as a view: ${viewSql}`,
      edits: [{ range: { start: end.at, end: end.at }, newText: after }],
    };
  }
  return {
    title: `Keep the old name ${oldName} as a view, created in the same transaction as the rename`,
    edits: [
      { range: { start: stmt.range.start, end: stmt.range.start }, newText: 'BEGIN;\n' },
      { range: { start: end.at, end: end.at }, newText: `${after}\nCOMMIT;` },
    ],
  };
}
