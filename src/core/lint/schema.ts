/**
 * What the linter knows about tables: which exist, their column types, and which were created in the
 * migration being linted ("new": empty and invisible to other sessions until commit, so locking them is
 * harmless). Built by replaying statements: earlier migrations first (priorSchema), then the file itself.
 *
 * A directory of 700 migrations clones the model once per file, so cloning must not copy every table:
 * records are shared and copied on write, and "new" is a generation number rather than a flag that a
 * clone would have to reset on every record.
 */
import type * as T from '@pgsql/types';
import {
  alterCmds,
  as,
  columnConstraints,
  nodeKind,
  rangeVarName,
  stringList,
  typeNameToString,
  type QualifiedName,
} from './ast';

export interface ColumnInfo {
  type: string;
  notNull: boolean;
  /** Added in the migration being linted (with its table, or by ALTER TABLE ... ADD COLUMN). */
  isNew: boolean;
}

export interface TableInfo {
  schema?: string;
  name: string;
  /** Created in the migration being linted. */
  isNew: boolean;
  /**
   * The model saw the table's whole definition (a plain CREATE TABLE: no LIKE, INHERITS, PARTITION OF
   * or OF type), so what it does not know about the table's columns and keys is not there.
   */
  complete: boolean;
}

export interface IndexInfo {
  name: string;
  table?: QualifiedName;
  isNew: boolean;
}

export interface ColumnRec {
  type: string;
  notNull: boolean;
  gen: number;
  /** the column alone is the primary key, or unique (constraint or index without predicate) */
  unique?: boolean;
  primary?: boolean;
}
export interface TableRec {
  schema?: string;
  name: string;
  columns: Map<string, ColumnRec>;
  gen: number;
  complete: boolean;
  /** the model allowed to mutate this record; others copy it first */
  owner: SchemaModel;
}
export interface IndexRec {
  name: string;
  table?: QualifiedName;
  gen: number;
  /** a unique index on this one column, without predicate (for ADD PRIMARY KEY USING INDEX) */
  uniqueColumn?: string;
}

let generations = 0;

export class SchemaModel {
  private tables = new Map<string, TableRec[]>();
  private indexes = new Map<string, IndexRec>();
  /** records carrying this generation were created in the migration being linted */
  private gen = ++generations;

  /** A copy to lint the next migration with; markAllOld = objects created so far are no longer new. */
  clone(markAllOld = false): SchemaModel {
    const copy = new SchemaModel();
    copy.tables = new Map(this.tables);
    copy.indexes = new Map(this.indexes);
    copy.gen = markAllOld ? copy.gen : this.gen;
    return copy;
  }

  /**
   * The records as they stand, for the lint cache to store (schema-state.ts): a record is new when its
   * gen is `gen`. Read only: records a later model shares are never changed in place.
   */
  records(): {
    tables: ReadonlyMap<string, readonly TableRec[]>;
    indexes: ReadonlyMap<string, IndexRec>;
    gen: number;
  } {
    return { tables: this.tables, indexes: this.indexes, gen: this.gen };
  }

  /** A model of stored records: `build` gets the new model's gen (for its new records) and owner. */
  static fromRecords(
    build: (
      gen: number,
      owner: SchemaModel,
    ) => { tables: Map<string, TableRec[]>; indexes: Map<string, IndexRec> },
  ): SchemaModel {
    const model = new SchemaModel();
    const { tables, indexes } = build(model.gen, model);
    model.tables = tables;
    model.indexes = indexes;
    return model;
  }

  /**
   * Finds a table. An unqualified lookup matches any schema (search_path is unknown); a qualified one
   * matches that schema, where a table created unqualified counts as 'public'.
   */
  table(q: QualifiedName): TableInfo | undefined {
    const t = this.find(q);
    return t && { schema: t.schema, name: t.name, isNew: t.gen === this.gen, complete: t.complete };
  }

  /** Columns that identify a row alone: the single-column primary key first, then unique NOT NULL columns. */
  keyColumns(q: QualifiedName): string[] {
    return [...(this.find(q)?.columns ?? [])]
      .filter(([, c]) => c.primary || (c.unique && c.notNull))
      .sort(([, a], [, b]) => Number(!!b.primary) - Number(!!a.primary))
      .map(([name]) => name);
  }

  column(q: QualifiedName, column: string): ColumnInfo | undefined {
    const c = this.find(q)?.columns.get(column);
    return c && { type: c.type, notNull: c.notNull, isNew: c.gen === this.gen };
  }

  index(name: string): IndexInfo | undefined {
    const ix = this.indexes.get(name.toLowerCase());
    return ix && { name: ix.name, table: ix.table, isNew: ix.gen === this.gen };
  }

  /** Objects marked new (for a down migration: what its up migration created). */
  newObjects(): { kind: 'table' | 'index' | 'column'; name: string }[] {
    const out: { kind: 'table' | 'index' | 'column'; name: string }[] = [];
    for (const list of this.tables.values()) {
      for (const t of list) {
        if (t.gen === this.gen) out.push({ kind: 'table', name: t.name });
        for (const [c, info] of t.columns)
          if (info.gen === this.gen) out.push({ kind: 'column', name: `${t.name}.${c}` });
      }
    }
    for (const ix of this.indexes.values())
      if (ix.gen === this.gen) out.push({ kind: 'index', name: ix.name });
    return out;
  }

  /** Updates the model with the effect of one statement. */
  apply(node: T.Node, isNew: boolean): void {
    const gen = isNew ? this.gen : 0;
    const kind = nodeKind(node);
    if (kind === 'CreateStmt') {
      const c = as(node, 'CreateStmt')!;
      const q = rangeVarName(c.relation);
      if (!q) return;
      const columns = new Map<string, ColumnRec>();
      for (const el of c.tableElts ?? []) {
        const col = as(el, 'ColumnDef');
        if (col?.colname) columns.set(col.colname, colRec(col, gen));
      }
      for (const el of c.tableElts ?? []) markKey(columns, as(el, 'Constraint'));
      const complete =
        !c.inhRelations?.length &&
        !c.partbound &&
        !c.ofTypename &&
        !(c.tableElts ?? []).some((el) => !!as(el, 'TableLikeClause'));
      this.add({ ...q, columns, gen, complete, owner: this });
    } else if (kind === 'IndexStmt') {
      const ix = as(node, 'IndexStmt')!;
      const table = rangeVarName(ix.relation);
      const params = ix.indexParams ?? [];
      const only = params.length === 1 ? as(params[0], 'IndexElem')?.name : undefined;
      const uniqueColumn = ix.unique && !ix.whereClause && only ? only : undefined;
      if (ix.idxname)
        this.indexes.set(ix.idxname.toLowerCase(), {
          name: ix.idxname,
          table,
          gen,
          ...(uniqueColumn ? { uniqueColumn } : {}),
        });
      const found = uniqueColumn && table && this.find(table);
      const c = found ? found.columns.get(uniqueColumn) : undefined;
      if (found && c) this.own(found).columns.set(uniqueColumn!, { ...c, unique: true });
    } else if (kind === 'CreateTableAsStmt') {
      const q = rangeVarName(as(node, 'CreateTableAsStmt')!.into?.rel);
      if (q) this.add({ ...q, columns: new Map(), gen, complete: false, owner: this });
    } else if (kind === 'AlterTableStmt') {
      const a = as(node, 'AlterTableStmt')!;
      const q = rangeVarName(a.relation);
      const found = q && this.find(q);
      if (!found) return;
      const t = this.own(found);
      for (const cmd of alterCmds(a)) {
        const col = as(cmd.def, 'ColumnDef');
        const prev = cmd.name ? t.columns.get(cmd.name) : undefined;
        if (cmd.subtype === 'AT_AddColumn' && col?.colname) t.columns.set(col.colname, colRec(col, gen));
        else if (cmd.subtype === 'AT_DropColumn' && cmd.name) t.columns.delete(cmd.name);
        else if (cmd.subtype === 'AT_AlterColumnType' && cmd.name && col) {
          t.columns.set(cmd.name, {
            ...prev,
            type: typeNameToString(col.typeName),
            notNull: prev?.notNull ?? false,
            gen: prev?.gen ?? 0,
          });
        } else if (cmd.subtype === 'AT_SetNotNull' && cmd.name && prev)
          t.columns.set(cmd.name, { ...prev, notNull: true });
        else if (cmd.subtype === 'AT_DropNotNull' && cmd.name && prev)
          t.columns.set(cmd.name, { ...prev, notNull: false });
        else if (cmd.subtype === 'AT_AddConstraint') {
          const con = as(cmd.def, 'Constraint');
          const viaIndex = con?.indexname
            ? this.indexes.get(con.indexname.toLowerCase())?.uniqueColumn
            : undefined;
          markKey(t.columns, con, viaIndex);
        }
      }
    } else if (kind === 'RenameStmt') {
      const r = as(node, 'RenameStmt')!;
      if (!r.newname) return;
      if (r.renameType === 'OBJECT_INDEX') {
        const ix = this.indexes.get(r.relation?.relname?.toLowerCase() ?? '');
        if (ix) {
          this.indexes.delete(ix.name.toLowerCase());
          this.indexes.set(r.newname.toLowerCase(), { ...ix, name: r.newname });
        }
        return;
      }
      const q = rangeVarName(r.relation);
      const found = q && this.find(q);
      if (!found) return;
      if (r.renameType === 'OBJECT_TABLE') {
        this.remove(found);
        this.add({ ...found, name: r.newname, owner: this });
      } else if (r.renameType === 'OBJECT_COLUMN' && r.subname) {
        const t = this.own(found);
        const c = t.columns.get(r.subname);
        t.columns.delete(r.subname);
        if (c) t.columns.set(r.newname, c);
      }
    } else if (kind === 'DropStmt') {
      const d = as(node, 'DropStmt')!;
      if (d.removeType !== 'OBJECT_TABLE' && d.removeType !== 'OBJECT_INDEX') return;
      for (const obj of d.objects ?? []) {
        const names = stringList(as(obj, 'List')?.items);
        const name = names[names.length - 1];
        if (!name) continue;
        if (d.removeType === 'OBJECT_INDEX') {
          this.indexes.delete(name.toLowerCase());
          continue;
        }
        const t = this.find({ schema: names.length > 1 ? names[0] : undefined, name });
        if (t) this.remove(t);
      }
    }
  }

  private find(q: QualifiedName): TableRec | undefined {
    const list = this.tables.get(q.name.toLowerCase());
    if (!list) return undefined;
    return list.find((t) => !q.schema || (t.schema ?? 'public') === q.schema);
  }

  /** The record itself when this model owns it, else a private copy put in its place. */
  private own(t: TableRec): TableRec {
    if (t.owner === this) return t;
    const copy: TableRec = { ...t, columns: new Map(t.columns), owner: this };
    const key = t.name.toLowerCase();
    this.tables.set(
      key,
      (this.tables.get(key) ?? []).map((x) => (x === t ? copy : x)),
    );
    return copy;
  }

  // lists are shared between clones, so they are replaced, never changed in place
  private add(t: TableRec): void {
    const key = t.name.toLowerCase();
    const list = (this.tables.get(key) ?? []).filter((x) => x.schema !== t.schema);
    list.push(t);
    this.tables.set(key, list);
  }

  private remove(t: TableRec): void {
    const key = t.name.toLowerCase();
    const list = (this.tables.get(key) ?? []).filter((x) => x !== t);
    if (list.length) this.tables.set(key, list);
    else this.tables.delete(key);
  }
}

function colRec(col: T.ColumnDef, gen: number): ColumnRec {
  const cons = columnConstraints(col);
  const primary = cons.some((c) => c.contype === 'CONSTR_PRIMARY');
  const notNull = primary || cons.some((c) => c.contype === 'CONSTR_NOTNULL');
  const unique = primary || cons.some((c) => c.contype === 'CONSTR_UNIQUE');
  return {
    type: typeNameToString(col.typeName),
    notNull,
    gen,
    ...(unique ? { unique } : {}),
    ...(primary ? { primary } : {}),
  };
}

/** A table-level PRIMARY KEY / UNIQUE on one column (or USING INDEX of a unique one-column index) marks it a key. */
function markKey(columns: Map<string, ColumnRec>, con: T.Constraint | undefined, viaIndex?: string): void {
  if (!con || (con.contype !== 'CONSTR_PRIMARY' && con.contype !== 'CONSTR_UNIQUE')) return;
  const keys = stringList(con.keys);
  const column = keys.length === 1 ? keys[0] : keys.length === 0 ? viaIndex : undefined;
  const c = column ? columns.get(column) : undefined;
  if (!column || !c) return;
  const primary = con.contype === 'CONSTR_PRIMARY';
  columns.set(column, { ...c, unique: true, ...(primary ? { primary, notNull: true } : {}) });
}
