/**
 * The table-level locks a statement takes (from PostgreSQL's source and manual), the tables and indexes a
 * file has created so far, and the lock_timeout / statement_timeout in force: replayed in file order by
 * the whole-file lock rules, and usable by anything else that needs to know what a statement locks.
 */
import type * as T from '@pgsql/types';
import {
  alterCmds,
  as,
  columnConstraints,
  formatName,
  rangeVarName,
  stringList,
  type QualifiedName,
} from './ast';
import { LOCK_MODES, type LockMode } from './locks';
import type { Stmt } from './types';

/** A lock a statement waits for; `rel` is the table when known (for a table created in the file, no wait matters). */
export interface StatementLock {
  rel?: QualifiedName;
  label: string;
  mode: LockMode;
  /** 'index': the table of an index, known only when the index was created in the file */
  object: 'table' | 'view' | 'index' | 'many';
  /** the statement drops the relation itself */
  dropped?: boolean;
  location?: number;
  nowait?: boolean;
}

const AE: LockMode = 'ACCESS EXCLUSIVE';
const SUE: LockMode = 'SHARE UPDATE EXCLUSIVE';
const SRE: LockMode = 'SHARE ROW EXCLUSIVE';
// AlterTableGetLockLevel() in PostgreSQL's tablecmds.c: every other subcommand takes ACCESS EXCLUSIVE
const AT_SUE = new Set([
  'AT_SetStatistics', 'AT_ClusterOn', 'AT_DropCluster', 'AT_SetOptions', 'AT_ResetOptions',
  'AT_ValidateConstraint', 'AT_SetRelOptions', 'AT_ResetRelOptions', 'AT_DetachPartitionFinalize',
]); // prettier-ignore
const AT_SRE = new Set([
  'AT_EnableTrig', 'AT_EnableAlwaysTrig', 'AT_EnableReplicaTrig', 'AT_EnableTrigAll', 'AT_EnableTrigUser',
  'AT_DisableTrig', 'AT_DisableTrigAll', 'AT_DisableTrigUser',
]); // prettier-ignore

/** The table-level locks a statement takes, strongest per relation, from PostgreSQL's source and manual. */
export function statementLocks(stmt: Stmt, pg: number, created: CreatedInFile): StatementLock[] {
  const out: StatementLock[] = [];
  const rv = (
    r: T.RangeVar | undefined,
    mode: LockMode,
    label?: string,
    object: 'table' | 'view' = 'table',
  ): void => {
    const q = rangeVarName(r);
    if (q) out.push({ rel: q, label: label ?? formatName(q), mode, object, location: r?.location });
  };
  const names = (n: T.Node | undefined): QualifiedName | undefined => {
    const s = stringList(as(n, 'List')?.items);
    return s.length
      ? { schema: s.length > 1 ? s[s.length - 2] : undefined, name: s[s.length - 1] }
      : undefined;
  };
  const index = (q: QualifiedName, mode: LockMode, location?: number): void => {
    const label = `the table of index ${formatName(q)}`;
    out.push({ rel: created.tableOfIndex(q), label, mode, object: 'index', location });
  };
  const n = stmt.node;
  switch (stmt.kind) {
    case 'AlterTableStmt': {
      const a = as(n, 'AlterTableStmt')!;
      const cmds = alterCmds(a);
      const mode = strongest(cmds.map((c) => alterCmdLock(c, pg)));
      const q = rangeVarName(a.relation);
      if (q && a.objtype === 'OBJECT_INDEX') index(q, mode, a.relation?.location);
      else rv(a.relation, mode, undefined, a.objtype === 'OBJECT_VIEW' ? 'view' : 'table');
      for (const c of cmds) {
        const con = as(c.def, 'Constraint');
        if (con?.contype === 'CONSTR_FOREIGN') rv(con.pktable, SRE);
        for (const cc of columnConstraints(as(c.def, 'ColumnDef') ?? {}))
          if (cc.contype === 'CONSTR_FOREIGN') rv(cc.pktable, SRE);
        const part = as(c.def, 'PartitionCmd');
        if (part && c.subtype !== 'AT_DetachPartitionFinalize') rv(part.name, AE);
      }
      break;
    }
    case 'IndexStmt': {
      const i = as(n, 'IndexStmt')!;
      rv(i.relation, i.concurrent ? SUE : 'SHARE');
      break;
    }
    case 'DropStmt': {
      const d = as(n, 'DropStmt')!;
      for (const o of d.objects ?? []) {
        const q = names(o);
        if (!q) continue;
        if (d.removeType === 'OBJECT_INDEX') index(q, d.concurrent ? SUE : AE);
        else if (
          [
            'OBJECT_TABLE',
            'OBJECT_MATVIEW',
            'OBJECT_VIEW',
            'OBJECT_FOREIGN_TABLE',
            'OBJECT_SEQUENCE',
          ].includes(d.removeType ?? '')
        )
          out.push({
            rel: q,
            label: formatName(q),
            mode: AE,
            object: d.removeType === 'OBJECT_VIEW' ? 'view' : 'table',
            dropped: true,
          });
        else if (['OBJECT_TRIGGER', 'OBJECT_POLICY', 'OBJECT_RULE'].includes(d.removeType ?? '')) {
          const parts = stringList(as(o, 'List')?.items).slice(0, -1);
          const t = parts.length
            ? { schema: parts.length > 1 ? parts[0] : undefined, name: parts[parts.length - 1] }
            : undefined;
          if (t) out.push({ rel: t, label: formatName(t), mode: AE, object: 'table' });
        }
      }
      break;
    }
    case 'TruncateStmt':
      for (const r of as(n, 'TruncateStmt')!.relations ?? []) rv(as(r, 'RangeVar'), AE);
      break;
    case 'LockStmt': {
      const l = as(n, 'LockStmt')!;
      const mode = LOCK_MODES[(l.mode ?? 8) - 1] ?? AE;
      for (const r of l.relations ?? []) rv(as(r, 'RangeVar'), mode);
      if (l.nowait) out.forEach((o) => (o.nowait = true));
      break;
    }
    case 'CreateTrigStmt':
      rv(as(n, 'CreateTrigStmt')!.relation, SRE);
      break;
    case 'CreatePolicyStmt':
      rv(as(n, 'CreatePolicyStmt')!.table, AE);
      break;
    case 'AlterPolicyStmt':
      rv(as(n, 'AlterPolicyStmt')!.table, AE);
      break;
    case 'RuleStmt':
      rv(as(n, 'RuleStmt')!.relation, AE);
      break;
    case 'CreateStmt': {
      const c = as(n, 'CreateStmt')!;
      // PARTITION OF locks the parent; INHERITS only guards it against schema changes
      for (const p of c.inhRelations ?? []) rv(as(p, 'RangeVar'), c.partbound ? AE : SUE);
      for (const el of c.tableElts ?? []) {
        const cons = [as(el, 'Constraint'), ...columnConstraints(as(el, 'ColumnDef') ?? {})];
        for (const con of cons) if (con?.contype === 'CONSTR_FOREIGN') rv(con.pktable, SRE);
      }
      break;
    }
    case 'VacuumStmt': {
      const v = as(n, 'VacuumStmt')!;
      const full = (v.options ?? []).some((o) => {
        const d = as(o, 'DefElem');
        return d?.defname === 'full' && !/^(false|off|no|0)$/i.test(as(d.arg, 'String')?.sval ?? '');
      });
      const rels = (v.rels ?? []).map((r) => as(r, 'VacuumRelation')?.relation);
      for (const r of rels) rv(r, full ? AE : SUE);
      if (!rels.length)
        out.push({ label: 'every table of the database', mode: full ? AE : SUE, object: 'many' });
      break;
    }
    case 'ClusterStmt': {
      const c = as(n, 'ClusterStmt')!;
      if (c.relation) rv(c.relation, AE);
      else out.push({ label: 'every clustered table', mode: AE, object: 'many' });
      break;
    }
    case 'RefreshMatViewStmt': {
      const r = as(n, 'RefreshMatViewStmt')!;
      rv(r.relation, r.concurrent ? 'EXCLUSIVE' : AE);
      break;
    }
    case 'ReindexStmt': {
      const r = as(n, 'ReindexStmt')!;
      const concurrent = (r.params ?? []).some((p) => as(p, 'DefElem')?.defname === 'concurrently');
      // the indexes get ACCESS EXCLUSIVE (the table SHARE); the planner locks every index, so reads wait too
      const mode = concurrent ? SUE : AE;
      const q = rangeVarName(r.relation);
      if (q && r.kind === 'REINDEX_OBJECT_INDEX') index(q, mode, r.relation?.location);
      else if (q) rv(r.relation, mode, `the indexes of ${formatName(q)}`);
      else
        out.push({
          label:
            r.kind === 'REINDEX_OBJECT_SCHEMA'
              ? `every index of schema ${r.name}`
              : 'every index of the database',
          mode,
          object: 'many',
        });
      break;
    }
    case 'RenameStmt': {
      const r = as(n, 'RenameStmt')!;
      const q = rangeVarName(r.relation);
      if (q && r.renameType === 'OBJECT_INDEX') index(q, pg >= 12 ? SUE : AE, r.relation?.location);
      else rv(r.relation, AE, undefined, r.renameType === 'OBJECT_VIEW' ? 'view' : 'table');
      break;
    }
    case 'AlterObjectSchemaStmt': {
      const o = as(n, 'AlterObjectSchemaStmt')!;
      rv(o.relation, AE, undefined, o.objectType === 'OBJECT_VIEW' ? 'view' : 'table');
      break;
    }
  }
  return out;
}

function alterCmdLock(c: T.AlterTableCmd, pg: number): LockMode {
  const sub = c.subtype ?? '';
  if (AT_SUE.has(sub)) return SUE;
  if (AT_SRE.has(sub)) return SRE;
  if (sub === 'AT_AddConstraint' && as(c.def, 'Constraint')?.contype === 'CONSTR_FOREIGN') return SRE;
  if (sub === 'AT_AttachPartition') return pg >= 12 ? SUE : AE;
  if (sub === 'AT_DetachPartition') return as(c.def, 'PartitionCmd')?.concurrent ? SUE : AE;
  return AE;
}

function strongest(modes: LockMode[]): LockMode {
  return modes.reduce<LockMode>(
    (a, b) => (LOCK_MODES.indexOf(b) > LOCK_MODES.indexOf(a) ? b : a),
    'ACCESS SHARE',
  );
}

/** Tables and indexes created by the statements seen so far (replayed in file order by file-level rules). */
export class CreatedInFile {
  // by name: the schemas it was created in ('' = unqualified), and the table of each index
  private readonly tables = new Map<string, QualifiedName[]>();
  private readonly indexes = new Map<string, { index: QualifiedName; table: QualifiedName }[]>();

  observe(stmt: Stmt): void {
    const n = stmt.node;
    const table = rangeVarName(as(n, 'CreateStmt')?.relation ?? as(n, 'CreateTableAsStmt')?.into?.rel);
    if (table) push(this.tables, table.name, table);
    const idx = as(n, 'IndexStmt');
    const on = rangeVarName(idx?.relation);
    if (idx?.idxname && on)
      push(this.indexes, idx.idxname, { index: { schema: on.schema, name: idx.idxname }, table: on });
    const ren = as(n, 'RenameStmt');
    const from = rangeVarName(ren?.relation);
    if (ren?.newname && from && ren.renameType === 'OBJECT_TABLE' && this.isNew(from))
      push(this.tables, ren.newname, { schema: from.schema, name: ren.newname });
  }

  /** Same matching as SchemaModel.table(): unqualified matches any schema; created unqualified counts as public. */
  isNew(q: QualifiedName): boolean {
    return (this.tables.get(q.name) ?? []).some((t) => sameSchema(t, q));
  }

  tableOfIndex(q: QualifiedName): QualifiedName | undefined {
    return (this.indexes.get(q.name) ?? []).find((i) => sameSchema(i.index, q))?.table;
  }
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function sameSchema(known: QualifiedName, q: QualifiedName): boolean {
  return !q.schema || (known.schema ?? 'public') === q.schema;
}

/**
 * Replays the file with `timeout` tracked: the first statement that runs while the setting is unset or
 * turned off and in which `find` finds something. `find` knows the tables created before the statement.
 */
export function firstWithoutTimeout<R>(
  statements: readonly Stmt[],
  timeout: TimeoutSetting,
  find: (stmt: Stmt, created: CreatedInFile) => R | undefined,
): { stmt: Stmt; state: TimeoutState; found: R } | undefined {
  const created = new CreatedInFile();
  for (const stmt of statements) {
    timeout.observe(stmt);
    const state = timeout.at(stmt);
    const found = state.kind === 'none' || state.kind === 'off' ? find(stmt, created) : undefined;
    created.observe(stmt);
    if (found !== undefined) return { stmt, state, found };
  }
  return undefined;
}

export interface TimeoutState {
  kind: 'runner' | 'set' | 'off' | 'none';
  /** the SET that decided it */
  by?: Stmt;
}

/** Follows SET / SET LOCAL / RESET / set_config() of one setting through the file. */
export class TimeoutSetting {
  private session: TimeoutState;
  private local?: { txId: number; state: TimeoutState };

  constructor(
    private readonly name: string,
    private readonly runnerSets: boolean,
  ) {
    this.session = this.initial();
  }

  observe(stmt: Stmt): void {
    const change = this.changeIn(stmt);
    if (!change) return;
    if (!change.local) {
      this.session = change.state;
      this.local = undefined;
    } else if (stmt.inTransaction) {
      // SET LOCAL outside a transaction block has no effect
      this.local = { txId: stmt.txId, state: change.state };
    }
  }

  at(stmt: Stmt): TimeoutState {
    return this.local && this.local.txId === stmt.txId && stmt.inTransaction
      ? this.local.state
      : this.session;
  }

  private initial(): TimeoutState {
    return { kind: this.runnerSets ? 'runner' : 'none' };
  }

  private changeIn(stmt: Stmt): { state: TimeoutState; local: boolean } | undefined {
    const set = as(stmt.node, 'VariableSetStmt');
    if (set?.kind === 'VAR_RESET_ALL') return { state: this.initial(), local: false };
    if (set && set.name === this.name) {
      if (set.kind !== 'VAR_SET_VALUE') return { state: this.initial(), local: !!set.is_local };
      return { state: { kind: isZero(set.args?.[0]) ? 'off' : 'set', by: stmt }, local: !!set.is_local };
    }
    // SELECT set_config('lock_timeout', '5s', false)
    for (const t of as(stmt.node, 'SelectStmt')?.targetList ?? []) {
      const f = as(as(t, 'ResTarget')?.val, 'FuncCall');
      if (stringList(f?.funcname).pop() !== 'set_config' || f?.args?.length !== 3) continue;
      if (as(f.args[0], 'A_Const')?.sval?.sval !== this.name) continue;
      const local = !!as(f.args[2], 'A_Const')?.boolval?.boolval;
      return { state: { kind: isZero(f.args[1]) ? 'off' : 'set', by: stmt }, local };
    }
    return undefined;
  }
}

function isZero(arg: T.Node | undefined): boolean {
  const c = as(arg, 'A_Const');
  if (!c) return false;
  if (c.ival) return !c.ival.ival;
  const s = c.sval?.sval ?? c.fval?.fval;
  return s !== undefined && /^\s*0+(?:\.0*)?\s*(?:us|ms|s|min|h|d)?\s*$/i.test(s);
}
