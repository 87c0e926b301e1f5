import { as, formatName, qualifiedName, stringList } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { NAME, namePattern, nameRange, optional } from './_name-range';

export const meta: RuleMeta = {
  id: 'ban-drop-table',
  description:
    'DROP TABLE of an existing table deletes all its rows and breaks app versions that still query it',
  defaultSeverity: 'error',
  category: 'data-loss',
  fixable: 'none',
  kinds: ['DropStmt'],
};

const DROPPED = namePattern([/\bTABLE\s+/, optional(/IF\s+EXISTS\s+/), NAME], [/,\s*/, NAME]);

export const check: Rule['check'] = (stmt, ctx) => {
  const drop = as(stmt.node, 'DropStmt')!;
  if (drop.removeType !== 'OBJECT_TABLE') return;
  for (const obj of drop.objects ?? []) {
    const table = qualifiedName(stringList(as(obj, 'List')?.items));
    if (!table || ctx.isNewTable(table)) continue;
    const name = formatName(table);
    ctx.report({
      range: nameRange(stmt, DROPPED, table.schema ? [table.schema, table.name] : [table.name]),
      message: `DROP TABLE ${name} deletes the table with all its rows and breaks every running app version that still queries it`,
      help: [
        `**Lock:** ACCESS EXCLUSIVE on \`${name}\` and on every table its foreign keys reference (their FK triggers are removed), ` +
          'held to the end of the transaction. It is brief, but it waits behind every query on those tables and blocks everything queued after it.',
        '',
        `**Breakage:** the rows are gone for good, and app servers still running the previous release fail on every query that names \`${name}\`. ` +
          "Without CASCADE the drop fails if a view or another table's foreign key depends on it; with CASCADE those go too.",
        '',
        '**Safe way:**',
        `1. Release app code that no longer uses \`${name}\`, and wait until every server runs it.`,
        '2. Drop it in a later migration and record why that is safe:',
        '```sql',
        `-- pgshift-ignore ban-drop-table: no release since <version> uses ${name}`,
        `DROP TABLE ${name};`,
        '```',
        `To keep a way back for a while, rename it first (\`ALTER TABLE ${name} RENAME TO ${table.name}_retired\`) and drop it a release later, or keep a dump of it.`,
      ].join('\n'),
    });
  }
};
