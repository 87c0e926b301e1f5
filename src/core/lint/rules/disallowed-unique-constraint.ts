import type * as T from '@pgsql/types';
import {
  alterCmds,
  as,
  columnConstraints,
  formatName,
  rangeVarName,
  stringList,
  type QualifiedName,
} from '../ast';
import type { Fix, Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { noTransactionEdits } from './_util';
import { constraintSpan } from './constraint-missing-not-valid';

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
  const alter = as(stmt.node, 'AlterTableStmt')!;
  const table = rangeVarName(alter.relation);
  if (!table || alter.objtype !== 'OBJECT_TABLE' || ctx.isNewTable(table)) return;
  const name = formatName(table);
  const cmds = alterCmds(alter);
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

export function uniqueHelp(
  name: string,
  conName: string,
  keys: string[],
  kind: 'UNIQUE' | 'PRIMARY KEY',
): string {
  const cols = keys.length ? keys.join(', ') : '...';
  return [
    `**Lock:** ACCESS EXCLUSIVE on \`${name}\` while PostgreSQL reads the whole table and builds the ${kind === 'UNIQUE' ? 'unique' : 'primary key'} index — every query on the table, reads included, waits (and queues behind it) for the whole build.`,
    '',
    `**Safe way:** build the index concurrently in a file that runs outside a transaction, then attach it — attaching takes the ACCESS EXCLUSIVE lock only for an instant:`,
    '```sql',
    '-- pgshift:no-transaction',
    `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${conName} ON ${name} (${cols});`,
    `ALTER TABLE ${name} ADD CONSTRAINT ${conName} ${kind} USING INDEX ${conName};`,
    '```',
    'If the concurrent build fails (for example on a duplicate), it leaves an INVALID index: drop it with `DROP INDEX CONCURRENTLY` and retry.',
    '',
    `A partitioned table supports neither \`CONCURRENTLY\` nor \`USING INDEX\`: do both steps on each partition, then add the ${kind} to the parent — PostgreSQL adopts the partitions' constraints instead of building new indexes.`,
  ].join('\n');
}

/**
 * The statement rewritten as CREATE UNIQUE INDEX CONCURRENTLY + ADD CONSTRAINT ... USING INDEX, for a plain
 * constraint on columns (no INCLUDE, no storage options, not deferrable) in a file without its own
 * transaction control.
 */
export function usingIndexRewrite(
  ctx: RuleContext,
  stmt: Stmt,
  table: QualifiedName,
  con: T.Constraint,
  conName: string,
  kind: 'UNIQUE' | 'PRIMARY KEY',
): Fix[] | undefined {
  const keys = stringList(con.keys);
  if (
    stmt.origin !== 'top' ||
    !keys.length ||
    con.including?.length ||
    con.options?.length ||
    con.indexspace ||
    con.deferrable
  )
    return undefined;
  if (ctx.explicitTransactions) return undefined;
  const ident = (s: string) =>
    /^[a-z_][a-z0-9_$]*$/.test(s) && !NEEDS_QUOTES.has(s) ? s : `"${s.replace(/"/g, '""')}"`;
  const tbl = table.schema ? `${ident(table.schema)}.${ident(table.name)}` : ident(table.name);
  const idx = ident(conName);
  const nulls = con.nulls_not_distinct ? ' NULLS NOT DISTINCT' : '';
  const directive = noTransactionEdits(ctx);
  const rewrite = `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${idx} ON ${tbl} (${keys.map(ident).join(', ')})${nulls};\nALTER TABLE ${tbl} ADD CONSTRAINT ${idx} ${kind} USING INDEX ${idx}`;
  // Edits must not overlap: when the statement starts the file, the directive goes into the same edit.
  const edits =
    stmt.range.start === 0 && directive.length
      ? [{ range: stmt.range, newText: directive.map((e) => e.newText).join('') + rewrite }]
      : [...directive, { range: stmt.range, newText: rewrite }];
  return [
    {
      title:
        'Build the index CONCURRENTLY, then attach it with USING INDEX (the file then runs outside a transaction)',
      edits,
    },
  ];
}

// PostgreSQL's reserved and type/function-name keywords: not usable as bare column or table names.
const NEEDS_QUOTES = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column ' +
    'concurrently constraint create cross current_catalog current_date current_role current_schema current_time ' +
    'current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze from ' +
    'full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit localtime ' +
    'localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references returning ' +
    'right select session_user similar some symmetric system_user table tablesample then to trailing true union unique user ' +
    'using variadic verbose when where window with'
  ).split(' '),
);
