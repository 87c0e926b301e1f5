/**
 * Pre-flight data checks: the rows on the target that would make a pending migration fail (a new
 * NOT NULL, UNIQUE, CHECK, foreign key, a type change whose values do not convert, a required column
 * on a table that has rows), counted with a few examples, so the migration fails in the report and
 * not in production. Every check is a SELECT in its own READ ONLY transaction with a statement_timeout
 * and a short lock_timeout: nothing is written, nothing waits long.
 */
import type * as T from '@pgsql/types';
import type { Driver } from '../db/driver';
import {
  alterCmds,
  as,
  columnConstraints,
  formatName,
  rangeVarName,
  stringList,
  typeNameToString,
  walk,
  type QualifiedName,
} from '../lint/ast';
import type { RelationInfo } from './catalog';
import { splitQualified } from './format';
import type { PreflightCheck, PreflightKind } from './model';
import { nameSpan, parenGroupAfter, quoteIdent, quoteQualified, splitTopLevel } from './sql-text';
import { QUERY_CANCELED, UNDEFINED_COLUMN, UNDEFINED_FUNCTION, UNDEFINED_TABLE } from '../sqlstate';

export interface PreflightStatement {
  version: string;
  line: number;
  node: T.Node;
  /** the statement's own text (parse-tree locations are byte offsets into it) */
  text: string;
}

export interface PreflightOptions {
  driver: Driver;
  relation: (q: QualifiedName) => Promise<RelationInfo | undefined>;
  serverVersionNum: number;
  /** per check; default 10 s */
  statementTimeoutMs?: number;
  /** rows shown per check; default 3 */
  examples?: number;
}

interface Plan {
  kind: PreflightKind;
  table: QualifiedName;
  constraint: string;
  /** counts the violations: SELECT count(*) ... */
  count: (t: string) => string;
  /** up to $1 examples */
  examples: (t: string, show: string) => string;
  /** columns worth showing besides the key */
  columns: string[];
  /** the statement makes it fail now, or only later (NOT VALID: VALIDATE fails) */
  later?: string;
}

/** Constraints added NOT VALID earlier in the set, by name, so a later VALIDATE can be checked. */
type Pending = Map<
  string,
  | { kind: 'check'; expr: string; columns: string[] }
  | { kind: 'fk'; columns: string[]; ref: QualifiedName; refColumns: string[] }
>;

export async function preflight(
  statements: readonly PreflightStatement[],
  opts: PreflightOptions,
): Promise<PreflightCheck[]> {
  const out: PreflightCheck[] = [];
  const pending: Pending = new Map();
  const created = new Set<string>();
  for (const s of statements) {
    const plans = await plansFor(s, opts, pending, created);
    for (const p of plans) out.push(await runPlan(s, p, opts, created));
  }
  return out;
}

async function plansFor(
  s: PreflightStatement,
  opts: PreflightOptions,
  pending: Pending,
  created: Set<string>,
): Promise<Plan[]> {
  const plans: Plan[] = [];
  const create = as(s.node, 'CreateStmt');
  if (create?.relation) created.add(formatName(rangeVarName(create.relation)));
  const idx = as(s.node, 'IndexStmt');
  if (idx?.unique && idx.relation) {
    const table = rangeVarName(idx.relation)!;
    const keys = indexKeys(s.text, idx);
    if (keys.length) {
      const where = idx.whereClause ? whereText(s.text, idx) : undefined;
      plans.push(
        uniquePlan(
          table,
          keys,
          `UNIQUE INDEX ${idx.idxname ?? ''} (${keys.join(', ')})`.replace('  ', ' '),
          !!idx.nulls_not_distinct,
          where,
        ),
      );
    }
  }
  const alter = as(s.node, 'AlterTableStmt');
  if (!alter?.relation || (alter.objtype ?? 'OBJECT_TABLE') !== 'OBJECT_TABLE') return plans;
  const table = rangeVarName(alter.relation)!;
  for (const cmd of alterCmds(alter)) {
    const col = cmd.name ?? '';
    switch (cmd.subtype) {
      case 'AT_SetNotNull':
        plans.push({
          kind: 'not-null',
          table,
          constraint: `${formatName(table)}.${col} NOT NULL`,
          count: (t) => `SELECT count(*) FROM ${t} WHERE ${quoteIdent(col)} IS NULL`,
          examples: (t, show) => `SELECT ${show} FROM ${t} WHERE ${quoteIdent(col)} IS NULL LIMIT $1`,
          columns: [col],
        });
        break;
      case 'AT_AddColumn': {
        const def = as(cmd.def, 'ColumnDef');
        const cons = def ? columnConstraints(def) : [];
        const filled =
          cons.some(
            (c) =>
              c.contype === 'CONSTR_DEFAULT' ||
              c.contype === 'CONSTR_IDENTITY' ||
              c.contype === 'CONSTR_GENERATED',
          ) || /serial/.test(typeNameToString(def?.typeName));
        if (cons.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY') && !filled) {
          plans.push({
            kind: 'required-column',
            table,
            constraint: `ADD COLUMN ${def?.colname ?? '?'} NOT NULL without a default`,
            count: (t) => `SELECT count(*) FROM (SELECT 1 FROM ${t} LIMIT 1000000) x`,
            examples: (t, show) => `SELECT ${show} FROM ${t} LIMIT $1`,
            columns: [],
          });
        }
        break;
      }
      case 'AT_AddConstraint': {
        const c = as(cmd.def, 'Constraint');
        if (!c) break;
        const plan = await constraintPlan(s, table, c, opts);
        if (plan) plans.push(plan);
        if (c.conname && c.skip_validation) {
          if (c.contype === 'CONSTR_CHECK') {
            const expr = checkExpr(s.text, c);
            if (expr) pending.set(c.conname, { kind: 'check', expr, columns: columnRefs(c.raw_expr) });
          } else if (c.contype === 'CONSTR_FOREIGN' && c.pktable) {
            pending.set(c.conname, {
              kind: 'fk',
              columns: stringList(c.fk_attrs),
              ref: rangeVarName(c.pktable)!,
              refColumns: stringList(c.pk_attrs),
            });
          }
        }
        break;
      }
      case 'AT_ValidateConstraint': {
        const p = pending.get(col);
        if (p?.kind === 'check') plans.push(checkPlan(table, col, p.expr, p.columns));
        else if (p?.kind === 'fk') plans.push(await fkPlan(table, col, p.columns, p.ref, p.refColumns, opts));
        else {
          const rel = await opts.relation(table);
          const con = rel?.constraints.find((x) => x.name === col);
          if (con?.type === 'c') {
            const m = /^CHECK \((.*)\)( NOT VALID)?$/s.exec(con.def);
            if (m) plans.push(checkPlan(table, col, m[1], []));
          } else if (con?.type === 'f' && con.references) {
            const m = /^FOREIGN KEY \((.+?)\) REFERENCES .+?\((.+?)\)/.exec(con.def);
            const unq = (x: string): string[] => x.split(',').map((y) => y.trim().replace(/^"(.*)"$/, '$1'));
            if (m)
              plans.push(await fkPlan(table, col, unq(m[1]), qualifiedOf(con.references), unq(m[2]), opts));
          }
        }
        break;
      }
      case 'AT_AlterColumnType': {
        const def = as(cmd.def, 'ColumnDef');
        if (!def?.typeName || def.raw_default || opts.serverVersionNum < 160000) break;
        const type = typeNameToString(def.typeName);
        plans.push({
          kind: 'type-cast',
          table,
          constraint: `${formatName(table)}.${col} TYPE ${type}`,
          count: (t) =>
            `SELECT count(*) FROM ${t} WHERE ${quoteIdent(col)} IS NOT NULL AND NOT pg_input_is_valid(${quoteIdent(col)}::text, ${literal(type)})`,
          examples: (t, show) =>
            `SELECT ${show} FROM ${t} WHERE ${quoteIdent(col)} IS NOT NULL AND NOT pg_input_is_valid(${quoteIdent(col)}::text, ${literal(type)}) LIMIT $1`,
          columns: [col],
        });
        break;
      }
    }
  }
  return plans;
}

async function constraintPlan(
  s: PreflightStatement,
  table: QualifiedName,
  c: T.Constraint,
  opts: PreflightOptions,
): Promise<Plan | undefined> {
  const later = c.skip_validation
    ? 'added NOT VALID: the ALTER succeeds, a later VALIDATE CONSTRAINT fails on these rows'
    : undefined;
  switch (c.contype) {
    case 'CONSTR_CHECK': {
      const expr = checkExpr(s.text, c);
      return expr
        ? { ...checkPlan(table, c.conname ?? 'CHECK', expr, columnRefs(c.raw_expr)), later }
        : undefined;
    }
    case 'CONSTR_UNIQUE':
    case 'CONSTR_PRIMARY': {
      if (c.indexname) return undefined;
      const keys = stringList(c.keys).map(quoteIdent);
      if (!keys.length) return undefined;
      const what = c.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
      return uniquePlan(
        table,
        keys,
        `${what} (${keys.join(', ')})`,
        !!c.nulls_not_distinct,
        undefined,
        c.contype === 'CONSTR_PRIMARY',
      );
    }
    case 'CONSTR_FOREIGN': {
      if (!c.pktable) return undefined;
      const plan = await fkPlan(
        table,
        c.conname ?? 'FOREIGN KEY',
        stringList(c.fk_attrs),
        rangeVarName(c.pktable)!,
        stringList(c.pk_attrs),
        opts,
      );
      return { ...plan, later };
    }
    default:
      return undefined;
  }
}

function checkPlan(table: QualifiedName, name: string, expr: string, columns: string[]): Plan {
  // a CHECK passes on NULL: only rows where the expression is false violate it
  return {
    kind: 'check',
    table,
    constraint: `${name} CHECK (${expr})`,
    count: (t) => `SELECT count(*) FROM ${t} WHERE NOT (${expr})`,
    examples: (t, show) => `SELECT ${show} FROM ${t} WHERE NOT (${expr}) LIMIT $1`,
    columns,
  };
}

function uniquePlan(
  table: QualifiedName,
  keys: string[],
  constraint: string,
  nullsEqual: boolean,
  where?: string,
  primary = false,
): Plan {
  const list = keys.join(', ');
  const filter = [
    where ? `(${where})` : '',
    nullsEqual ? '' : keys.map((k) => `(${k}) IS NOT NULL`).join(' AND '),
  ]
    .filter(Boolean)
    .join(' AND ');
  const w = filter ? `WHERE ${filter}` : '';
  const nulls = primary
    ? ` + (SELECT count(*) FROM %T WHERE ${keys.map((k) => `(${k}) IS NULL`).join(' OR ')})`
    : '';
  return {
    kind: 'unique',
    table,
    constraint,
    // rows beyond the first of each duplicated key (and, for a primary key, rows with a NULL key)
    count: (t) =>
      `SELECT coalesce(sum(n - 1), 0)${nulls.replace('%T', t)} FROM (SELECT count(*) AS n FROM ${t} ${w} GROUP BY ${list} HAVING count(*) > 1) d`,
    examples: (t) =>
      `SELECT ${keys.map((k, i) => `${k} AS ${quoteIdent(`key${keys.length > 1 ? i + 1 : ''}`)}`).join(', ')}, count(*) AS copies FROM ${t} ${w} GROUP BY ${list} HAVING count(*) > 1 ORDER BY count(*) DESC LIMIT $1`,
    columns: [],
  };
}

async function fkPlan(
  table: QualifiedName,
  name: string,
  columns: string[],
  ref: QualifiedName,
  refColumns: string[],
  opts: PreflightOptions,
): Promise<Plan> {
  let rc = refColumns;
  if (!rc.length) rc = (await opts.relation(ref))?.indexes.find((i) => i.primary)?.columns ?? [];
  const notNull = columns.map((c) => `fk.${quoteIdent(c)} IS NOT NULL`).join(' AND ');
  const match = columns.map((c, i) => `pk.${quoteIdent(rc[i] ?? c)} = fk.${quoteIdent(c)}`).join(' AND ');
  const orphan = `${notNull} AND NOT EXISTS (SELECT 1 FROM ${quoteQualified(ref)} pk WHERE ${match})`;
  return {
    kind: 'foreign-key',
    table,
    constraint: `${name} FOREIGN KEY (${columns.join(', ')}) REFERENCES ${formatName(ref)}${rc.length ? ` (${rc.join(', ')})` : ''}`,
    count: (t) => `SELECT count(*) FROM ${t} fk WHERE ${orphan}`,
    examples: (t, show) => `SELECT ${show} FROM ${t} fk WHERE ${orphan} LIMIT $1`,
    columns,
  };
}

async function runPlan(
  s: PreflightStatement,
  p: Plan,
  opts: PreflightOptions,
  created: Set<string>,
): Promise<PreflightCheck> {
  const base = {
    version: s.version,
    line: s.line,
    kind: p.kind,
    table: formatName(p.table),
    constraint: p.constraint,
    violations: 0,
    examples: [] as Record<string, string | null>[],
  };
  if (created.has(formatName(p.table))) {
    return {
      ...base,
      status: 'skipped',
      message: `${formatName(p.table)} is created earlier in this set: it is empty when this runs`,
    };
  }
  const rel = await opts.relation(p.table).catch(() => undefined);
  if (!rel)
    return { ...base, status: 'skipped', message: `${formatName(p.table)} does not exist on the target yet` };
  const pk = rel.indexes.find((i) => i.primary)?.columns.filter(Boolean) ?? [];
  const shown = [...new Set([...pk, ...p.columns.filter((c) => rel.columns.some((x) => x.name === c))])];
  const show = shown.length
    ? shown.map((c) => (p.kind === 'foreign-key' ? `fk.${quoteIdent(c)}` : quoteIdent(c))).join(', ')
    : p.kind === 'foreign-key'
      ? 'fk.ctid'
      : 'ctid';
  const countSql = p.count(rel.sqlName);
  const d = opts.driver;
  const t0 = performance.now();
  await d.exec('BEGIN READ ONLY');
  try {
    await d.exec(
      `SET LOCAL statement_timeout = '${opts.statementTimeoutMs ?? 10_000}ms'; SET LOCAL lock_timeout = '1s'`,
    );
    const c = await d.query<Record<string, unknown>>(countSql);
    const violations = Number(Object.values(c.rows[0] ?? {})[0] ?? 0);
    let examples: Record<string, string | null>[] = [];
    if (violations > 0) {
      const ex = await d.query<Record<string, unknown>>(p.examples(rel.sqlName, show), [opts.examples ?? 3]);
      examples = ex.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, shorten(v)])));
    }
    const ms = Math.round(performance.now() - t0);
    const message =
      violations === 0
        ? `no row of ${formatName(p.table)} violates it`
        : p.kind === 'required-column'
          ? `${formatName(p.table)} has ${violations >= 1_000_000 ? 'over 1 000 000' : violations} rows: the new column would be NULL in all of them, so the ALTER fails; add a DEFAULT, or add the column nullable, backfill, then SET NOT NULL`
          : `${violations} row${violations === 1 ? '' : 's'} of ${formatName(p.table)} violate${violations === 1 ? 's' : ''} it: ${p.later ?? 'the migration fails on this statement'}`;
    return {
      ...base,
      status: violations ? 'violations' : 'ok',
      violations,
      examples,
      query: countSql,
      message,
      ms,
    };
  } catch (e) {
    const err = e as Error & { code?: string };
    const ms = Math.round(performance.now() - t0);
    if (err.code === UNDEFINED_COLUMN || err.code === UNDEFINED_TABLE || err.code === UNDEFINED_FUNCTION) {
      return {
        ...base,
        status: 'skipped',
        query: countSql,
        message: `depends on something an earlier migration in this set creates (${err.message})`,
        ms,
      };
    }
    const timedOut = err.code === QUERY_CANCELED;
    return {
      ...base,
      status: 'error',
      query: countSql,
      message: timedOut
        ? `gave up after ${opts.statementTimeoutMs ?? 10_000} ms (statement_timeout): the table is too big to check in the report`
        : err.message,
      ms,
    };
  } finally {
    await d.exec('ROLLBACK').catch(() => undefined);
  }
}

/** Key expressions of an index as written: columns quoted, expressions as text. */
function indexKeys(text: string, idx: T.IndexStmt): string[] {
  const loc = idx.relation?.location;
  if (loc === undefined) return [];
  const group = parenGroupAfter(text, nameSpan(Buffer.from(text, 'utf8'), loc).end);
  if (!group) return [];
  const parts = splitTopLevel(group.inner);
  const elems = (idx.indexParams ?? []).map((p) => as(p, 'IndexElem'));
  return parts.map((part, i) => {
    const e = elems[i];
    if (e?.name) return quoteIdent(e.name);
    // strip what follows an expression: COLLATE, operator class, ASC/DESC, NULLS FIRST/LAST
    const expr = parenGroupAfter(part, 0);
    const head =
      /^\s*\(/.test(part) && expr
        ? `(${expr.inner})`
        : part.replace(/\s+(ASC|DESC|NULLS\s+(FIRST|LAST))\b.*$/i, '').replace(/\)\s+[\w.]+$/, ')');
    return head.trim();
  });
}

function whereText(text: string, idx: T.IndexStmt): string | undefined {
  const m = /\bWHERE\b([\s\S]*)$/i.exec(text);
  return idx.whereClause && m ? m[1].trim().replace(/;\s*$/, '') : undefined;
}

function checkExpr(text: string, c: T.Constraint): string | undefined {
  const bytes = Buffer.from(text, 'utf8');
  const from = c.location ?? 0;
  const tail = bytes.subarray(from).toString('utf8');
  const m = /\bCHECK\s*\(/i.exec(tail);
  if (!m) return undefined;
  const at = from + Buffer.byteLength(tail.slice(0, m.index), 'utf8');
  return parenGroupAfter(text, at)?.inner.trim();
}

function columnRefs(expr: unknown): string[] {
  const out = new Set<string>();
  walk(expr, (kind, body) => {
    if (kind === 'ColumnRef') {
      const f = stringList((body as T.ColumnRef).fields);
      if (f.length) out.add(f[f.length - 1]);
    }
  });
  return [...out];
}

function qualifiedOf(q: string): QualifiedName {
  const [schema, name] = splitQualified(q);
  return { schema, name };
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function shorten(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}
