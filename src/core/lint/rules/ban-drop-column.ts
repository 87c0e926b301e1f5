import type { Rule, RuleMeta } from '../types';
import { NAME, namePattern, nameRange, optional } from './_name-range';
import { cmdsOnOldColumns } from './_relations';

export const meta: RuleMeta = {
  id: 'ban-drop-column',
  description:
    'DROP COLUMN on an existing table deletes its data and breaks app versions that still use the column',
  defaultSeverity: 'error',
  category: 'data-loss',
  fixable: 'none',
  kinds: ['AlterTableStmt'],
};

const DROPPED = namePattern([/\bDROP\s+/, optional(/COLUMN\s+/), optional(/IF\s+EXISTS\s+/), NAME]);

export const check: Rule['check'] = (stmt, ctx) => {
  for (const { name, column } of cmdsOnOldColumns(stmt, ctx, 'AT_DropColumn')) {
    ctx.report({
      range: nameRange(stmt, DROPPED, [column]),
      message: `DROP COLUMN ${column} deletes the data of ${name}.${column} and breaks every running app version that still reads or writes it`,
      help: [
        `**Lock:** ACCESS EXCLUSIVE on \`${name}\`, briefly: the column is only marked as dropped, the table is not rewritten. ` +
          'Indexes and constraints on the column go with it; a foreign key on it also locks the table it references.',
        '',
        `**Breakage:** the values are gone for good, and app servers still running the previous release fail as soon as they name \`${column}\` ` +
          '(ORMs that cache the column list, such as Rails, fail on every insert into the table even where the code never names it).',
        '',
        '**Safe way:** expand/contract:',
        `1. Release app code that no longer reads or writes \`${column}\` (in Rails, add it to \`ignored_columns\`); make it nullable or give it a default first if the new code stops writing it.`,
        '2. Once every server runs that release, drop it in a later migration and record why that is safe:',
        '```sql',
        `-- pgshift-ignore ban-drop-column: no release since <version> uses ${column}`,
        `ALTER TABLE ${name} DROP COLUMN ${column};`,
        '```',
        'Keep a copy first if the values may be needed again (`CREATE TABLE ... AS SELECT id, ...`).',
      ].join('\n'),
    });
  }
};
