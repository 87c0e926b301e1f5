import type * as T from '@pgsql/types';
import { alterCmds, as, baseTypeName, formatName, rangeVarName } from '../ast';
import { blocksReads, type LockMode } from '../../pg/lock-modes';
import { CreatedInFile, firstWithoutTimeout, TimeoutSetting } from '../statement-locks';
import type { Rule, RuleMeta, Stmt } from '../types';
import { constraintsFillRows } from './_columns';
import { insertBefore, lineOf, statementVerb } from './_util';

export const meta: RuleMeta = {
  id: 'require-statement-timeout',
  description:
    'A long rewrite, scan or index build under a write-blocking lock with no statement_timeout to bound it',
  defaultSeverity: 'hint',
  category: 'locking',
  fixable: 'suggestion',
  kinds: [],
};

export const checkFile: Rule['checkFile'] = (ctx) => {
  const timeout = new TimeoutSetting('statement_timeout', ctx.runnerSetsStatementTimeout);
  const hit = firstWithoutTimeout(ctx.statements, timeout, (stmt, created) =>
    longWork(stmt, ctx.postgresVersion, created),
  );
  if (!hit) return;
  const { stmt, state, found: work } = hit;
  const blocked = blocksReads(work.mode) ? 'reads and writes' : 'writes';
  const why = state.by
    ? `statement_timeout is turned off (line ${lineOf(ctx, state.by)})`
    : 'no statement_timeout bounds it';
  ctx.report({
    range: ctx.rangeAt(stmt, work.location),
    message: `${statementVerb(stmt)} ${work.what} while holding ${work.mode} on ${work.locked ?? work.table}, and ${why}: if it runs longer than planned, ${blocked} of ${work.table} wait for as long as it takes`,
    help: [
      `**Lock:** ${work.mode} on ${work.locked ?? work.table} for the whole ${work.noun} — ${blocked} of ${work.table} wait. How long that is depends on the table's size, which the migration cannot see; on a large table it can be far longer than expected.`,
      '',
      '**Safe way:** prefer the online form of the change (the statement may have its own finding). If it has to run this way, bound it, so an overrun fails and rolls back instead of blocking the application indefinitely:',
      '```sql',
      "SET statement_timeout = '15min';  -- size it from a dry run on production-sized data",
      `${stmt.text.trim()};`,
      '```',
      '`pgshift` dry runs report how long each statement took. Only the first such statement of the file is reported; the setting covers the rest of the session.',
    ].join('\n'),
    suggestions: [
      insertBefore(
        ctx,
        stmt,
        "SET statement_timeout = '15min';",
        'Bound the statement with statement_timeout (adjust to the table size)',
      ),
    ],
  });
};

interface LongWork {
  /** 'rewrites orders', 'scans orders', 'builds an index on orders' */
  what: string;
  noun: string;
  table: string;
  /** what the lock is on, when not the table itself ('the indexes of orders') */
  locked?: string;
  mode: LockMode;
  location?: number;
}

const AE: LockMode = 'ACCESS EXCLUSIVE';
const SERIAL = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);
const REWRITES = new Set([
  'AT_AlterColumnType',
  'AT_SetTableSpace',
  'AT_SetAccessMethod',
  'AT_SetLogged',
  'AT_SetUnLogged',
  'AT_SetExpression',
]);

/** Statements whose duration grows with the table while they block its writes. */
function longWork(stmt: Stmt, pg: number, created: CreatedInFile): LongWork | undefined {
  const n = stmt.node;
  const on = (
    r: T.RangeVar | undefined,
    kind: 'rewrite' | 'scan' | 'index' | 'refresh',
    mode: LockMode,
  ): LongWork | undefined => {
    const q = rangeVarName(r);
    if (!q || created.isNew(q)) return undefined;
    const t = formatName(q);
    const what = {
      rewrite: `rewrites ${t}`,
      scan: `scans all of ${t}`,
      index: `builds an index on ${t}`,
      refresh: `recomputes ${t}`,
    }[kind];
    const noun = { rewrite: 'rewrite', scan: 'scan', index: 'index build', refresh: 'refresh' }[kind];
    return { what, noun, table: t, mode, location: r?.location };
  };
  switch (stmt.kind) {
    case 'AlterTableStmt': {
      const a = as(n, 'AlterTableStmt')!;
      if (a.objtype !== 'OBJECT_TABLE' && a.objtype !== 'OBJECT_MATVIEW') return undefined;
      for (const c of alterCmds(a)) {
        const con = as(c.def, 'Constraint');
        const col = as(c.def, 'ColumnDef');
        if (c.subtype === 'AT_AlterColumnType' && col && mayBeBinaryCoercible(col)) continue;
        if (REWRITES.has(c.subtype ?? '')) return on(a.relation, 'rewrite', AE);
        if (c.subtype === 'AT_AddColumn' && col && addColumnRewrites(col, pg))
          return on(a.relation, 'rewrite', AE);
        if (c.subtype === 'AT_SetNotNull') return on(a.relation, 'scan', AE);
        if (c.subtype === 'AT_AttachPartition') return on(as(c.def, 'PartitionCmd')?.name, 'scan', AE);
        if (c.subtype !== 'AT_AddConstraint' || !con) continue;
        if ((con.contype === 'CONSTR_CHECK' || con.contype === 'CONSTR_FOREIGN') && !con.skip_validation)
          return on(a.relation, 'scan', con.contype === 'CONSTR_FOREIGN' ? 'SHARE ROW EXCLUSIVE' : AE);
        if (
          ['CONSTR_PRIMARY', 'CONSTR_UNIQUE', 'CONSTR_EXCLUSION'].includes(con.contype ?? '') &&
          !con.indexname
        )
          return on(a.relation, 'index', AE);
      }
      return undefined;
    }
    case 'IndexStmt': {
      const i = as(n, 'IndexStmt')!;
      return i.concurrent ? undefined : on(i.relation, 'index', 'SHARE');
    }
    case 'VacuumStmt': {
      const v = as(n, 'VacuumStmt')!;
      const full = (v.options ?? []).some(
        (o) =>
          as(o, 'DefElem')?.defname === 'full' &&
          !/^(false|off|0)$/i.test(as(as(o, 'DefElem')?.arg, 'String')?.sval ?? ''),
      );
      if (!full) return undefined;
      for (const r of v.rels ?? []) {
        const w = on(as(r, 'VacuumRelation')?.relation, 'rewrite', AE);
        if (w) return w;
      }
      return v.rels?.length
        ? undefined
        : { what: 'rewrites every table', noun: 'rewrite', table: 'each table', mode: AE };
    }
    case 'ClusterStmt': {
      const c = as(n, 'ClusterStmt')!;
      return c.relation
        ? on(c.relation, 'rewrite', AE)
        : { what: 'rewrites every clustered table', noun: 'rewrite', table: 'each table', mode: AE };
    }
    case 'RefreshMatViewStmt': {
      const r = as(n, 'RefreshMatViewStmt')!;
      return r.concurrent || r.skipData ? undefined : on(r.relation, 'refresh', AE);
    }
    case 'ReindexStmt': {
      // the table gets SHARE, each index ACCESS EXCLUSIVE; the planner locks every index, so reads wait too
      const r = as(n, 'ReindexStmt')!;
      const q = rangeVarName(r.relation);
      if (!q || (r.params ?? []).some((p) => as(p, 'DefElem')?.defname === 'concurrently')) return undefined;
      const name = formatName(q);
      if (r.kind === 'REINDEX_OBJECT_TABLE' && !created.isNew(q))
        return {
          what: `rebuilds every index of ${name}`,
          noun: 'rebuild',
          table: name,
          locked: `the indexes of ${name}`,
          mode: AE,
          location: r.relation?.location,
        };
      const table = r.kind === 'REINDEX_OBJECT_INDEX' ? created.tableOfIndex(q) : undefined;
      if (r.kind === 'REINDEX_OBJECT_INDEX' && !(table && created.isNew(table)))
        return {
          what: `rebuilds index ${name}`,
          noun: 'rebuild',
          table: table ? formatName(table) : 'its table',
          locked: name,
          mode: AE,
          location: r.relation?.location,
        };
      return undefined;
    }
  }
  return undefined;
}

// Volatile defaults, stored generated columns, identity and serial columns fill every row (before 11, any default did).
function addColumnRewrites(col: T.ColumnDef, pg: number): boolean {
  return SERIAL.has(baseTypeName(col.typeName)) || constraintsFillRows(col, pg);
}

// Targets some old type converts to without a rewrite (varchar → text, numeric(p,s) → numeric, ...). The
// old type is unknown here, so these are left to changing-column-type rather than claimed as rewrites.
const MAYBE_COERCIBLE = new Set([
  'text',
  'varchar',
  'citext',
  'numeric',
  'varbit',
  'inet',
  'timestamp',
  'timestamptz',
  'time',
  'timetz',
  'interval',
]);
function mayBeBinaryCoercible(col: T.ColumnDef): boolean {
  return !col.raw_default && MAYBE_COERCIBLE.has(baseTypeName(col.typeName));
}
