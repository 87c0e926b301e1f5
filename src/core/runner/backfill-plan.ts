/**
 * What a `-- pgshift:batch` statement becomes: the statement's own text cut at its WHERE, so each
 * batch is the same statement restricted to the next keyset range of the table's key
 * (`WHERE <own condition> AND key > last AND key <= the n-th next matching key`, never OFFSET). Pure: the
 * key itself is read from the catalog by the runner (backfill.ts). The linter calls backfillShape()
 * too, so a directive on a statement that cannot be batched is reported before it runs.
 */
import type { QualifiedName } from '../lint/ast';
import { batchTarget, type BatchTarget } from '../pg/batch';
import type { SqlToken } from '../sql/parser';
import { quoteIdent } from './settings';

export interface BackfillShape {
  kind: 'update' | 'delete' | 'insert-select';
  /** the table whose key the batches walk (for INSERT … SELECT, the table it reads) */
  table: QualifiedName;
  /** how the statement refers to that table: its alias, or its name */
  alias: string;
  /** the statement's text before its WHERE (all of it when it has none) */
  head: string;
  /** the text of its WHERE condition */
  condition?: string;
  /** what follows the condition (INSERT … SELECT … ON CONFLICT …) */
  tail: string;
}

export type ShapeOutcome = { ok: true; shape: BackfillShape } | { ok: false; reason: string };

/** How the statement can be cut into batches, or why it cannot. */
export function backfillShape(node: unknown, sql: string, scan: (sql: string) => SqlToken[]): ShapeOutcome {
  const t = batchTarget(node);
  if (!t.ok) return t;
  return cut(t.target, sql, scan);
}

function no(reason: string): ShapeOutcome {
  return { ok: false, reason };
}

/** Cuts the text at its top-level WHERE (and, for INSERT … SELECT, before ON CONFLICT). */
function cut(
  { kind, relation: rv, table, hasWhere, onConflict }: BatchTarget,
  sql: string,
  scan: (sql: string) => SqlToken[],
): ShapeOutcome {
  const bytes = Buffer.from(sql, 'utf8');
  const text = (a: number, b: number): string => bytes.toString('utf8', a, b).trim();
  const top = topLevel(scan(sql));
  if (!top.length) return no('the statement is empty');
  const end = top[top.length - 1].end;
  let tailAt = end;
  if (onConflict) {
    const on = top.findIndex((t, i) => t.keyword && t.word === 'ON' && top[i + 1]?.word === 'CONFLICT');
    if (on < 0) return no('its ON CONFLICT clause could not be found in the text');
    tailAt = top[on].start;
  }
  const alias = rv.alias?.aliasname ?? table.name;
  const tail = text(tailAt, end);
  if (!hasWhere) return { ok: true, shape: { kind, table, alias, head: text(0, tailAt), tail } };
  const where = top.find((t) => t.keyword && t.word === 'WHERE');
  if (!where) return no('its WHERE is inside parentheses: write the statement without them');
  const last = [...top].reverse().find((t) => t.end <= tailAt);
  return {
    ok: true,
    shape: {
      kind,
      table,
      alias,
      head: text(0, where.start),
      condition: text(where.end, last && last.end > where.end ? last.end : tailAt),
      tail,
    },
  };
}

/** The tokens outside parentheses and brackets (a subquery's WHERE is not the statement's). */
function topLevel(tokens: readonly SqlToken[]): SqlToken[] {
  let depth = 0;
  const out: SqlToken[] = [];
  for (const t of tokens) {
    if (t.word === '(' || t.word === '[') depth++;
    else if (t.word === ')' || t.word === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0) out.push(t);
    if (depth === 0 && (t.word === ')' || t.word === ']')) out.push(t);
  }
  return out;
}

export interface BackfillKey {
  column: string;
  /** format_type() of the column, e.g. 'bigint', 'uuid' */
  type: string;
}

export function qualifiedTable(q: QualifiedName): string {
  return q.schema ? `${quoteIdent(q.schema)}.${quoteIdent(q.name)}` : quoteIdent(q.name);
}

/**
 * One batch, as one statement (so one transaction and one round trip): the next `limit` keys after
 * the last one (the first batch has no lower bound) that satisfy the statement's condition, the
 * statement run on exactly those rows, and — when `checkpoints` names the table — the checkpoint
 * advanced in the same statement, so the batch and its checkpoint commit together or not at all.
 * Returns one row: rows changed, keys taken, the last key (text) to continue from.
 * Parameters: [limit] or [after, limit], then with a checkpoint [version, direction, total].
 */
export function batchSql(
  shape: BackfillShape,
  key: BackfillKey,
  first: boolean,
  checkpoints?: string,
  /** the archive table the batch's old rows go to first (backups), read in the same snapshot */
  archive?: string,
): string {
  const a = quoteIdent(shape.alias);
  const k = `${a}.${quoteIdent(key.column)}`;
  const cond = shape.condition ? `(${shape.condition})` : undefined;
  const range = first ? [] : [`${k} > $1::${key.type}`];
  const n = first ? 1 : 2;
  const keysWhere = [cond, ...range].filter(Boolean).join(' AND ');
  // The batch's keys are the first `limit` matching keys after the last one, so the matching rows
  // with a key in (last, max of the batch] are exactly they: a range the index scans in order, much
  // cheaper than looking each key up. The same statement sees the same snapshot for both.
  const rowsWhere = [cond, ...range, `${k} <= (SELECT max(pgshift_k) FROM pgshift_keys)`]
    .filter(Boolean)
    .join(' AND ');
  const last = '(SELECT max(pgshift_k)::text FROM pgshift_keys)';
  return [
    'WITH pgshift_keys AS MATERIALIZED (',
    `  SELECT ${k} AS pgshift_k FROM ${qualifiedTable(shape.table)} AS ${a}`,
    keysWhere ? `  WHERE ${keysWhere}` : '',
    `  ORDER BY 1 LIMIT $${n}`,
    '), pgshift_rows AS (',
    shape.head,
    `WHERE ${rowsWhere}`,
    shape.tail,
    'RETURNING 1',
    ')',
    archive
      ? `, pgshift_old AS (INSERT INTO ${archive} SELECT ${a}.* FROM ${qualifiedTable(shape.table)} AS ${a} WHERE ${rowsWhere} RETURNING 1)`
      : '',
    checkpoints
      ? [
          `, pgshift_checkpoint AS (`,
          `  UPDATE ${checkpoints} SET last_key = COALESCE(${last}, last_key),`,
          `    rows_done = rows_done + (SELECT count(*) FROM pgshift_rows), rows_total = $${n + 3}::int8,`,
          `    batches = batches + 1, updated_at = clock_timestamp()`,
          `  WHERE version = $${n + 1}::text AND direction = $${n + 2}::text AND EXISTS (SELECT 1 FROM pgshift_keys)`,
          `  RETURNING 1`,
          ')',
        ].join('\n')
      : '',
    `SELECT (SELECT count(*) FROM pgshift_rows)::int8 AS rows, (SELECT count(*) FROM pgshift_keys)::int8 AS keys,${archive ? ' (SELECT count(*) FROM pgshift_old)::int8 AS archived,' : ''}`,
    `  ${last} AS last`,
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/** The rows the whole statement would touch (after `after`, when resuming). Parameters: [] or [after]. */
export function remainingSql(shape: BackfillShape, key: BackfillKey, after: boolean): string {
  const a = quoteIdent(shape.alias);
  const k = `${a}.${quoteIdent(key.column)}`;
  const where = [shape.condition ? `(${shape.condition})` : '', after ? `${k} > $1::${key.type}` : '']
    .filter(Boolean)
    .join(' AND ');
  return `SELECT count(*)::int8 AS n FROM ${qualifiedTable(shape.table)} AS ${a}${where ? ` WHERE ${where}` : ''}`;
}

/** The unique, NOT NULL, single-column keys of a table, the primary key first. Parameter: [regclass text]. */
export const KEYS_SQL = `
  SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, i.indisprimary AS primary
    FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
   WHERE i.indrelid = $1::regclass AND i.indnkeyatts = 1 AND i.indisunique AND i.indisvalid
     AND i.indpred IS NULL AND i.indexprs IS NULL AND a.attnotnull
   ORDER BY i.indisprimary DESC, a.attnum`;
