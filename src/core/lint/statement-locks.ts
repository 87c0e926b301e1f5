/**
 * The file replay of the whole-file lock rules: the locks each statement takes (src/core/pg's answer in
 * the linter's terms), the tables and indexes the file has created so far, and the lock_timeout /
 * statement_timeout in force.
 */
import type * as T from '@pgsql/types';
import { describeStatement } from '../pg/describe';
import type { StatementFacts } from '../pg/facts';
import type { LockMode } from '../pg/lock-modes';
import { as, formatName, rangeVarName, stringList, type QualifiedName } from './ast';
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

/**
 * The table-level locks a statement takes, in the linter's terms: describeStatement()'s answer with
 * each index mapped to its table when the file created the index.
 */
export function statementLocks(stmt: Stmt, pg: number, created: CreatedInFile): StatementLock[] {
  const facts = statementFacts(stmt, pg);
  const out: StatementLock[] = [];
  for (const l of facts.locks) {
    const common = {
      mode: l.mode,
      ...(l.dropped ? { dropped: true } : {}),
      ...(l.location !== undefined ? { location: l.location } : {}),
      ...(l.nowait ? { nowait: true } : {}),
    };
    if (l.object === 'index') {
      const label = `the table of index ${formatName(l.relation)}`;
      out.push({ rel: created.tableOfIndex(l.relation), label, object: 'index', ...common });
    } else if (l.object === 'indexes') {
      out.push({
        rel: l.relation,
        label: `the indexes of ${formatName(l.relation)}`,
        object: 'table',
        ...common,
      });
    } else {
      const object = l.object === 'view' ? 'view' : 'table';
      out.push({ rel: l.relation, label: formatName(l.relation), object, ...common });
    }
  }
  for (const w of facts.wideLocks) out.push({ label: w.label, mode: w.mode, object: 'many' });
  return out;
}

// Several rules ask what each statement does (require-lock-timeout, statements-after-access-exclusive,
// the backfill rules): it is described once per statement and target version. The answer is shared, so
// nothing may mutate it.
const described = new WeakMap<Stmt, { pg: number; facts: StatementFacts }>();

/** describeStatement() of a linted statement, once per statement (see above). */
export function statementFacts(stmt: Stmt, pg: number): StatementFacts {
  const hit = described.get(stmt);
  if (hit && hit.pg === pg) return hit.facts;
  const facts = describeStatement(stmt.node, stmt.text, { postgresVersion: pg });
  described.set(stmt, { pg, facts });
  return facts;
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
