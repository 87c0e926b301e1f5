/**
 * Finds, in one migration file, the statements pgshift expand can replace, with what the earlier
 * migrations say about the column (its type, NOT NULL): the schema model the linter replays.
 */
import type * as T from '@pgsql/types';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { alterCmds, as, nodeKind, rangeVarName, typeNameToString } from '../lint/ast';
import { SchemaModel } from '../lint/schema';
import type { MigrationSet } from '../migrations/model';
import { loadParser, type SqlParser } from '../sql/parser';
import type { RiskyChange } from './generate';

export interface Candidate {
  /** 1-based number of the statement in the file (pgshift expand --statement N) */
  statement: number;
  /** byte range of the statement in the file */
  start: number;
  end: number;
  text: string;
  change?: RiskyChange;
  /** why this risky statement cannot be planned (e.g. the column's type is not known) */
  problem?: string;
}

/** The risky statements of `file`, each planned or with the reason it cannot be. */
export async function findCandidates(
  file: string,
  set: MigrationSet | undefined,
  opts: { fill?: string } = {},
): Promise<Candidate[]> {
  const parser = await loadParser();
  const abs = resolve(file);
  const schema = set ? priorSchema(parser, set, abs) : new SchemaModel();
  const own = set?.migrations.find((m) => m.up.file === abs);
  const sql = own ? own.up.sql : readFileSync(abs, 'utf8');
  const offset = own?.up.offset ?? 0;
  const parsed = parser.parse(sql);
  if (!parsed.ok) return [];
  const bytes = Buffer.from(sql, 'utf8');
  const out: Candidate[] = [];
  parsed.statements.forEach((st, i) => {
    const end = st.length === undefined ? bytes.length : st.location + st.length;
    const text = bytes.toString('utf8', st.location, end).trim();
    const found = classify(st.node, schema, text, opts);
    if (found) out.push({ statement: i + 1, start: offset + st.location, end: offset + end, text, ...found });
    schema.apply(st.node, true);
  });
  return out;
}

/** The model after every migration before `file`, in apply order. */
function priorSchema(parser: SqlParser, set: MigrationSet, file: string): SchemaModel {
  const model = new SchemaModel();
  for (const m of set.migrations) {
    if (m.up.file === file || m.repeatable) break;
    const r = parser.parse(m.up.sql);
    if (r.ok) for (const st of r.statements) model.apply(st.node, false);
  }
  return model;
}

type Found = { change?: RiskyChange; problem?: string };

function classify(
  node: T.Node,
  schema: SchemaModel,
  text: string,
  opts: { fill?: string },
): Found | undefined {
  const kind = nodeKind(node);
  if (kind === 'RenameStmt') {
    const r = as(node, 'RenameStmt')!;
    const table = rangeVarName(r.relation);
    if (!table || !r.newname) return undefined;
    if (r.renameType === 'OBJECT_TABLE') return { change: { kind: 'rename-table', table, to: r.newname } };
    if (r.renameType === 'OBJECT_COLUMN' && r.relationType === 'OBJECT_TABLE' && r.subname) {
      const col = schema.column(table, r.subname);
      if (!col)
        return {
          problem: `the earlier migrations do not show the type of ${table.name}.${r.subname}: create the table in a migration before this one`,
        };
      return {
        change: {
          kind: 'rename-column',
          table,
          from: r.subname,
          to: r.newname,
          type: col.type,
          notNull: col.notNull,
        },
      };
    }
    return undefined;
  }
  if (kind !== 'AlterTableStmt') return undefined;
  const a = as(node, 'AlterTableStmt')!;
  const table = rangeVarName(a.relation);
  const cmds = alterCmds(a);
  if (!table || cmds.length === 0) return undefined;
  const risky = cmds.filter((c) =>
    ['AT_AlterColumnType', 'AT_SetNotNull', 'AT_AddColumn'].includes(c.subtype ?? ''),
  );
  if (!risky.length) return undefined;
  if (cmds.length > 1)
    return { problem: 'the ALTER TABLE does several things: split it into one statement per change first' };
  const cmd = cmds[0];
  if (cmd.subtype === 'AT_SetNotNull' && cmd.name) {
    if (schema.column(table, cmd.name)?.isNew) return undefined; // added in this file: nothing to protect
    return { change: { kind: 'set-not-null', table, column: cmd.name } };
  }
  if (cmd.subtype === 'AT_AlterColumnType' && cmd.name) {
    const def = as(cmd.def, 'ColumnDef');
    const col = schema.column(table, cmd.name);
    if (!col)
      return {
        problem: `the earlier migrations do not show the type of ${table.name}.${cmd.name}: create the table in a migration before this one`,
      };
    const using = def?.raw_default ? /\bUSING\s+([\s\S]+?)\s*;?\s*$/i.exec(text)?.[1] : undefined;
    return {
      change: {
        kind: 'change-type',
        table,
        column: cmd.name,
        from: col.type,
        to: typeNameToString(def?.typeName),
        ...(using ? { using } : {}),
        notNull: col.notNull,
      },
    };
  }
  if (cmd.subtype === 'AT_AddColumn') {
    const def = as(cmd.def, 'ColumnDef');
    if (!def?.colname) return undefined;
    const cons = (def.constraints ?? []).map((n) => as(n, 'Constraint')?.contype);
    if (
      !cons.includes('CONSTR_NOTNULL') ||
      cons.includes('CONSTR_DEFAULT') ||
      cons.includes('CONSTR_IDENTITY')
    )
      return undefined;
    if (cons.some((c) => c !== 'CONSTR_NOTNULL'))
      return {
        problem:
          'the new column has constraints besides NOT NULL: add them after the plan by hand, then expand a plain ADD COLUMN … NOT NULL',
      };
    return {
      change: {
        kind: 'add-required-column',
        table,
        column: def.colname,
        type: typeNameToString(def.typeName),
        ...(opts.fill ? { fill: opts.fill } : {}),
      },
    };
  }
  return undefined;
}
