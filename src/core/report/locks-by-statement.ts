/**
 * The lock each statement takes, read from its parse tree: the mode PostgreSQL's lock table gives
 * each command and each ALTER TABLE subcommand (explicit-locking.html, ALTER TABLE's per-form notes),
 * what that mode blocks, and whether the statement rewrites the table, scans it or builds an index.
 * Version-aware where PostgreSQL changed: constant defaults stopped rewriting in 11, SET NOT NULL can
 * use a validated CHECK from 12, ATTACH PARTITION takes a weaker lock on the parent from 12, DETACH
 * CONCURRENTLY exists from 14. A db test compares this table with pg_locks on a real server.
 */
import type * as T from '@pgsql/types';
import { alterCmds, as, columnConstraints, formatName, isVolatileExpr, nodeKind, rangeVarName, stringList, typeNameToString, walk, type QualifiedName } from '../lint/ast';
import { blocksReads, blocksWrites, LOCK_MODES, type LockMode } from '../lint/locks';
import type { Blocks, WorkKind } from './model';

export interface LockTaken {
  relation: QualifiedName;
  mode: LockMode;
  why: string;
}

export interface SubcommandAnalysis {
  /** 'ADD COLUMN', 'ALTER COLUMN TYPE', ... */
  action: string;
  mode: LockMode;
  work: WorkKind;
  detail: string;
  column?: string;
  /** the constraint a subcommand names (VALIDATE / DROP CONSTRAINT) */
  constraint?: string;
}

/** What the estimator needs to know to time the statement. */
export type Operation =
  | { kind: 'create-index'; concurrent: boolean; unique: boolean }
  | { kind: 'reindex'; concurrent: boolean }
  | { kind: 'alter-table' }
  /** the table is scanned and each row looked up in `referenced` (ADD FOREIGN KEY without NOT VALID, VALIDATE of a foreign key) */
  | { kind: 'validate-fk'; referenced: QualifiedName; columns: string[]; refColumns: string[] }
  | { kind: 'dml' }
  | { kind: 'vacuum-full' }
  | { kind: 'analyze' }
  | { kind: 'query' }
  | { kind: 'catalog' };

export interface StatementAnalysis {
  /** 'CREATE INDEX', 'ALTER TABLE', ... */
  command: string;
  summary: string;
  /** the relation whose size decides the cost */
  table?: QualifiedName;
  locks: LockTaken[];
  work: WorkKind;
  workDetail: string;
  subcommands: SubcommandAnalysis[];
  /** runs outside a transaction in several phases (CONCURRENTLY) */
  concurrent: boolean;
  operation: Operation;
}

export interface AnalyzeOptions {
  postgresVersion: number;
  /** the current type of a column (format_type or the linter's schema), for ALTER COLUMN TYPE */
  columnType?: (table: QualifiedName, column: string) => string | undefined;
  /** a validated CHECK (col IS NOT NULL) exists, so SET NOT NULL skips its scan (PostgreSQL 12+) */
  notNullProven?: (table: QualifiedName, column: string) => boolean;
}

const WORK_ORDER: WorkKind[] = ['catalog', 'unknown', 'query', 'dml', 'scan', 'index-build', 'rewrite'];

export function strongerWork(a: WorkKind, b: WorkKind): WorkKind {
  return WORK_ORDER.indexOf(a) >= WORK_ORDER.indexOf(b) ? a : b;
}

export function strongerLock(a: LockMode, b: LockMode): LockMode {
  return LOCK_MODES.indexOf(a) >= LOCK_MODES.indexOf(b) ? a : b;
}

export function blocksOf(mode: LockMode): Blocks {
  if (blocksReads(mode)) return 'reads-writes';
  if (blocksWrites(mode)) return 'writes';
  if (mode === 'SHARE UPDATE EXCLUSIVE') return 'schema-changes';
  return 'nothing';
}

export function describeBlocks(b: Blocks): string {
  switch (b) {
    case 'reads-writes':
      return 'blocks reads and writes';
    case 'writes':
      return 'blocks writes; reads continue';
    case 'schema-changes':
      return 'blocks schema changes, VACUUM and ANALYZE; reads and writes continue';
    case 'nothing':
      return 'blocks no reads or writes';
  }
}

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

class Analysis {
  command: string;
  summary: string;
  table?: QualifiedName;
  locks: LockTaken[] = [];
  work: WorkKind = 'catalog';
  workDetail = '';
  subcommands: SubcommandAnalysis[] = [];
  concurrent = false;
  operation: Operation = { kind: 'catalog' };

  constructor(
    readonly kind: string,
    readonly text: string,
  ) {
    this.command = commandOf(text);
    this.summary = oneLine(text);
  }

  lock(relation: QualifiedName | undefined, mode: LockMode, why: string): void {
    if (!relation) return;
    const same = this.locks.find((l) => sameName(l.relation, relation));
    if (same) {
      if (strongerLock(same.mode, mode) === mode && same.mode !== mode) {
        same.mode = mode;
        same.why = why;
      }
      return;
    }
    this.locks.push({ relation, mode, why });
  }

  did(work: WorkKind, detail: string): void {
    if (strongerWork(this.work, work) === work && (work !== this.work || !this.workDetail)) {
      this.work = work;
      this.workDetail = detail;
    } else if (work === this.work && detail && !this.workDetail.includes(detail)) {
      this.workDetail += `; ${detail}`;
    }
  }

  catalog(command: string, detail: string): void {
    this.command = command;
    this.did('catalog', detail);
  }

  result(): StatementAnalysis {
    return {
      command: this.command,
      summary: this.summary,
      table: this.table,
      locks: this.locks,
      work: this.work,
      workDetail: this.workDetail || 'changes the catalog only',
      subcommands: this.subcommands,
      concurrent: this.concurrent,
      operation: this.operation,
    };
  }
}

const HANDLERS: Record<string, Handler> = {
  IndexStmt: (a, s: T.IndexStmt) => {
    const table = rangeVarName(s.relation);
    a.table = table;
    a.command = `CREATE ${s.unique ? 'UNIQUE ' : ''}INDEX${s.concurrent ? ' CONCURRENTLY' : ''}`;
    a.concurrent = !!s.concurrent;
    a.operation = { kind: 'create-index', concurrent: !!s.concurrent, unique: !!s.unique };
    const name = s.idxname ? `${s.idxname} ` : '';
    if (s.concurrent) {
      a.lock(table, 'SHARE UPDATE EXCLUSIVE', 'builds the index concurrently: two table scans, waiting for older transactions in between');
      a.did('index-build', `builds index ${name}on ${formatName(table)} in two scans without blocking writes`);
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
    a.did('index-build', `rebuilds ${s.kind === 'REINDEX_OBJECT_INDEX' ? 'the index' : 'every index'}${target ? ` of ${formatName(target)}` : ''}`);
  },

  AlterTableStmt: (a, s: T.AlterTableStmt, o) => alterTable(a, s, o),

  RenameStmt: (a, s: T.RenameStmt, o) => {
    const rel = rangeVarName(s.relation);
    a.table = rel;
    a.command = `ALTER ${objectWord(s.renameType)} RENAME`;
    if (s.renameType === 'OBJECT_INDEX') {
      a.lock(rel, o.postgresVersion >= 12 ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', 'renames the index');
    } else if (rel) {
      a.lock(rel, 'ACCESS EXCLUSIVE', `renames ${s.renameType === 'OBJECT_COLUMN' ? `column ${s.subname ?? ''}` : s.renameType === 'OBJECT_TABCONSTRAINT' ? `constraint ${s.subname ?? ''}` : 'the relation'}`);
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
        a.lock(n, s.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', s.concurrent ? 'drops the index after waiting for queries using it' : "drops the index; its table is locked ACCESS EXCLUSIVE too");
      }
      a.did('catalog', s.concurrent ? 'drops the index without blocking its table' : "drops the index under an ACCESS EXCLUSIVE lock on its table");
    } else if (type === 'OBJECT_TABLE' || type === 'OBJECT_VIEW' || type === 'OBJECT_MATVIEW' || type === 'OBJECT_SEQUENCE' || type === 'OBJECT_FOREIGN_TABLE') {
      for (const n of names) a.lock(n, 'ACCESS EXCLUSIVE', `drops the ${objectWord(type).toLowerCase()}${type === 'OBJECT_TABLE' ? ' (tables its foreign keys reference are locked ACCESS EXCLUSIVE too)' : ''}`);
      a.table = names[0];
      a.did('catalog', `drops ${names.map(formatName).join(', ')}: data is gone for good`);
    } else if (type === 'OBJECT_TRIGGER' || type === 'OBJECT_RULE' || type === 'OBJECT_POLICY') {
      // the object name list ends with the object's own name; the rest names the table
      for (const o of s.objects ?? []) {
        const parts = stringList(as(o, 'List')?.items ?? []);
        const table = qualified(parts.slice(0, -1));
        a.lock(table, 'ACCESS EXCLUSIVE', `drops ${objectWord(type).toLowerCase()} ${parts[parts.length - 1] ?? ''}`);
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
      for (const p of s.inhRelations ?? []) a.lock(rangeVarName(as(p, 'RangeVar')), 'ACCESS EXCLUSIVE', 'creates a partition of it');
    }
    for (const e of s.tableElts ?? []) {
      const col = as(e, 'ColumnDef');
      for (const c of col ? columnConstraints(col) : [as(e, 'Constraint')].filter((x): x is T.Constraint => !!x)) {
        if (c.contype === 'CONSTR_FOREIGN') a.lock(rangeVarName(c.pktable), 'SHARE ROW EXCLUSIVE', `the new table ${formatName(rel)} references it`);
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
    a.lock(rel, s.concurrent ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE', s.concurrent ? 'refreshes it: reads continue, writes wait' : 'replaces its contents: reads wait until the query finishes');
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
    for (const r of s.relations ?? []) a.lock(rangeVarName(as(r, 'RangeVar')), 'ACCESS EXCLUSIVE', 'empties the table');
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
    if (s.objtype === 'OBJECT_TABLE' || s.objtype === 'OBJECT_VIEW' || s.objtype === 'OBJECT_MATVIEW') a.lock(qualified(parts), 'SHARE UPDATE EXCLUSIVE', 'sets a comment');
    else if (s.objtype === 'OBJECT_COLUMN') a.lock(qualified(parts.slice(0, -1)), 'SHARE UPDATE EXCLUSIVE', 'sets a column comment');
    a.did('catalog', 'changes the catalog only');
  },

  CreateStatsStmt: (a, s: T.CreateStatsStmt) => {
    a.command = 'CREATE STATISTICS';
    for (const r of s.relations ?? []) a.lock(rangeVarName(as(r, 'RangeVar')), 'SHARE UPDATE EXCLUSIVE', 'adds extended statistics');
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
    a.lock(a.table, 'ROW EXCLUSIVE', 'updates rows (each row stays locked against other writers until commit)');
    for (const f of s.fromClause ?? []) readsRelations(a, f);
    a.operation = { kind: 'dml' };
    a.did('dml', `updates ${s.whereClause ? 'the matching rows' : 'every row'} of ${formatName(a.table)}`);
  },

  DeleteStmt: (a, s: T.DeleteStmt) => {
    a.command = 'DELETE';
    a.table = rangeVarName(s.relation);
    a.lock(a.table, 'ROW EXCLUSIVE', 'deletes rows (each row stays locked against other writers until commit)');
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
    readsRelations(a, s, forUpdate ? 'ROW SHARE' : 'ACCESS SHARE', forUpdate ? 'locks the selected rows' : 'reads it');
    a.operation = { kind: 'query' };
    a.did('query', 'runs a query');
  },

  AlterDomainStmt: (a, s: T.AlterDomainStmt) => {
    a.command = 'ALTER DOMAIN';
    if (s.subtype === 'C' || s.subtype === 'V') {
      a.did('scan', 'checks every column that uses the domain, in every table (each locked SHARE: writes wait)');
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

function alterTable(a: Analysis, s: T.AlterTableStmt, o: AnalyzeOptions): void {
  const rel = rangeVarName(s.relation);
  a.table = rel;
  const objtype = s.objtype ?? 'OBJECT_TABLE';
  a.command = `ALTER ${objectWord(objtype)}`;
  a.operation = { kind: 'alter-table' };
  const name = formatName(rel);
  let mode: LockMode | undefined;
  const sub = (action: string, m: LockMode, work: WorkKind, detail: string, column?: string, constraint?: string): void => {
    a.subcommands.push({ action, mode: m, work, detail, ...(column ? { column } : {}), ...(constraint ? { constraint } : {}) });
    mode = mode ? strongerLock(mode, m) : m;
    a.did(work, detail);
  };

  if (objtype === 'OBJECT_INDEX') {
    for (const cmd of alterCmds(s)) {
      if (cmd.subtype === 'AT_SetTableSpace') sub('SET TABLESPACE', 'ACCESS EXCLUSIVE', 'rewrite', 'copies the index to the new tablespace');
      else if (cmd.subtype === 'AT_AttachPartition') sub('ATTACH PARTITION', 'SHARE UPDATE EXCLUSIVE', 'catalog', 'attaches an index partition');
      else sub(actionOf(cmd), 'SHARE UPDATE EXCLUSIVE', 'catalog', 'changes index options');
    }
    if (mode) a.lock(rel, mode, a.subcommands.map((x) => x.detail).join('; '));
    return;
  }

  for (const cmd of alterCmds(s)) {
    const col = cmd.name ?? undefined;
    switch (cmd.subtype) {
      case 'AT_AddColumn': {
        const def = as(cmd.def, 'ColumnDef');
        const c = def?.colname ?? col ?? '?';
        const cons = def ? columnConstraints(def) : [];
        const dflt = cons.find((x) => x.contype === 'CONSTR_DEFAULT')?.raw_expr;
        const generated = cons.find((x) => x.contype === 'CONSTR_GENERATED');
        const identity = cons.some((x) => x.contype === 'CONSTR_IDENTITY');
        const serial = /^(big|small)?serial[248]?$/.test(typeNameToString(def?.typeName));
        const notNull = cons.some((x) => x.contype === 'CONSTR_NOTNULL');
        const check = cons.some((x) => x.contype === 'CONSTR_CHECK');
        for (const x of cons) {
          if (x.contype === 'CONSTR_FOREIGN') a.lock(rangeVarName(x.pktable), 'SHARE ROW EXCLUSIVE', `${name}.${c} references it`);
        }
        const virtualGen = generated?.generated_kind === 'v';
        let work: WorkKind = 'catalog';
        let detail = `adds column ${c} (catalog only)`;
        if (serial || identity) {
          work = 'rewrite';
          detail = `adds ${c} filled from a sequence: every row is rewritten`;
        } else if (generated && !virtualGen) {
          work = 'rewrite';
          detail = `adds stored generated column ${c}: every row is rewritten`;
        } else if (dflt && isVolatileExpr(dflt)) {
          work = 'rewrite';
          detail = `adds ${c} with a volatile default: every row is rewritten with its own value`;
        } else if (dflt && o.postgresVersion < 11) {
          work = 'rewrite';
          detail = `adds ${c} with a default: before PostgreSQL 11 every row is rewritten`;
        } else if (dflt) {
          detail = `adds ${c} with a constant default (PostgreSQL 11+: stored once in the catalog, no rewrite)`;
        } else if (notNull) {
          work = 'scan';
          detail = `adds ${c} NOT NULL without a default: fails unless the table is empty`;
        }
        if (check && work === 'catalog' && dflt) {
          work = 'scan';
          detail += '; its CHECK is verified on every row';
        }
        sub('ADD COLUMN', 'ACCESS EXCLUSIVE', work, detail, c);
        break;
      }
      case 'AT_DropColumn':
        sub('DROP COLUMN', 'ACCESS EXCLUSIVE', 'catalog', `drops column ${col} (catalog only; space is reclaimed later)`, col);
        break;
      case 'AT_ColumnDefault':
        sub(cmd.def ? 'SET DEFAULT' : 'DROP DEFAULT', 'ACCESS EXCLUSIVE', 'catalog', `${cmd.def ? 'sets' : 'drops'} the default of ${col} (new rows only)`, col);
        break;
      case 'AT_SetNotNull': {
        const proven = o.postgresVersion >= 12 && !!rel && !!col && (o.notNullProven?.(rel, col) ?? false);
        sub('SET NOT NULL', 'ACCESS EXCLUSIVE', proven ? 'catalog' : 'scan', proven ? `sets ${col} NOT NULL using the validated CHECK (${col} IS NOT NULL): no scan` : `scans every row to check ${col} has no NULL`, col);
        break;
      }
      case 'AT_DropNotNull':
        sub('DROP NOT NULL', 'ACCESS EXCLUSIVE', 'catalog', `drops NOT NULL on ${col}`, col);
        break;
      case 'AT_SetStatistics':
      case 'AT_SetOptions':
      case 'AT_ResetOptions':
        sub(actionOf(cmd), 'SHARE UPDATE EXCLUSIVE', 'catalog', `changes planner settings of ${col}`, col);
        break;
      case 'AT_SetStorage':
      case 'AT_SetCompression':
        sub(actionOf(cmd), 'ACCESS EXCLUSIVE', 'catalog', `changes how new values of ${col} are stored`, col);
        break;
      case 'AT_AlterColumnType': {
        const def = as(cmd.def, 'ColumnDef');
        const to = typeNameToString(def?.typeName);
        const from = rel && col ? o.columnType?.(rel, col) : undefined;
        const using = def?.raw_default && !isPlainColumn(def.raw_default, col);
        const verdict = using ? 'rewrite' : typeChange(from, to, o.postgresVersion);
        const fromText = from ? ` from ${from}` : '';
        const detail =
          verdict === 'no-rewrite'
            ? `changes ${col}${fromText} to ${to}: binary-coercible, catalog only`
            : verdict === 'utc'
              ? `changes ${col}${fromText} to ${to}: no rewrite when the session TimeZone is UTC, else every row is rewritten; indexes on ${col} are rebuilt`
              : `changes ${col}${fromText} to ${to}: every row is rewritten and every index rebuilt${from ? '' : ' (unless the change is binary-coercible)'}`;
        sub('ALTER COLUMN TYPE', 'ACCESS EXCLUSIVE', verdict === 'no-rewrite' ? 'catalog' : 'rewrite', detail, col);
        break;
      }
      case 'AT_SetExpression':
        sub('SET EXPRESSION', 'ACCESS EXCLUSIVE', 'rewrite', `recomputes generated column ${col} for every row`, col);
        break;
      case 'AT_DropExpression':
        sub('DROP EXPRESSION', 'ACCESS EXCLUSIVE', 'catalog', `turns ${col} into a plain column`, col);
        break;
      case 'AT_AddIdentity':
      case 'AT_SetIdentity':
      case 'AT_DropIdentity':
        sub(actionOf(cmd), 'ACCESS EXCLUSIVE', 'catalog', `changes the identity of ${col}`, col);
        break;
      case 'AT_AddConstraint':
        addConstraint(a, rel, as(cmd.def, 'Constraint'), sub);
        break;
      case 'AT_ValidateConstraint':
        sub('VALIDATE CONSTRAINT', 'SHARE UPDATE EXCLUSIVE', 'scan', `checks every row against ${col} while reads and writes continue`, undefined, col);
        break;
      case 'AT_AlterConstraint':
        sub('ALTER CONSTRAINT', 'ACCESS EXCLUSIVE', 'catalog', `changes constraint ${as(cmd.def, 'ATAlterConstraint')?.conname ?? ''} attributes`);
        break;
      case 'AT_DropConstraint':
        sub('DROP CONSTRAINT', 'ACCESS EXCLUSIVE', 'catalog', `drops constraint ${col} (a foreign key also locks the table it references ACCESS EXCLUSIVE)`, undefined, col);
        break;
      case 'AT_AddIndexConstraint':
        sub('ADD CONSTRAINT USING INDEX', 'ACCESS EXCLUSIVE', 'catalog', 'turns an existing index into a constraint (a primary key also checks NOT NULL)');
        break;
      case 'AT_SetLogged':
      case 'AT_SetUnLogged':
        sub(actionOf(cmd), 'ACCESS EXCLUSIVE', 'rewrite', 'rewrites the table');
        break;
      case 'AT_SetTableSpace':
        sub('SET TABLESPACE', 'ACCESS EXCLUSIVE', 'rewrite', 'copies the table to the new tablespace');
        break;
      case 'AT_SetAccessMethod':
        sub('SET ACCESS METHOD', 'ACCESS EXCLUSIVE', 'rewrite', 'rewrites the table');
        break;
      case 'AT_SetRelOptions':
      case 'AT_ResetRelOptions':
      case 'AT_ReplaceRelOptions':
        sub(actionOf(cmd), 'SHARE UPDATE EXCLUSIVE', 'catalog', 'changes storage parameters');
        break;
      case 'AT_ClusterOn':
      case 'AT_DropCluster':
        sub(actionOf(cmd), 'SHARE UPDATE EXCLUSIVE', 'catalog', 'marks the clustering index');
        break;
      case 'AT_EnableTrig':
      case 'AT_EnableAlwaysTrig':
      case 'AT_EnableReplicaTrig':
      case 'AT_DisableTrig':
      case 'AT_EnableTrigAll':
      case 'AT_DisableTrigAll':
      case 'AT_EnableTrigUser':
      case 'AT_DisableTrigUser':
        sub(actionOf(cmd), 'SHARE ROW EXCLUSIVE', 'catalog', 'enables or disables triggers');
        break;
      case 'AT_AttachPartition': {
        const part = rangeVarName(as(cmd.def, 'PartitionCmd')?.name);
        a.lock(part, 'ACCESS EXCLUSIVE', 'the partition being attached is scanned to check its bound');
        sub('ATTACH PARTITION', o.postgresVersion >= 12 ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', 'scan', `attaches ${formatName(part)}: scans it unless a CHECK constraint already proves its bound`);
        break;
      }
      case 'AT_DetachPartition': {
        const p = as(cmd.def, 'PartitionCmd');
        const concurrent = !!p?.concurrent && o.postgresVersion >= 14;
        if (concurrent) a.concurrent = true;
        a.lock(rangeVarName(p?.name), concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', 'detaches it');
        sub(concurrent ? 'DETACH PARTITION CONCURRENTLY' : 'DETACH PARTITION', concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', 'catalog', `detaches ${formatName(rangeVarName(p?.name))}`);
        break;
      }
      default:
        // owner, schema, inheritance, replica identity, row security, OF type, rules: ACCESS EXCLUSIVE, catalog only
        sub(actionOf(cmd), 'ACCESS EXCLUSIVE', 'catalog', `${actionOf(cmd).toLowerCase()} (catalog only)`);
    }
  }
  if (mode) {
    const why = a.subcommands.map((x) => x.detail).join('; ');
    // the lock of the main table goes first
    a.locks.unshift({ relation: rel ?? { name: '?' }, mode, why });
    const dup = a.locks.findIndex((l, i) => i > 0 && sameName(l.relation, a.locks[0].relation));
    if (dup > 0) a.locks.splice(dup, 1);
  }
  if (a.work === 'rewrite') {
    a.workDetail = `rewrites ${name} and rebuilds its indexes: ${a.subcommands.filter((x) => x.work === 'rewrite').map((x) => x.detail).join('; ')}`;
  }
}

function addConstraint(
  a: Analysis,
  rel: QualifiedName | undefined,
  c: T.Constraint | undefined,
  sub: (action: string, m: LockMode, work: WorkKind, detail: string, column?: string, constraint?: string) => void,
): void {
  if (!c) return;
  const name = c.conname ? `${c.conname} ` : '';
  const notValid = !!c.skip_validation;
  switch (c.contype) {
    case 'CONSTR_FOREIGN': {
      const ref = rangeVarName(c.pktable);
      a.lock(ref, 'SHARE ROW EXCLUSIVE', `the new foreign key ${name}of ${formatName(rel)} references it`);
      if (!notValid && ref) a.operation = { kind: 'validate-fk', referenced: ref, columns: stringList(c.fk_attrs), refColumns: stringList(c.pk_attrs) };
      sub(
        'ADD FOREIGN KEY',
        'SHARE ROW EXCLUSIVE',
        notValid ? 'catalog' : 'scan',
        notValid ? `adds foreign key ${name}NOT VALID: new rows are checked, existing ones are not` : `adds foreign key ${name}and checks every existing row against ${formatName(ref)} while writes to both wait`,
      );
      break;
    }
    case 'CONSTR_CHECK':
      sub('ADD CHECK', 'ACCESS EXCLUSIVE', notValid ? 'catalog' : 'scan', notValid ? `adds CHECK ${name}NOT VALID: existing rows are not checked` : `adds CHECK ${name}and checks every row while reads and writes wait`);
      break;
    case 'CONSTR_UNIQUE':
    case 'CONSTR_PRIMARY': {
      const what = c.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
      if (c.indexname) sub(`ADD ${what} USING INDEX`, 'ACCESS EXCLUSIVE', 'catalog', `adds ${what} ${name}on the existing index ${c.indexname}`);
      else sub(`ADD ${what}`, 'ACCESS EXCLUSIVE', 'index-build', `adds ${what} ${name}and builds its index while reads and writes wait`);
      break;
    }
    case 'CONSTR_EXCLUSION':
      sub('ADD EXCLUDE', 'ACCESS EXCLUSIVE', 'index-build', `adds exclusion constraint ${name}and builds its index while reads and writes wait`);
      break;
    case 'CONSTR_NOTNULL':
      sub('ADD NOT NULL', 'ACCESS EXCLUSIVE', notValid ? 'catalog' : 'scan', `adds NOT NULL constraint ${name}${notValid ? 'NOT VALID' : 'and scans every row'}`);
      break;
    default:
      sub('ADD CONSTRAINT', 'ACCESS EXCLUSIVE', 'catalog', `adds constraint ${name}`);
  }
}

/** Relations a query reads, each with `mode` (ACCESS SHARE by default). */
function readsRelations(a: Analysis, tree: unknown, mode: LockMode = 'ACCESS SHARE', why = 'reads it'): void {
  walk(tree, (kind, body) => {
    if (kind === 'RangeVar') a.lock(rangeVarName(body as T.RangeVar), mode, why);
    if (kind === 'CommonTableExpr' || kind === 'SubLink' || kind === 'RangeSubselect') return undefined;
    return undefined;
  });
}

type TypeVerdict = 'no-rewrite' | 'rewrite' | 'utc';

/** Whether ALTER COLUMN TYPE from → to is binary-coercible (catalog only) in PostgreSQL. */
export function typeChange(from: string | undefined, to: string, pgVersion: number): TypeVerdict {
  if (!from) return 'rewrite';
  const f = parseType(from);
  const t = parseType(to);
  if (f.array !== t.array) return 'rewrite';
  if (f.base === t.base) {
    if (f.mods.join() === t.mods.join()) return 'no-rewrite';
    switch (f.base) {
      case 'varchar':
      case 'varbit':
        return t.mods.length === 0 || (f.mods.length > 0 && t.mods[0] >= f.mods[0]) ? 'no-rewrite' : 'rewrite';
      case 'numeric':
        if (t.mods.length === 0) return 'no-rewrite';
        return f.mods.length > 0 && t.mods[0] >= f.mods[0] && (t.mods[1] ?? 0) === (f.mods[1] ?? 0) ? 'no-rewrite' : 'rewrite';
      case 'timestamp':
      case 'timestamptz':
      case 'time':
      case 'timetz':
      case 'interval':
        return t.mods.length === 0 || (f.mods.length > 0 && t.mods[t.mods.length - 1] >= f.mods[f.mods.length - 1]) ? 'no-rewrite' : 'rewrite';
      default:
        return 'rewrite';
    }
  }
  const pair = `${f.base}>${t.base}`;
  if ((f.base === 'varchar' && t.base === 'text') || (f.base === 'text' && t.base === 'varchar' && t.mods.length === 0)) return 'no-rewrite';
  if (pair === 'cidr>inet' || pair === 'xml>text' || pair === 'xml>varchar' || (pair === 'bit>varbit' && t.mods.length === 0)) return 'no-rewrite';
  if ((pair === 'timestamp>timestamptz' || pair === 'timestamptz>timestamp') && pgVersion >= 12) return 'utc';
  return 'rewrite';
}

const TYPE_ALIASES: Record<string, string> = {
  'character varying': 'varchar',
  character: 'char',
  bpchar: 'char',
  integer: 'int4',
  int: 'int4',
  bigint: 'int8',
  smallint: 'int2',
  real: 'float4',
  'double precision': 'float8',
  decimal: 'numeric',
  boolean: 'bool',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time',
  'time with time zone': 'timetz',
  'bit varying': 'varbit',
};

function parseType(t: string): { base: string; mods: number[]; array: boolean } {
  let s = t.trim().toLowerCase().replace(/^pg_catalog\./, '');
  const array = /\[\]$/.test(s);
  s = s.replace(/(\[\])+$/, '');
  // 'timestamp(3) with time zone' → base 'timestamp with time zone', mods [3]
  const mods: number[] = [];
  s = s.replace(/\(([\d,\s]+)\)/, (_, m: string) => {
    mods.push(...m.split(',').map((x) => Number(x.trim())));
    return '';
  });
  s = s.replace(/\s+/g, ' ').trim();
  return { base: TYPE_ALIASES[s] ?? s, mods, array };
}

function isPlainColumn(expr: unknown, column: string | undefined): boolean {
  const ref = as(expr, 'ColumnRef');
  const fields = stringList(ref?.fields);
  return !!ref && fields.length === 1 && fields[0] === column;
}

function actionOf(cmd: T.AlterTableCmd): string {
  return (cmd.subtype ?? 'AT_?')
    .replace(/^AT_/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

function objectWord(t: string | undefined): string {
  return (t ?? 'OBJECT_TABLE').replace(/^OBJECT_/, '').replace(/_/g, ' ').replace('MATVIEW', 'MATERIALIZED VIEW').replace('TABCONSTRAINT', 'CONSTRAINT');
}

function qualified(parts: string[]): QualifiedName | undefined {
  if (!parts.length) return undefined;
  const name = parts[parts.length - 1];
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  return { schema, name };
}

export function sameName(a: QualifiedName, b: QualifiedName): boolean {
  return a.name === b.name && (a.schema ?? 'public') === (b.schema ?? 'public');
}

/** 'CREATE INDEX', 'ALTER TABLE', ... from the statement's first words. */
export function commandOf(text: string): string {
  const words = stripComments(text).split(/\s+/).filter(Boolean).slice(0, 3).map((w) => w.toUpperCase().replace(/[^A-Z]/g, ''));
  if (!words.length) return '?';
  if (['CREATE', 'ALTER', 'DROP'].includes(words[0])) {
    const skip = ['OR', 'REPLACE', 'UNIQUE', 'TEMP', 'TEMPORARY', 'UNLOGGED'];
    const rest = words.slice(1).filter((w) => !skip.includes(w));
    return `${words[0]} ${rest[0] ?? ''}`.trim();
  }
  return words[0];
}

export function oneLine(sql: string, max = 140): string {
  const s = stripComments(sql).replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
}
