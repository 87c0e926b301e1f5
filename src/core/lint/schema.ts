/**
 * What the linter knows about tables: which exist, their column types, and which were created in the
 * migration being linted ("new": empty and invisible to other sessions until commit, so locking them is
 * harmless). Built by replaying statements: earlier migrations first (priorSchema), then the file itself.
 */
import type * as T from '@pgsql/types';
import { alterCmds, as, columnConstraints, nodeKind, rangeVarName, stringList, typeNameToString, type QualifiedName } from './ast';

export interface ColumnInfo {
  type: string;
  notNull: boolean;
  /** Added in the migration being linted (with its table, or by ALTER TABLE ... ADD COLUMN). */
  isNew: boolean;
}

export interface TableInfo {
  schema?: string;
  name: string;
  columns: Map<string, ColumnInfo>;
  /** Created in the migration being linted. */
  isNew: boolean;
}

export interface IndexInfo {
  name: string;
  table?: QualifiedName;
  isNew: boolean;
}

export class SchemaModel {
  private readonly tables = new Map<string, TableInfo[]>();
  private readonly indexes = new Map<string, IndexInfo>();

  clone(markAllOld = false): SchemaModel {
    const copy = new SchemaModel();
    for (const [k, ix] of this.indexes) copy.indexes.set(k, { ...ix, isNew: markAllOld ? false : ix.isNew });
    for (const [k, list] of this.tables) {
      copy.tables.set(
        k,
        list.map((t) => ({
          ...t,
          columns: new Map([...t.columns].map(([n, c]) => [n, { ...c, isNew: markAllOld ? false : c.isNew }])),
          isNew: markAllOld ? false : t.isNew,
        })),
      );
    }
    return copy;
  }

  /**
   * Finds a table. An unqualified lookup matches any schema (search_path is unknown); a qualified one
   * matches that schema, where a table created unqualified counts as 'public'.
   */
  table(q: QualifiedName): TableInfo | undefined {
    const list = this.tables.get(q.name.toLowerCase());
    if (!list) return undefined;
    return list.find((t) => !q.schema || (t.schema ?? 'public') === q.schema);
  }

  index(name: string): IndexInfo | undefined {
    return this.indexes.get(name.toLowerCase());
  }

  /** Objects marked new (for a down migration: what its up migration created). */
  newObjects(): { kind: 'table' | 'index' | 'column'; name: string }[] {
    const out: { kind: 'table' | 'index' | 'column'; name: string }[] = [];
    for (const list of this.tables.values()) {
      for (const t of list) {
        if (t.isNew) out.push({ kind: 'table', name: t.name });
        for (const [c, info] of t.columns) if (info.isNew) out.push({ kind: 'column', name: `${t.name}.${c}` });
      }
    }
    for (const ix of this.indexes.values()) if (ix.isNew) out.push({ kind: 'index', name: ix.name });
    return out;
  }

  column(q: QualifiedName, column: string): ColumnInfo | undefined {
    return this.table(q)?.columns.get(column);
  }

  /** Updates the model with the effect of one statement. */
  apply(node: T.Node, isNew: boolean): void {
    const kind = nodeKind(node);
    if (kind === 'CreateStmt') {
      const c = as(node, 'CreateStmt')!;
      const q = rangeVarName(c.relation);
      if (!q) return;
      const columns = new Map<string, ColumnInfo>();
      for (const el of c.tableElts ?? []) {
        const col = as(el, 'ColumnDef');
        if (col?.colname) columns.set(col.colname, colInfo(col, isNew));
      }
      this.add({ ...q, columns, isNew });
    } else if (kind === 'IndexStmt') {
      const ix = as(node, 'IndexStmt')!;
      if (ix.idxname) this.indexes.set(ix.idxname.toLowerCase(), { name: ix.idxname, table: rangeVarName(ix.relation), isNew });
    } else if (kind === 'CreateTableAsStmt') {
      const q = rangeVarName(as(node, 'CreateTableAsStmt')!.into?.rel);
      if (q) this.add({ ...q, columns: new Map(), isNew });
    } else if (kind === 'AlterTableStmt') {
      const a = as(node, 'AlterTableStmt')!;
      const q = rangeVarName(a.relation);
      const t = q && this.table(q);
      if (!t) return;
      for (const cmd of alterCmds(a)) {
        const col = as(cmd.def, 'ColumnDef');
        if (cmd.subtype === 'AT_AddColumn' && col?.colname) t.columns.set(col.colname, colInfo(col, isNew));
        else if (cmd.subtype === 'AT_DropColumn' && cmd.name) t.columns.delete(cmd.name);
        else if (cmd.subtype === 'AT_AlterColumnType' && cmd.name && col) {
          const prev = t.columns.get(cmd.name);
          t.columns.set(cmd.name, { type: typeNameToString(col.typeName), notNull: prev?.notNull ?? false, isNew: prev?.isNew ?? false });
        } else if (cmd.subtype === 'AT_SetNotNull' && cmd.name) {
          const prev = t.columns.get(cmd.name);
          if (prev) prev.notNull = true;
        } else if (cmd.subtype === 'AT_DropNotNull' && cmd.name) {
          const prev = t.columns.get(cmd.name);
          if (prev) prev.notNull = false;
        }
      }
    } else if (kind === 'RenameStmt') {
      const r = as(node, 'RenameStmt')!;
      const q = rangeVarName(r.relation);
      const t = q && this.table(q);
      if (!t || !r.newname) return;
      if (r.renameType === 'OBJECT_INDEX') {
        const ix = this.indexes.get(r.relation?.relname?.toLowerCase() ?? '');
        if (ix) {
          this.indexes.delete(ix.name.toLowerCase());
          this.indexes.set(r.newname.toLowerCase(), { ...ix, name: r.newname });
        }
        return;
      }
      if (r.renameType === 'OBJECT_TABLE') {
        this.remove(t);
        this.add({ ...t, name: r.newname });
      } else if (r.renameType === 'OBJECT_COLUMN' && r.subname) {
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
        const t = this.table({ schema: names.length > 1 ? names[0] : undefined, name });
        if (t) this.remove(t);
      }
    }
  }

  private add(t: TableInfo): void {
    const key = t.name.toLowerCase();
    const list = (this.tables.get(key) ?? []).filter((x) => x.schema !== t.schema);
    list.push(t);
    this.tables.set(key, list);
  }

  private remove(t: TableInfo): void {
    const key = t.name.toLowerCase();
    const list = (this.tables.get(key) ?? []).filter((x) => x !== t);
    if (list.length) this.tables.set(key, list);
    else this.tables.delete(key);
  }
}

function colInfo(col: T.ColumnDef, isNew: boolean): ColumnInfo {
  const notNull = columnConstraints(col).some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');
  return { type: typeNameToString(col.typeName), notNull, isNew };
}
