import { as, stringList, typeNameToString, type QualifiedName } from '../ast';
import type { Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { alterOfExistingTable, altersBefore } from './_relations';

export const meta: RuleMeta = {
  id: 'changing-column-type',
  description:
    'ALTER COLUMN ... TYPE rewrites the table and its indexes under an ACCESS EXCLUSIVE lock unless the change is binary-coercible',
  defaultSeverity: 'warning',
  category: 'rewrite',
  fixable: 'none',
  kinds: ['AlterTableStmt'],
};

/** How PostgreSQL carries out a type change: 'safe' = catalog only, no rewrite, no index rebuild. */
type Verdict = 'safe' | 'rewrite' | 'utc-only' | 'reindex' | 'unknown';

export const check: Rule['check'] = (stmt, ctx) => {
  const target = alterOfExistingTable(stmt, ctx);
  if (!target) return;
  const { table, name } = target;
  for (const cmd of target.cmds) {
    const def = as(cmd.def, 'ColumnDef');
    if (cmd.subtype !== 'AT_AlterColumnType' || !cmd.name || !def?.typeName) continue;
    const column = cmd.name;
    const newType = typeNameToString(def.typeName);
    const oldType = ctx.schema.column(table, column)?.type ?? typeFromFile(ctx, stmt, table, column);
    const using = def.raw_default && !isPlainColumn(def.raw_default, column) ? def.raw_default : undefined;
    let verdict: Verdict = oldType ? classify(oldType, newType, ctx.postgresVersion) : 'unknown';
    if (using) verdict = 'rewrite';
    // A new collation keeps the table but rebuilds the indexes on the column (checked on PostgreSQL 15).
    if (def.collClause && verdict === 'safe') verdict = 'reindex';
    if (verdict === 'safe') continue;

    const shown = display(newType);
    const from = oldType ? ` (from ${display(oldType)})` : '';
    let message: string;
    if (verdict === 'rewrite') {
      message = `ALTER TABLE ${name} ALTER COLUMN ${column} TYPE ${shown}${from} rewrites ${name} and all its indexes under an ACCESS EXCLUSIVE lock${using ? ' (the USING expression is computed for every row)' : ''}: reads and writes wait until the rewrite finishes`;
    } else if (verdict === 'reindex') {
      message = `ALTER TABLE ${name} ALTER COLUMN ${column} TYPE ${shown} COLLATE ... rebuilds every index on ${column} under an ACCESS EXCLUSIVE lock (the table itself is not rewritten): reads and writes wait until the indexes are rebuilt`;
    } else if (verdict === 'utc-only') {
      message = `ALTER TABLE ${name} ALTER COLUMN ${column} TYPE ${shown}${from} rewrites ${name} under an ACCESS EXCLUSIVE lock unless the session time zone is UTC, and rebuilds the indexes on ${column} either way: reads and writes wait until it finishes`;
    } else {
      message = `ALTER TABLE ${name} ALTER COLUMN ${column} TYPE ${shown} rewrites ${name} and all its indexes under an ACCESS EXCLUSIVE lock unless the change from the current type is binary-coercible (pgshift does not know the current type of ${column}): reads and writes wait until the rewrite finishes`;
    }
    ctx.report({
      range: ctx.rangeAt(stmt, def.typeName.location),
      message,
      help: help(name, column, shown, oldType, verdict, !!using, ctx.postgresVersion),
    });
  }
};

function help(
  name: string,
  column: string,
  shown: string,
  oldType: string | undefined,
  verdict: Verdict,
  using: boolean,
  v: number,
): string {
  const lines = [
    verdict === 'reindex'
      ? `**Lock:** ACCESS EXCLUSIVE on \`${name}\` while PostgreSQL rebuilds every index on \`${column}\` — every query on the table, reads included, waits until they are rebuilt.`
      : `**Lock:** ACCESS EXCLUSIVE on \`${name}\` while PostgreSQL rewrites every row and rebuilds every index of the table — every query on it, reads included, waits for the whole rewrite, which also needs disk space for a full copy.`,
    '',
  ];
  if (verdict === 'unknown') {
    lines.push(
      `**When it is free:** a binary-coercible change only updates the catalog (a brief ACCESS EXCLUSIVE lock, no rewrite). Such changes are: \`varchar(n)\` → \`varchar(m)\` with m ≥ n, \`varchar(n)\` → \`varchar\` or \`text\`, \`text\` → \`varchar\` (no length), \`numeric(p,s)\` → \`numeric(q,s)\` with q ≥ p or → \`numeric\`, \`varbit(n)\` → \`varbit(m)\` with m ≥ n, \`bit(n)\` → \`varbit\`, \`cidr\` → \`inet\`, \`xml\` → \`text\`, a higher or removed precision of \`timestamp\`, \`timestamptz\`, \`time\`, \`timetz\`, and \`interval(...)\` → \`interval\`. Anything else — \`int\` → \`bigint\`, \`char(n)\` → \`text\`, a shorter length, a USING expression — rewrites. Lint the whole migrations directory so pgshift knows the current type.`,
      '',
    );
  } else if (verdict === 'reindex') {
    lines.push(
      `**Why:** the values stay as they are, but an index sorts by collation, so each index on \`${column}\` is rebuilt while the lock is held. Without an index on \`${column}\` the change is instant.`,
      '',
    );
  } else if (verdict === 'utc-only') {
    lines.push(
      v >= 12
        ? `**Time zones:** from PostgreSQL 12, \`timestamp\` ↔ \`timestamptz\` skips the table rewrite when the session's TimeZone is UTC (\`SET LOCAL TimeZone = 'UTC'\` before the ALTER), because the stored values are then the same; the indexes on \`${column}\` are still rebuilt under the lock.`
        : `**Time zones:** before PostgreSQL 12, \`timestamp\` ↔ \`timestamptz\` always rewrites the table.`,
      '',
    );
  } else if (!using && oldType) {
    lines.push(
      `**Why:** \`${display(oldType)}\` → \`${shown}\` is not binary-coercible, so every value is converted and written again.`,
      '',
    );
  }
  lines.push(
    '**Safe way:** build the new column beside the old one and switch over:',
    '```sql',
    `ALTER TABLE ${name} ADD COLUMN ${column}_new ${shown};`,
    `-- a trigger keeps ${column}_new = ${column} on INSERT and UPDATE; then backfill in batches:`,
    `UPDATE ${name} SET ${column}_new = ${column} WHERE ${column}_new IS NULL AND <key range>;`,
    `-- build indexes and constraints on ${column}_new (CONCURRENTLY / NOT VALID), then in one short transaction:`,
    `ALTER TABLE ${name} RENAME COLUMN ${column} TO ${column}_old;`,
    `ALTER TABLE ${name} RENAME COLUMN ${column}_new TO ${column};`,
    `-- drop the trigger; later, once nothing reads it: ALTER TABLE ${name} DROP COLUMN ${column}_old;`,
    '```',
    'The type change may also break application code that reads the column; the switch-over is the moment to deploy it.',
  );
  return lines.join('\n');
}

interface ParsedType {
  base: string;
  mods: number[];
  array: string;
}

function parseType(t: string): ParsedType {
  const m = /^(.*?)(?:\(([\d,]+)\))?((?:\[\])*)$/.exec(t)!;
  return { base: m[1], mods: m[2] ? m[2].split(',').map(Number) : [], array: m[3] };
}

const TEMPORAL_MAX_PRECISION = 6;

/** The binary-coercible changes PostgreSQL performs without a rewrite (checked against PostgreSQL 15 and 18). */
export function classify(oldType: string, newType: string, v: number): Verdict {
  if (oldType === newType) return 'safe';
  const o = parseType(oldType);
  const n = parseType(newType);
  if (o.array || n.array) return 'rewrite';
  const widerOrNone = (maxLen?: number) =>
    n.mods.length === 0 ||
    (o.mods.length > 0 && n.mods[0] >= o.mods[0]) ||
    (maxLen !== undefined && n.mods[0] === maxLen);
  if ((o.base === 'varchar' || o.base === 'text') && n.base === 'text') return 'safe';
  if (o.base === 'varchar' && n.base === 'varchar') return widerOrNone() ? 'safe' : 'rewrite';
  if (o.base === 'text' && n.base === 'varchar') return n.mods.length === 0 ? 'safe' : 'rewrite';
  if (o.base === 'numeric' && n.base === 'numeric') {
    if (n.mods.length === 0) return 'safe';
    if (o.mods.length === 0) return 'rewrite';
    return (n.mods[1] ?? 0) === (o.mods[1] ?? 0) && n.mods[0] >= o.mods[0] ? 'safe' : 'rewrite';
  }
  if (o.base === 'varbit' && n.base === 'varbit') return widerOrNone() ? 'safe' : 'rewrite';
  // bit(n) → varbit is free, but bit(n) → varbit(m) rewrites even when m ≥ n
  if (o.base === 'bit' && n.base === 'varbit') return n.mods.length === 0 ? 'safe' : 'rewrite';
  if (o.base === 'cidr' && n.base === 'inet') return 'safe';
  if (o.base === 'xml' && n.base === 'text') return 'safe';
  if (['timestamp', 'timestamptz', 'time', 'timetz'].includes(o.base) && n.base === o.base) {
    return widerOrNone(TEMPORAL_MAX_PRECISION) ? 'safe' : 'rewrite';
  }
  if (o.base === 'interval' && n.base === 'interval') return n.mods.length === 0 ? 'safe' : 'rewrite';
  if (
    (o.base === 'timestamp' && n.base === 'timestamptz') ||
    (o.base === 'timestamptz' && n.base === 'timestamp')
  ) {
    const sameOrWider =
      n.mods.length === 0 ||
      (o.mods.length > 0 && n.mods[0] >= o.mods[0]) ||
      n.mods[0] === TEMPORAL_MAX_PRECISION;
    return v >= 12 && sameOrWider ? 'utc-only' : 'rewrite';
  }
  return 'rewrite';
}

/** USING col, or USING col::newtype: PostgreSQL treats it like no USING at all. */
function isPlainColumn(expr: unknown, column: string): boolean {
  const cast = as(expr, 'TypeCast');
  const target = cast ? cast.arg : expr;
  const ref = as(target, 'ColumnRef');
  return !!ref && stringList(ref.fields).pop() === column;
}

/** The column's type as set by an earlier statement of this file, when the schema model does not know the table. */
function typeFromFile(
  ctx: RuleContext,
  current: Stmt,
  table: QualifiedName,
  column: string,
): string | undefined {
  let type: string | undefined;
  for (const { cmds } of altersBefore(ctx, current, table)) {
    for (const cmd of cmds) {
      const def = as(cmd.def, 'ColumnDef');
      if (cmd.subtype === 'AT_AddColumn' && def?.colname === column) type = typeNameToString(def.typeName);
      else if (cmd.subtype === 'AT_AlterColumnType' && cmd.name === column && def?.typeName)
        type = typeNameToString(def.typeName);
      else if (cmd.subtype === 'AT_DropColumn' && cmd.name === column) type = undefined;
    }
  }
  return type;
}

const DISPLAY: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
};

function display(t: string): string {
  const p = parseType(t);
  return (DISPLAY[p.base] ?? t.slice(0, t.length - p.array.length)) + p.array;
}
