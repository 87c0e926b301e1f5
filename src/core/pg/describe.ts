/**
 * What PostgreSQL does with one statement, read from its parse tree: the lock each command and each
 * ALTER TABLE subcommand takes (explicit-locking.html, ALTER TABLE's per-form notes, the lock levels
 * in PostgreSQL's source), what that mode blocks, whether the statement rewrites the table, scans it
 * or builds an index, whether it may run in a transaction, and what it destroys. Version-aware where
 * PostgreSQL changed. The linter, the runner, the dry run and the report all read this one answer; a
 * db test compares its locks with pg_locks on a real server and on PGlite.
 */
import type * as T from '@pgsql/types';
import {
  as,
  columnConstraints,
  formatName,
  nodeKind,
  qualifiedName,
  rangeVarName,
  stringList,
  walk,
} from '../lint/ast';
import { alterTable } from './alter-table';
import { Facts, commandOf, objectWord, type DescribeOptions, type StatementFacts } from './facts';
import { LOCK_MODES, type LockMode } from './lock-modes';
import { reindexConcurrently, transactionRule } from './transaction';

/** Describes one parsed statement ({ Kind: body }). Unknown statements take no table lock. */
export function describeStatement(node: unknown, text: string, opts: DescribeOptions): StatementFacts {
  const kind = nodeKind(node) ?? 'Unknown';
  const a = new Facts(kind, text);
  const fn = HANDLERS[kind];
  if (fn) fn(a, (node as Record<string, unknown>)[kind] as never, opts);
  else a.catalog(commandOf(text), 'changes the catalog only');
  return a.result(transactionRule(node));
}

type Handler = (a: Facts, body: never, opts: DescribeOptions) => void;

/** LOCK TABLE's mode: LockStmt.mode is PostgreSQL's LOCKMODE, 1 = AccessShareLock ... 8 = AccessExclusiveLock. */
export function lockStmtMode(s: T.LockStmt): LockMode {
  return LOCK_MODES[Math.min(Math.max((s.mode ?? 8) - 1, 0), 7)];
}

/** The statement kinds this module knows beyond "changes the catalog only" (the db test covers each). */
export function describedKinds(): string[] {
  return Object.keys(HANDLERS);
}

const HANDLERS: Record<string, Handler> = {
  IndexStmt: (a, s: T.IndexStmt) => {
    const table = rangeVarName(s.relation);
    a.table = table;
    a.command = `CREATE ${s.unique ? 'UNIQUE ' : ''}INDEX${s.concurrent ? ' CONCURRENTLY' : ''}`;
    a.concurrent = !!s.concurrent;
    a.operation = { kind: 'create-index', concurrent: !!s.concurrent, unique: !!s.unique };
    const name = s.idxname ? `${s.idxname} ` : '';
    const at = { location: s.relation?.location };
    if (s.concurrent) {
      a.lock(
        table,
        'SHARE UPDATE EXCLUSIVE',
        'builds the index concurrently: two table scans, waiting for older transactions in between',
        at,
      );
      a.did(
        'index-build',
        `builds index ${name}on ${formatName(table)} in two scans without blocking writes`,
      );
    } else {
      a.lock(table, 'SHARE', 'builds the index while holding off writes', at);
      a.did('index-build', `builds index ${name}on ${formatName(table)}: scans the table and sorts its keys`);
    }
  },

  ReindexStmt: (a, s: T.ReindexStmt, o) => {
    const target = rangeVarName(s.relation);
    const at = { location: s.relation?.location };
    a.concurrent = reindexConcurrently(s) && o.postgresVersion >= 12;
    a.command = `REINDEX${a.concurrent ? ' CONCURRENTLY' : ''}`;
    a.operation = { kind: 'reindex', concurrent: a.concurrent };
    const mode: LockMode = a.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
    if (s.kind === 'REINDEX_OBJECT_INDEX') {
      if (a.concurrent)
        a.lock(target, mode, 'rebuilds the index next to the old one', { object: 'index', ...at });
      else {
        a.lock(target, mode, 'the index is rebuilt: queries that would use it wait', {
          object: 'index',
          ...at,
        });
        a.summary = `REINDEX INDEX ${formatName(target)} (its table is locked SHARE: writes wait)`;
      }
    } else if (target) {
      a.table = target;
      if (a.concurrent) a.lock(target, mode, 'rebuilds its indexes next to the old ones', at);
      else {
        // the planner locks every index of a table it plans a query on, so reads wait for these too
        a.lock(target, mode, 'each index is rebuilt under ACCESS EXCLUSIVE: queries on the table wait', {
          object: 'indexes',
          ...at,
        });
        a.lock(target, 'SHARE', 'its indexes are rebuilt while writes wait', at);
      }
    } else {
      a.wide(
        s.kind === 'REINDEX_OBJECT_SCHEMA'
          ? `every index of schema ${s.name}`
          : 'every index of the database',
        mode,
      );
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
    const at = { location: s.relation?.location };
    if (s.renameType === 'OBJECT_INDEX') {
      a.lock(
        rel,
        o.postgresVersion >= 12 ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE',
        'renames the index',
        { object: 'index', ...at },
      );
    } else if (rel) {
      a.lock(
        rel,
        'ACCESS EXCLUSIVE',
        `renames ${s.renameType === 'OBJECT_COLUMN' ? `column ${s.subname ?? ''}` : s.renameType === 'OBJECT_TABCONSTRAINT' ? `constraint ${s.subname ?? ''}` : 'the relation'}`,
        { object: s.renameType === 'OBJECT_VIEW' ? 'view' : 'table', ...at },
      );
    }
    a.did('catalog', 'renames in the catalog only; queries using the old name start failing');
  },

  DropStmt: (a, s: T.DropStmt) => {
    const names = (s.objects ?? []).map((o) => qualifiedName(stringList(as(o, 'List')?.items ?? [])));
    const type = s.removeType;
    const cascade = s.behavior === 'DROP_CASCADE';
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
          { object: 'index' },
        );
      }
      a.did(
        'catalog',
        s.concurrent
          ? 'drops the index without blocking its table'
          : 'drops the index under an ACCESS EXCLUSIVE lock on its table',
      );
    } else if (type && type in DROPPED_RELATIONS) {
      const object = DROPPED_RELATIONS[type];
      for (const n of names) {
        a.lock(
          n,
          'ACCESS EXCLUSIVE',
          `drops the ${objectWord(type).toLowerCase()}${type === 'OBJECT_TABLE' ? ' (tables its foreign keys reference are locked ACCESS EXCLUSIVE too)' : ''}`,
          {
            object: object === 'sequence' ? 'sequence' : object === 'view' ? 'view' : 'table',
            dropped: true,
          },
        );
        if (!n || object === 'foreign table') continue;
        if (object === 'table') a.destroys.push({ kind: 'table', relation: n, how: 'drop', cascade });
        else a.destroys.push({ kind: 'relation', relation: n, object });
      }
      a.table = names[0];
      a.did('catalog', `drops ${names.map(formatName).join(', ')}: data is gone for good`);
    } else if (type === 'OBJECT_TRIGGER' || type === 'OBJECT_RULE' || type === 'OBJECT_POLICY') {
      // the object name list ends with the object's own name; the rest names the table
      for (const o of s.objects ?? []) {
        const parts = stringList(as(o, 'List')?.items ?? []);
        const table = qualifiedName(parts.slice(0, -1));
        a.lock(
          table,
          'ACCESS EXCLUSIVE',
          `drops ${objectWord(type).toLowerCase()} ${parts[parts.length - 1] ?? ''}`,
        );
      }
      a.did('catalog', 'changes the catalog only');
    } else {
      if (type === 'OBJECT_SCHEMA')
        for (const o of s.objects ?? []) {
          const schema = as(o, 'String')?.sval;
          if (schema) a.destroys.push({ kind: 'schema', schema, cascade });
        }
      a.did('catalog', 'changes the catalog only');
    }
  },

  CreateStmt: (a, s: T.CreateStmt) => {
    a.command = 'CREATE TABLE';
    const rel = rangeVarName(s.relation);
    // PARTITION OF locks the parent; INHERITS only guards it against schema changes
    for (const p of s.inhRelations ?? []) {
      const parent = as(p, 'RangeVar');
      if (s.partbound)
        a.lock(rangeVarName(parent), 'ACCESS EXCLUSIVE', 'creates a partition of it', {
          location: parent?.location,
        });
      else
        a.lock(rangeVarName(parent), 'SHARE UPDATE EXCLUSIVE', 'a new table inherits from it', {
          location: parent?.location,
        });
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
            { location: c.pktable?.location },
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
      { location: s.relation?.location },
    );
    a.operation = { kind: 'query' };
    a.did('query', 'runs the view query again and replaces the contents');
  },

  ViewStmt: (a, s: T.ViewStmt) => {
    a.command = s.replace ? 'CREATE OR REPLACE VIEW' : 'CREATE VIEW';
    if (s.replace)
      a.lock(rangeVarName(s.view), 'ACCESS EXCLUSIVE', 'replaces the view definition', {
        object: 'view',
        location: s.view?.location,
      });
    readsRelations(a, s.query, 'ACCESS SHARE', 'the view reads it');
    a.did('catalog', 'changes the catalog only');
  },

  TruncateStmt: (a, s: T.TruncateStmt) => {
    a.command = 'TRUNCATE';
    for (const r of s.relations ?? []) {
      const rv = as(r, 'RangeVar');
      const rel = rangeVarName(rv);
      a.lock(rel, 'ACCESS EXCLUSIVE', 'empties the table', { location: rv?.location });
      if (rel)
        a.destroys.push({
          kind: 'table',
          relation: rel,
          how: 'truncate',
          cascade: s.behavior === 'DROP_CASCADE',
        });
    }
    a.table = rangeVarName(as((s.relations ?? [])[0], 'RangeVar'));
    a.did('catalog', 'swaps in empty files: fast, but every row is gone');
  },

  VacuumStmt: (a, s: T.VacuumStmt) => {
    const full = (s.options ?? []).some((o) => {
      const d = as(o, 'DefElem');
      return d?.defname === 'full' && !/^(false|off|no|0)$/i.test(as(d.arg, 'String')?.sval ?? '');
    });
    const rels = (s.rels ?? []).map((r) => as(r, 'VacuumRelation')?.relation);
    a.table = rangeVarName(rels[0]);
    const mode: LockMode = s.is_vacuumcmd && full ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE';
    const each = (why: string): void => {
      for (const r of rels) a.lock(rangeVarName(r), mode, why, { location: r?.location });
      if (!rels.length) a.wide('every table of the database', mode);
    };
    if (!s.is_vacuumcmd) {
      a.command = 'ANALYZE';
      each('reads a sample of rows');
      a.operation = { kind: 'analyze' };
      a.did('query', 'reads a random sample of rows (300 × default_statistics_target)');
    } else if (full) {
      a.command = 'VACUUM FULL';
      each('copies the table and rebuilds its indexes');
      a.operation = { kind: 'vacuum-full' };
      a.did('rewrite', 'rewrites the table and rebuilds every index');
    } else {
      a.command = 'VACUUM';
      each('vacuums it');
      a.did('scan', 'scans the table for dead rows');
    }
  },

  ClusterStmt: (a, s: T.ClusterStmt) => {
    const rel = rangeVarName(s.relation);
    a.table = rel;
    a.command = 'CLUSTER';
    if (rel)
      a.lock(rel, 'ACCESS EXCLUSIVE', 'copies the table in index order', { location: s.relation?.location });
    else a.wide('every clustered table', 'ACCESS EXCLUSIVE');
    a.operation = { kind: 'vacuum-full' };
    a.did('rewrite', 'rewrites the table in index order and rebuilds every index');
  },

  CreateTrigStmt: (a, s: T.CreateTrigStmt) =>
    catalogOnTable(a, 'CREATE TRIGGER', s.relation, 'SHARE ROW EXCLUSIVE', 'adds a trigger'),

  RuleStmt: (a, s: T.RuleStmt) =>
    catalogOnTable(a, 'CREATE RULE', s.relation, 'ACCESS EXCLUSIVE', 'adds a rule'),

  CreatePolicyStmt: (a, s: T.CreatePolicyStmt) =>
    catalogOnTable(a, 'CREATE POLICY', s.table, 'ACCESS EXCLUSIVE', 'adds a row-security policy'),

  AlterPolicyStmt: (a, s: T.AlterPolicyStmt) =>
    catalogOnTable(a, 'ALTER POLICY', s.table, 'ACCESS EXCLUSIVE', 'changes a row-security policy'),

  CommentStmt: (a, s: T.CommentStmt) => {
    a.command = 'COMMENT';
    const parts = stringList(as(s.object, 'List')?.items ?? []);
    if (s.objtype === 'OBJECT_TABLE' || s.objtype === 'OBJECT_VIEW' || s.objtype === 'OBJECT_MATVIEW')
      a.lock(qualifiedName(parts), 'SHARE UPDATE EXCLUSIVE', 'sets a comment');
    else if (s.objtype === 'OBJECT_COLUMN')
      a.lock(qualifiedName(parts.slice(0, -1)), 'SHARE UPDATE EXCLUSIVE', 'sets a column comment');
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
    const mode = lockStmtMode(s);
    for (const r of s.relations ?? []) {
      const rv = as(r, 'RangeVar');
      a.lock(rangeVarName(rv), mode, 'locked explicitly', { location: rv?.location, nowait: !!s.nowait });
    }
    a.did('catalog', `takes ${mode} until the end of the transaction`);
  },

  InsertStmt: (a, s: T.InsertStmt) => addsRows(a, 'INSERT', 'inserts', s.relation, s.selectStmt),

  UpdateStmt: (a, s: T.UpdateStmt) => changesRows(a, 'update', s.relation, s.fromClause, !!s.whereClause),

  DeleteStmt: (a, s: T.DeleteStmt) => changesRows(a, 'delete', s.relation, s.usingClause, !!s.whereClause),

  MergeStmt: (a, s: T.MergeStmt) => addsRows(a, 'MERGE', 'merges', s.relation, s.sourceRelation),

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

  AlterObjectSchemaStmt: (a, s: T.AlterObjectSchemaStmt) => {
    const rel = rangeVarName(s.relation);
    a.command = `ALTER ${objectWord(s.objectType)} SET SCHEMA`;
    if (rel) {
      a.table = rel;
      a.lock(rel, 'ACCESS EXCLUSIVE', `moves it to schema ${s.newschema ?? '?'}`, {
        object: s.objectType === 'OBJECT_VIEW' ? 'view' : 'table',
        location: s.relation?.location,
      });
    }
    a.did('catalog', 'changes the catalog only; queries using the old qualified name start failing');
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

const DROPPED_RELATIONS: Record<
  string,
  'table' | 'foreign table' | 'view' | 'materialized view' | 'sequence'
> = {
  OBJECT_TABLE: 'table',
  OBJECT_FOREIGN_TABLE: 'foreign table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_SEQUENCE: 'sequence',
};

/** CREATE TRIGGER, CREATE RULE, CREATE / ALTER POLICY: one lock on the table, a catalog change. */
function catalogOnTable(
  a: Facts,
  command: string,
  table: T.RangeVar | undefined,
  mode: LockMode,
  why: string,
): void {
  a.command = command;
  a.lock(rangeVarName(table), mode, why, { location: table?.location });
  a.did('catalog', 'changes the catalog only');
}

/** INSERT and MERGE: rows written into the table, `reads` the query or source they come from. */
function addsRows(
  a: Facts,
  command: string,
  verb: 'inserts' | 'merges',
  relation: T.RangeVar | undefined,
  reads: unknown,
): void {
  a.command = command;
  a.table = rangeVarName(relation);
  a.lock(a.table, 'ROW EXCLUSIVE', `${verb} rows`);
  readsRelations(a, reads);
  a.operation = { kind: 'dml' };
  a.did('dml', `${verb} into ${formatName(a.table)}`);
}

/** UPDATE and DELETE: the old values of the rows they touch are gone after COMMIT. */
function changesRows(
  a: Facts,
  how: 'update' | 'delete',
  relation: T.RangeVar | undefined,
  reads: T.Node[] | undefined,
  where: boolean,
): void {
  a.command = how.toUpperCase();
  a.table = rangeVarName(relation);
  a.lock(
    a.table,
    'ROW EXCLUSIVE',
    `${how}s rows (each row stays locked against other writers until commit)`,
    {
      location: relation?.location,
    },
  );
  for (const r of reads ?? []) readsRelations(a, r);
  if (a.table) a.destroys.push({ kind: 'rows', relation: a.table, how, where });
  a.operation = { kind: 'dml' };
  a.did('dml', `${how}s ${where ? 'the matching rows' : 'every row'} of ${formatName(a.table)}`);
}

/** Relations a query reads, each with `mode` (ACCESS SHARE by default). */
function readsRelations(a: Facts, tree: unknown, mode: LockMode = 'ACCESS SHARE', why = 'reads it'): void {
  walk(tree, (kind, body) => {
    if (kind === 'RangeVar') {
      const rv = body as T.RangeVar;
      a.lock(rangeVarName(rv), mode, why, { location: rv.location });
    }
    if (kind === 'CommonTableExpr' || kind === 'SubLink' || kind === 'RangeSubselect') return undefined;
    return undefined;
  });
}
