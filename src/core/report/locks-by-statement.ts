/**
 * The lock each statement takes, read from its parse tree: the mode PostgreSQL's lock table gives
 * each command and each ALTER TABLE subcommand (explicit-locking.html, ALTER TABLE's per-form notes),
 * what that mode blocks, and whether the statement rewrites the table, scans it or builds an index.
 * Version-aware where PostgreSQL changed: constant defaults stopped rewriting in 11, SET NOT NULL can
 * use a validated CHECK from 12, ATTACH PARTITION takes a weaker lock on the parent from 12, DETACH
 * CONCURRENTLY exists from 14. A db test compares this table with pg_locks on a real server.
 */
import type * as T from '@pgsql/types';
import { as, columnConstraints, formatName, nodeKind, rangeVarName, stringList, walk } from '../lint/ast';
import { LOCK_MODES, type LockMode } from '../lint/locks';
import { alterTable } from './locks-alter-table';
import {
  Analysis,
  commandOf,
  objectWord,
  qualified,
  type AnalyzeOptions,
  type StatementAnalysis,
} from './locks-analysis';

export * from './locks-analysis';
export { typeChange } from './locks-alter-table';

/** Analyses one parsed statement ({ Kind: body }). Unknown statements take no table lock. */
export function analyzeStatement(node: T.Node, text: string, opts: AnalyzeOptions): StatementAnalysis {
  const kind = nodeKind(node) ?? 'Unknown';
  const a = new Analysis(kind, text);
  const fn = HANDLERS[kind];
  if (fn) fn(a, (node as unknown as Record<string, unknown>)[kind] as never, opts);
  else a.catalog(commandOf(text), 'changes the catalog only');
  return a.result();
}

type Handler = (a: Analysis, body: never, opts: AnalyzeOptions) => void;

const HANDLERS: Record<string, Handler> = {
  IndexStmt: (a, s: T.IndexStmt) => {
    const table = rangeVarName(s.relation);
    a.table = table;
    a.command = `CREATE ${s.unique ? 'UNIQUE ' : ''}INDEX${s.concurrent ? ' CONCURRENTLY' : ''}`;
    a.concurrent = !!s.concurrent;
    a.operation = { kind: 'create-index', concurrent: !!s.concurrent, unique: !!s.unique };
    const name = s.idxname ? `${s.idxname} ` : '';
    if (s.concurrent) {
      a.lock(
        table,
        'SHARE UPDATE EXCLUSIVE',
        'builds the index concurrently: two table scans, waiting for older transactions in between',
      );
      a.did(
        'index-build',
        `builds index ${name}on ${formatName(table)} in two scans without blocking writes`,
      );
    } else {
      a.lock(table, 'SHARE', 'builds the index while holding off writes');
      a.did('index-build', `builds index ${name}on ${formatName(table)}: scans the table and sorts its keys`);
    }
  },

  ReindexStmt: (a, s: T.ReindexStmt, o) => {
    const concurrent = (s.params ?? []).some((p) => as(p, 'DefElem')?.defname === 'concurrently');
    const target = rangeVarName(s.relation);
    a.concurrent = concurrent && o.postgresVersion >= 12;
    a.command = `REINDEX${a.concurrent ? ' CONCURRENTLY' : ''}`;
    a.operation = { kind: 'reindex', concurrent: a.concurrent };
    if (s.kind === 'REINDEX_OBJECT_TABLE') a.table = target;
    if (a.concurrent) {
      a.lock(target, 'SHARE UPDATE EXCLUSIVE', 'rebuilds the index(es) next to the old ones');
    } else if (s.kind === 'REINDEX_OBJECT_INDEX') {
      a.lock(target, 'ACCESS EXCLUSIVE', 'the index is rebuilt: queries that would use it wait');
      a.summary = `REINDEX INDEX ${formatName(target)} (its table is locked SHARE: writes wait)`;
    } else {
      a.lock(target, 'SHARE', 'its indexes are rebuilt while writes wait');
    }
    a.did(
      'index-build',
      `rebuilds ${s.kind === 'REINDEX_OBJECT_INDEX' ? 'the index' : 'every index'}${target ? ` of ${formatName(target)}` : ''}`,
    );
  },

  AlterTableStmt: (a, s: T.AlterTableStmt, o) => alterTable(a, s, o),

  RenameStmt: (a, s: T.RenameStmt, o) => {
    const rel = rangeVarName(s.relation);
    a.table = rel;
    a.command = `ALTER ${objectWord(s.renameType)} RENAME`;
    if (s.renameType === 'OBJECT_INDEX') {
      a.lock(
        rel,
        o.postgresVersion >= 12 ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE',
        'renames the index',
      );
    } else if (rel) {
      a.lock(
        rel,
        'ACCESS EXCLUSIVE',
        `renames ${s.renameType === 'OBJECT_COLUMN' ? `column ${s.subname ?? ''}` : s.renameType === 'OBJECT_TABCONSTRAINT' ? `constraint ${s.subname ?? ''}` : 'the relation'}`,
      );
    }
    a.did('catalog', 'renames in the catalog only; queries using the old name start failing');
  },

  DropStmt: (a, s: T.DropStmt) => {
    const names = (s.objects ?? []).map((o) => qualified(stringList(as(o, 'List')?.items ?? [])));
    const type = s.removeType;
    a.command = `DROP ${objectWord(type)}${s.concurrent ? ' CONCURRENTLY' : ''}`;
    if (type === 'OBJECT_INDEX') {
      a.concurrent = !!s.concurrent;
      for (const n of names) {
        a.lock(
          n,
          s.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE',
          s.concurrent
            ? 'drops the index after waiting for queries using it'
            : 'drops the index; its table is locked ACCESS EXCLUSIVE too',
        );
      }
      a.did(
        'catalog',
        s.concurrent
          ? 'drops the index without blocking its table'
          : 'drops the index under an ACCESS EXCLUSIVE lock on its table',
      );
    } else if (
      type === 'OBJECT_TABLE' ||
      type === 'OBJECT_VIEW' ||
      type === 'OBJECT_MATVIEW' ||
      type === 'OBJECT_SEQUENCE' ||
      type === 'OBJECT_FOREIGN_TABLE'
    ) {
      for (const n of names)
        a.lock(
          n,
          'ACCESS EXCLUSIVE',
          `drops the ${objectWord(type).toLowerCase()}${type === 'OBJECT_TABLE' ? ' (tables its foreign keys reference are locked ACCESS EXCLUSIVE too)' : ''}`,
        );
      a.table = names[0];
      a.did('catalog', `drops ${names.map(formatName).join(', ')}: data is gone for good`);
    } else if (type === 'OBJECT_TRIGGER' || type === 'OBJECT_RULE' || type === 'OBJECT_POLICY') {
      // the object name list ends with the object's own name; the rest names the table
      for (const o of s.objects ?? []) {
        const parts = stringList(as(o, 'List')?.items ?? []);
        const table = qualified(parts.slice(0, -1));
        a.lock(
          table,
          'ACCESS EXCLUSIVE',
          `drops ${objectWord(type).toLowerCase()} ${parts[parts.length - 1] ?? ''}`,
        );
      }
      a.did('catalog', 'changes the catalog only');
    } else {
      a.did('catalog', 'changes the catalog only');
    }
  },

  CreateStmt: (a, s: T.CreateStmt) => {
    a.command = 'CREATE TABLE';
    const rel = rangeVarName(s.relation);
    if (s.partbound) {
      for (const p of s.inhRelations ?? [])
        a.lock(rangeVarName(as(p, 'RangeVar')), 'ACCESS EXCLUSIVE', 'creates a partition of it');
    }
    for (const e of s.tableElts ?? []) {
      const col = as(e, 'ColumnDef');
      for (const c of col
        ? columnConstraints(col)
        : [as(e, 'Constraint')].filter((x): x is T.Constraint => !!x)) {
        if (c.contype === 'CONSTR_FOREIGN')
          a.lock(
            rangeVarName(c.pktable),
            'SHARE ROW EXCLUSIVE',
            `the new table ${formatName(rel)} references it`,
          );
      }
      const like = as(e, 'TableLikeClause');
      if (like) a.lock(rangeVarName(like.relation), 'ACCESS SHARE', 'copied with LIKE');
    }
    a.did('catalog', `creates ${formatName(rel)} (empty: nobody else uses it yet)`);
  },

  CreateTableAsStmt: (a, s: T.CreateTableAsStmt) => {
    a.command = s.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS';
    readsRelations(a, s.query);
    a.operation = { kind: 'query' };
    a.did('query', `runs its query and writes the result into ${formatName(rangeVarName(s.into?.rel))}`);
  },

  RefreshMatViewStmt: (a, s: T.RefreshMatViewStmt) => {
    const rel = rangeVarName(s.relation);
    a.table = rel;
    a.command = `REFRESH MATERIALIZED VIEW${s.concurrent ? ' CONCURRENTLY' : ''}`;
    a.lock(
      rel,
      s.concurrent ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE',
      s.concurrent
        ? 'refreshes it: reads continue, writes wait'
        : 'replaces its contents: reads wait until the query finishes',
    );
    a.operation = { kind: 'query' };
    a.did('query', 'runs the view query again and replaces the contents');
  },

  ViewStmt: (a, s: T.ViewStmt) => {
    a.command = s.replace ? 'CREATE OR REPLACE VIEW' : 'CREATE VIEW';
    if (s.replace) a.lock(rangeVarName(s.view), 'ACCESS EXCLUSIVE', 'replaces the view definition');
    readsRelations(a, s.query, 'ACCESS SHARE', 'the view reads it');
    a.did('catalog', 'changes the catalog only');
  },

  TruncateStmt: (a, s: T.TruncateStmt) => {
    a.command = 'TRUNCATE';
    for (const r of s.relations ?? [])
      a.lock(rangeVarName(as(r, 'RangeVar')), 'ACCESS EXCLUSIVE', 'empties the table');
    a.table = rangeVarName(as((s.relations ?? [])[0], 'RangeVar'));
    a.did('catalog', 'swaps in empty files: fast, but every row is gone');
  },

  VacuumStmt: (a, s: T.VacuumStmt) => {
    const opts = (s.options ?? []).map((o) => as(o, 'DefElem')?.defname);
    const full = opts.includes('full');
    const rels = (s.rels ?? []).map((r) => rangeVarName(as(r, 'VacuumRelation')?.relation));
    a.table = rels[0];
    if (!s.is_vacuumcmd) {
      a.command = 'ANALYZE';
      for (const r of rels) a.lock(r, 'SHARE UPDATE EXCLUSIVE', 'reads a sample of rows');
      a.operation = { kind: 'analyze' };
      a.did('query', 'reads a random sample of rows (300 × default_statistics_target)');
    } else if (full) {
      a.command = 'VACUUM FULL';
      for (const r of rels) a.lock(r, 'ACCESS EXCLUSIVE', 'copies the table and rebuilds its indexes');
      a.operation = { kind: 'vacuum-full' };
      a.did('rewrite', 'rewrites the table and rebuilds every index');
    } else {
      a.command = 'VACUUM';
      for (const r of rels) a.lock(r, 'SHARE UPDATE EXCLUSIVE', 'vacuums it');
      a.did('scan', 'scans the table for dead rows');
    }
  },

  ClusterStmt: (a, s: T.ClusterStmt) => {
    const rel = rangeVarName(s.relation);
    a.table = rel;
    a.command = 'CLUSTER';
    a.lock(rel, 'ACCESS EXCLUSIVE', 'copies the table in index order');
    a.operation = { kind: 'vacuum-full' };
    a.did('rewrite', 'rewrites the table in index order and rebuilds every index');
  },

  CreateTrigStmt: (a, s: T.CreateTrigStmt) => {
    a.command = 'CREATE TRIGGER';
    a.lock(rangeVarName(s.relation), 'SHARE ROW EXCLUSIVE', 'adds a trigger');
    a.did('catalog', 'changes the catalog only');
  },

  RuleStmt: (a, s: T.RuleStmt) => {
    a.command = 'CREATE RULE';
    a.lock(rangeVarName(s.relation), 'ACCESS EXCLUSIVE', 'adds a rule');
    a.did('catalog', 'changes the catalog only');
  },

  CreatePolicyStmt: (a, s: T.CreatePolicyStmt) => {
    a.command = 'CREATE POLICY';
    a.lock(rangeVarName(s.table), 'ACCESS EXCLUSIVE', 'adds a row-security policy');
    a.did('catalog', 'changes the catalog only');
  },

  AlterPolicyStmt: (a, s: T.AlterPolicyStmt) => {
    a.command = 'ALTER POLICY';
    a.lock(rangeVarName(s.table), 'ACCESS EXCLUSIVE', 'changes a row-security policy');
    a.did('catalog', 'changes the catalog only');
  },

  CommentStmt: (a, s: T.CommentStmt) => {
    a.command = 'COMMENT';
    const parts = stringList(as(s.object, 'List')?.items ?? []);
    if (s.objtype === 'OBJECT_TABLE' || s.objtype === 'OBJECT_VIEW' || s.objtype === 'OBJECT_MATVIEW')
      a.lock(qualified(parts), 'SHARE UPDATE EXCLUSIVE', 'sets a comment');
    else if (s.objtype === 'OBJECT_COLUMN')
      a.lock(qualified(parts.slice(0, -1)), 'SHARE UPDATE EXCLUSIVE', 'sets a column comment');
    a.did('catalog', 'changes the catalog only');
  },

  CreateStatsStmt: (a, s: T.CreateStatsStmt) => {
    a.command = 'CREATE STATISTICS';
    for (const r of s.relations ?? [])
      a.lock(rangeVarName(as(r, 'RangeVar')), 'SHARE UPDATE EXCLUSIVE', 'adds extended statistics');
    a.did('catalog', 'changes the catalog only (the next ANALYZE fills them)');
  },

  LockStmt: (a, s: T.LockStmt) => {
    a.command = 'LOCK TABLE';
    // LockStmt.mode is PostgreSQL's LOCKMODE number: 1 = AccessShareLock ... 8 = AccessExclusiveLock
    const mode = LOCK_MODES[Math.min(Math.max((s.mode ?? 8) - 1, 0), 7)];
    for (const r of s.relations ?? []) a.lock(rangeVarName(as(r, 'RangeVar')), mode, 'locked explicitly');
    a.did('catalog', `takes ${mode} until the end of the transaction`);
  },

  InsertStmt: (a, s: T.InsertStmt) => {
    a.command = 'INSERT';
    a.table = rangeVarName(s.relation);
    a.lock(a.table, 'ROW EXCLUSIVE', 'inserts rows');
    readsRelations(a, s.selectStmt);
    a.operation = { kind: 'dml' };
    a.did('dml', `inserts into ${formatName(a.table)}`);
  },

  UpdateStmt: (a, s: T.UpdateStmt) => {
    a.command = 'UPDATE';
    a.table = rangeVarName(s.relation);
    a.lock(
      a.table,
      'ROW EXCLUSIVE',
      'updates rows (each row stays locked against other writers until commit)',
    );
    for (const f of s.fromClause ?? []) readsRelations(a, f);
    a.operation = { kind: 'dml' };
    a.did('dml', `updates ${s.whereClause ? 'the matching rows' : 'every row'} of ${formatName(a.table)}`);
  },

  DeleteStmt: (a, s: T.DeleteStmt) => {
    a.command = 'DELETE';
    a.table = rangeVarName(s.relation);
    a.lock(
      a.table,
      'ROW EXCLUSIVE',
      'deletes rows (each row stays locked against other writers until commit)',
    );
    for (const u of s.usingClause ?? []) readsRelations(a, u);
    a.operation = { kind: 'dml' };
    a.did('dml', `deletes ${s.whereClause ? 'the matching rows' : 'every row'} of ${formatName(a.table)}`);
  },

  MergeStmt: (a, s: T.MergeStmt) => {
    a.command = 'MERGE';
    a.table = rangeVarName(s.relation);
    a.lock(a.table, 'ROW EXCLUSIVE', 'merges rows');
    readsRelations(a, s.sourceRelation);
    a.operation = { kind: 'dml' };
    a.did('dml', `merges into ${formatName(a.table)}`);
  },

  CopyStmt: (a, s: T.CopyStmt) => {
    a.command = s.is_from ? 'COPY FROM' : 'COPY TO';
    a.table = rangeVarName(s.relation);
    a.lock(a.table, s.is_from ? 'ROW EXCLUSIVE' : 'ACCESS SHARE', s.is_from ? 'loads rows' : 'reads rows');
    a.operation = { kind: s.is_from ? 'dml' : 'query' };
    a.did(s.is_from ? 'dml' : 'query', s.is_from ? 'loads rows' : 'reads the table');
  },

  SelectStmt: (a, s: T.SelectStmt) => {
    a.command = 'SELECT';
    const forUpdate = (s.lockingClause ?? []).length > 0;
    readsRelations(
      a,
      s,
      forUpdate ? 'ROW SHARE' : 'ACCESS SHARE',
      forUpdate ? 'locks the selected rows' : 'reads it',
    );
    a.operation = { kind: 'query' };
    a.did('query', 'runs a query');
  },

  AlterDomainStmt: (a, s: T.AlterDomainStmt) => {
    a.command = 'ALTER DOMAIN';
    if (s.subtype === 'C' || s.subtype === 'V') {
      a.did(
        'scan',
        'checks every column that uses the domain, in every table (each locked SHARE: writes wait)',
      );
    } else a.did('catalog', 'changes the catalog only');
  },

  VariableSetStmt: (a, s: T.VariableSetStmt) => {
    a.command = s.kind === 'VAR_RESET' || s.kind === 'VAR_RESET_ALL' ? 'RESET' : 'SET';
    a.did('catalog', 'changes a session setting');
  },

  TransactionStmt: (a, s: T.TransactionStmt) => {
    a.command = (s.kind ?? '').replace(/^TRANS_STMT_/, '').replace(/_/g, ' ') || 'TRANSACTION';
    a.did('catalog', 'transaction control');
  },
};

function readsRelations(a: Analysis, tree: unknown, mode: LockMode = 'ACCESS SHARE', why = 'reads it'): void {
  walk(tree, (kind, body) => {
    if (kind === 'RangeVar') a.lock(rangeVarName(body as T.RangeVar), mode, why);
    if (kind === 'CommonTableExpr' || kind === 'SubLink' || kind === 'RangeSubselect') return undefined;
    return undefined;
  });
}
