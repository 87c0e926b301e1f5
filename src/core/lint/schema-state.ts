/**
 * The schema model as plain data, for the lint cache: what one migration changed (a delta, stored per
 * file) and a whole model rebuilt from the deltas (to lint the next migration, here or on a worker
 * thread, without parsing the ones before it).
 *
 * A model is two maps whose values are replaced, never changed in place, once a later model shares them
 * (see SchemaModel.clone), so a migration's delta is the keys whose value is another object than before.
 * Map order is kept exactly: replaying the deltas gives the maps in the order the linter built them.
 * "New" is stored as a flag relative to the model it was stored with: only the values the last delta set
 * can be new in the model it rebuilds (a migration's new objects are in its own delta).
 */
import type { QualifiedName } from './ast';
import { SchemaModel, type ColumnRec, type IndexRec, type TableRec } from './schema';

/** [name, type, notNull, new, unique, primary]; the flags are 0 or 1 */
type StoredColumn = [string, string, number, number, number, number];

interface StoredTable {
  schema?: string;
  name: string;
  complete: boolean;
  new: boolean;
  columns: StoredColumn[];
}

interface StoredIndex {
  name: string;
  table?: QualifiedName;
  new: boolean;
  uniqueColumn?: string;
}

/** What one migration changed: keys deleted, then keys set, in this order. */
export interface SchemaDelta {
  del?: string[];
  set?: [string, StoredTable[]][];
  idel?: string[];
  iset?: [string, StoredIndex][];
}

/** A whole model as data (structured-cloneable, for a worker thread). */
export interface StoredModel {
  tables: [string, StoredTable[]][];
  indexes: [string, StoredIndex][];
}

/** What `cur` changed against `prev` (the model it was cloned from; none for the first migration). */
export function schemaDelta(prev: SchemaModel | undefined, cur: SchemaModel): SchemaDelta {
  const p = prev?.records();
  const c = cur.records();
  const delta: SchemaDelta = {};
  const t = diff(p?.tables ?? new Map(), c.tables);
  if (t.del.length) delta.del = t.del;
  if (t.set.length) delta.set = t.set.map((k) => [k, c.tables.get(k)!.map((r) => storeTable(r, c.gen))]);
  const i = diff(p?.indexes ?? new Map(), c.indexes);
  if (i.del.length) delta.idel = i.del;
  if (i.set.length) delta.iset = i.set.map((k) => [k, storeIndex(c.indexes.get(k)!, c.gen)]);
  return delta;
}

/**
 * The keys to delete and then set so that a copy of `prev` becomes `cur`, order included. The linter only
 * sets (an existing key keeps its place, a new one goes last) and deletes, so `cur` is the keys of `prev`
 * it kept, in their order, followed by the keys it added (or deleted and added again).
 */
function diff<V>(
  prev: ReadonlyMap<string, V>,
  cur: ReadonlyMap<string, V>,
): { del: string[]; set: string[] } {
  const prevKeys = [...prev.keys()];
  const kept = new Set<string>();
  const set: string[] = [];
  let at = 0;
  let appending = false;
  for (const [k, v] of cur) {
    if (!appending) {
      let q = at;
      while (q < prevKeys.length && prevKeys[q] !== k) q++;
      if (q < prevKeys.length) {
        kept.add(k);
        at = q + 1;
        if (prev.get(k) !== v) set.push(k);
        continue;
      }
      appending = true;
    }
    set.push(k);
  }
  return { del: prevKeys.filter((k) => !kept.has(k)), set };
}

function storeTable(t: TableRec, gen: number): StoredTable {
  return {
    ...(t.schema !== undefined ? { schema: t.schema } : {}),
    name: t.name,
    complete: t.complete,
    new: t.gen === gen,
    columns: [...t.columns].map(([name, c]) => [
      name,
      c.type,
      c.notNull ? 1 : 0,
      c.gen === gen ? 1 : 0,
      c.unique ? 1 : 0,
      c.primary ? 1 : 0,
    ]),
  };
}

function storeIndex(ix: IndexRec, gen: number): StoredIndex {
  return {
    name: ix.name,
    ...(ix.table ? { table: ix.table } : {}),
    new: ix.gen === gen,
    ...(ix.uniqueColumn !== undefined ? { uniqueColumn: ix.uniqueColumn } : {}),
  };
}

/** Replays a directory's deltas in order; `model()` is the model after the last one applied. */
export class SchemaReplay {
  private tables = new Map<string, { value: StoredTable[]; at: number }>();
  private indexes = new Map<string, { value: StoredIndex; at: number }>();
  private applied = -1;

  /**
   * A replay that goes on from a stored model (the one after the deltas that built it): applying the
   * deltas after it gives what replaying all of them from the start gives (a test holds it on lemmy).
   * Throws on a model this code did not write.
   */
  static from(model: StoredModel): SchemaReplay {
    checkModel(model);
    const r = new SchemaReplay();
    for (const [k, value] of model.tables) r.tables.set(k, { value, at: -1 });
    for (const [k, value] of model.indexes) r.indexes.set(k, { value, at: -1 });
    return r;
  }

  /** Throws on a delta this code did not write (a cache file is read, not trusted). */
  apply(delta: SchemaDelta): void {
    checkDelta(delta);
    const at = ++this.applied;
    for (const k of delta.del ?? []) this.tables.delete(k);
    for (const [k, value] of delta.set ?? []) this.tables.set(k, { value, at });
    for (const k of delta.idel ?? []) this.indexes.delete(k);
    for (const [k, value] of delta.iset ?? []) this.indexes.set(k, { value, at });
  }

  /** The model after the last delta: what earlier deltas marked new is old by now. */
  model(): StoredModel {
    const last = this.applied;
    return {
      tables: [...this.tables].map(([k, e]) => [k, e.at === last ? e.value : e.value.map(oldTable)]),
      indexes: [...this.indexes].map(([k, e]) => [k, e.at === last ? e.value : { ...e.value, new: false }]),
    };
  }
}

function checkDelta(d: SchemaDelta): void {
  const ok =
    typeof d === 'object' &&
    d !== null &&
    strings(d.del) &&
    strings(d.idel) &&
    (d.set === undefined ||
      (Array.isArray(d.set) &&
        d.set.every(
          ([k, list]) => typeof k === 'string' && Array.isArray(list) && list.every(storedTable),
        ))) &&
    (d.iset === undefined ||
      (Array.isArray(d.iset) && d.iset.every(([k, ix]) => typeof k === 'string' && storedIndex(ix))));
  if (!ok) throw new Error('not a schema delta');
}

/** Throws on a model this code did not write. */
export function checkModel(m: StoredModel): void {
  const ok =
    typeof m === 'object' &&
    m !== null &&
    Array.isArray(m.tables) &&
    m.tables.every(
      (e) => Array.isArray(e) && typeof e[0] === 'string' && Array.isArray(e[1]) && e[1].every(storedTable),
    ) &&
    Array.isArray(m.indexes) &&
    m.indexes.every((e) => Array.isArray(e) && typeof e[0] === 'string' && storedIndex(e[1]));
  if (!ok) throw new Error('not a schema model');
}

const strings = (v: unknown): boolean =>
  v === undefined || (Array.isArray(v) && v.every((k) => typeof k === 'string'));
const optString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const flag = (v: unknown): boolean => v === 0 || v === 1;

function storedTable(t: StoredTable): boolean {
  return (
    typeof t === 'object' &&
    t !== null &&
    optString(t.schema) &&
    typeof t.name === 'string' &&
    typeof t.complete === 'boolean' &&
    typeof t.new === 'boolean' &&
    Array.isArray(t.columns) &&
    t.columns.every(
      (c) =>
        Array.isArray(c) &&
        c.length === 6 &&
        typeof c[0] === 'string' &&
        typeof c[1] === 'string' &&
        flag(c[2]) &&
        flag(c[3]) &&
        flag(c[4]) &&
        flag(c[5]),
    )
  );
}

function storedIndex(ix: StoredIndex): boolean {
  return (
    typeof ix === 'object' &&
    ix !== null &&
    typeof ix.name === 'string' &&
    typeof ix.new === 'boolean' &&
    optString(ix.uniqueColumn) &&
    (ix.table === undefined ||
      (typeof ix.table === 'object' &&
        ix.table !== null &&
        typeof ix.table.name === 'string' &&
        optString(ix.table.schema)))
  );
}

function oldTable(t: StoredTable): StoredTable {
  return { ...t, new: false, columns: t.columns.map((c) => [c[0], c[1], c[2], 0, c[4], c[5]]) };
}

/** The model as the linter had it (records marked new where they were new). */
export function restoreModel(m: StoredModel): SchemaModel {
  return SchemaModel.fromRecords((gen, owner) => ({
    tables: new Map(
      m.tables.map(([k, list]) => [
        k,
        list.map((t): TableRec => ({
          ...(t.schema !== undefined ? { schema: t.schema } : {}),
          name: t.name,
          columns: new Map(t.columns.map((c) => [c[0], column(c, gen)])),
          gen: t.new ? gen : 0,
          complete: t.complete,
          owner,
        })),
      ]),
    ),
    indexes: new Map(
      m.indexes.map(([k, ix]): [string, IndexRec] => [
        k,
        {
          name: ix.name,
          ...(ix.table ? { table: ix.table } : {}),
          gen: ix.new ? gen : 0,
          ...(ix.uniqueColumn !== undefined ? { uniqueColumn: ix.uniqueColumn } : {}),
        },
      ]),
    ),
  }));
}

function column(c: StoredColumn, gen: number): ColumnRec {
  return {
    type: c[1],
    notNull: c[2] === 1,
    gen: c[3] === 1 ? gen : 0,
    ...(c[4] === 1 ? { unique: true } : {}),
    ...(c[5] === 1 ? { primary: true } : {}),
  };
}
