/**
 * The expand/contract plan of one risky statement, as ordinary migrations the team reviews: pure text
 * in, text out (detect.ts finds the statement and what the earlier migrations say about its column).
 * Each migration starts with `-- pgshift:phase <phase> group=<name>` and says which application deploy
 * must happen before or after it.
 */
import type { Phase } from '../sql/directives';

export interface Table {
  schema?: string;
  name: string;
}

export type RiskyChange =
  | { kind: 'rename-column'; table: Table; from: string; to: string; type: string; notNull: boolean }
  | {
      kind: 'change-type';
      table: Table;
      column: string;
      from: string;
      to: string;
      /** the USING expression, written over the column's name */
      using?: string;
      notNull: boolean;
    }
  | { kind: 'set-not-null'; table: Table; column: string }
  | { kind: 'add-required-column'; table: Table; column: string; type: string; fill?: string }
  | { kind: 'rename-table'; table: Table; to: string };

export interface PlannedMigration {
  phase: Phase;
  /** the migration's name (the slug of its files) */
  name: string;
  up: string;
  down: string;
}

export interface ExpandPlan {
  group: string;
  migrations: PlannedMigration[];
  /** what the plan does not carry over and the reviewer must add (indexes, defaults, ...) */
  notes: string[];
}

export function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
const RESERVED = new Set([
  'user',
  'order',
  'group',
  'table',
  'select',
  'from',
  'where',
  'check',
  'default',
  'column',
]);

function tableName(t: Table): string {
  return t.schema ? `${ident(t.schema)}.${ident(t.name)}` : ident(t.name);
}

/** An identifier of at most 63 bytes (PostgreSQL truncates longer ones silently, which could collide). */
function shortName(...parts: string[]): string {
  const s = parts
    .join('_')
    .replace(/[^a-z0-9_]+/gi, '_')
    .toLowerCase();
  return s.length <= 63 ? s : s.slice(0, 54) + '_' + hash(s);
}
function hash(s: string): string {
  let h = 5381;
  for (const ch of s) h = ((h * 33) ^ ch.charCodeAt(0)) >>> 0;
  return h.toString(36).slice(0, 8);
}

export function groupName(c: RiskyChange): string {
  switch (c.kind) {
    case 'rename-column':
      return shortName('rename', c.table.name, c.from);
    case 'change-type':
      return shortName('retype', c.table.name, c.column);
    case 'set-not-null':
      return shortName('not_null', c.table.name, c.column);
    case 'add-required-column':
      return shortName('add', c.table.name, c.column);
    case 'rename-table':
      return shortName('rename', c.table.name);
  }
}

export function plan(c: RiskyChange): ExpandPlan {
  const group = groupName(c);
  switch (c.kind) {
    case 'rename-column':
      return renameColumn(c, group);
    case 'change-type':
      return changeType(c, group);
    case 'set-not-null':
      return { group, migrations: notNullSteps(c.table, c.column, group, 'validate'), notes: [] };
    case 'add-required-column':
      return addRequired(c, group);
    case 'rename-table':
      return renameTable(c, group);
  }
}

function header(phase: Phase, group: string, lines: string[]): string {
  return [`-- pgshift:phase ${phase} group=${group}`, ...lines.map((l) => `-- ${l}`), ''].join('\n');
}

/**
 * A BEFORE trigger keeping two columns in step both ways: whichever one a statement wrote wins, so an
 * application writing the old column and one writing the new column both see their value in the other.
 */
function syncTrigger(
  table: Table,
  fn: string,
  a: string,
  b: string,
  aToB: (x: string) => string,
  bToA: (x: string) => string,
): { create: string; drop: string } {
  const [A, B] = [ident(a), ident(b)];
  const create = `CREATE FUNCTION ${ident(fn)}() RETURNS trigger LANGUAGE plpgsql AS $pgshift$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.${B} IS NULL AND NEW.${A} IS NOT NULL THEN
      NEW.${B} := ${aToB(`NEW.${A}`)};
    ELSIF NEW.${A} IS NULL AND NEW.${B} IS NOT NULL THEN
      NEW.${A} := ${bToA(`NEW.${B}`)};
    END IF;
  ELSIF NEW.${A} IS DISTINCT FROM OLD.${A} THEN
    NEW.${B} := ${aToB(`NEW.${A}`)};
  ELSIF NEW.${B} IS DISTINCT FROM OLD.${B} THEN
    NEW.${A} := ${bToA(`NEW.${B}`)};
  END IF;
  RETURN NEW;
END
$pgshift$;
CREATE TRIGGER ${ident(fn)} BEFORE INSERT OR UPDATE ON ${tableName(table)}
  FOR EACH ROW EXECUTE FUNCTION ${ident(fn)}();
`;
  const drop = `DROP TRIGGER IF EXISTS ${ident(fn)} ON ${tableName(table)};\nDROP FUNCTION IF EXISTS ${ident(fn)}();\n`;
  return { create, drop };
}

/**
 * SET NOT NULL without the long ACCESS EXCLUSIVE scan: a CHECK … NOT VALID (brief lock, no scan), its
 * VALIDATE in its own migration (SHARE UPDATE EXCLUSIVE: reads and writes go on), then SET NOT NULL,
 * which PostgreSQL 12+ proves from the valid check without scanning, and the check dropped.
 */
function notNullSteps(table: Table, column: string, group: string, phase: Phase): PlannedMigration[] {
  const t = tableName(table);
  const check = ident(shortName(table.name, column, 'not_null_check'));
  const col = ident(column);
  return [
    {
      phase,
      name: `${group}_check`,
      up:
        header(phase, group, [
          `Rows written from now on must have ${column}: every application instance must write it before this runs.`,
          'NOT VALID: existing rows are not scanned here, so the lock is brief.',
        ]) + `ALTER TABLE ${t} ADD CONSTRAINT ${check} CHECK (${col} IS NOT NULL) NOT VALID;\n`,
      down: `ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${check};\n`,
    },
    {
      phase,
      name: `${group}_validate`,
      up:
        header(phase, group, [
          'Scans the table holding SHARE UPDATE EXCLUSIVE only: reads and writes go on meanwhile.',
          `Fails if a row still has ${column} NULL: backfill those first.`,
        ]) + `ALTER TABLE ${t} VALIDATE CONSTRAINT ${check};\n`,
      down: '-- nothing to undo: VALIDATE only proved the rows\nSELECT 1;\n',
    },
    {
      phase,
      name: `${group}_set_not_null`,
      up:
        header(phase, group, [
          'PostgreSQL 12+ proves NOT NULL from the valid check: no scan under the lock.',
        ]) +
        `ALTER TABLE ${t} ALTER COLUMN ${col} SET NOT NULL;\nALTER TABLE ${t} DROP CONSTRAINT ${check};\n`,
      down:
        // the check back as the check migration left it (its down drops it); NOT VALID: no scan under the lock
        `ALTER TABLE ${t} ADD CONSTRAINT ${check} CHECK (${col} IS NOT NULL) NOT VALID;\n` +
        `ALTER TABLE ${t} ALTER COLUMN ${col} DROP NOT NULL;\n`,
    },
  ];
}

/**
 * PostgreSQL 18+ names NOT NULL constraints (`<table>_<column>_not_null`) and keeps the name through a
 * column rename: the new column's takes the name the old column's had, as the one-step change leaves it.
 * Older servers have no such constraints and skip it.
 */
function keepNotNullName(table: Table, oldColumn: string, newColumn: string): string {
  const lit = (x: string) => `'${x.replace(/'/g, "''")}'`;
  const rel = lit(tableName(table));
  const find = (col: string, into: string) =>
    `  SELECT c.conname INTO ${into} FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
   WHERE c.conrelid = ${rel}::regclass AND c.contype = 'n' AND a.attname = ${lit(col)};`;
  return `-- PostgreSQL 18+: the NOT NULL constraint keeps the name ${oldColumn}'s had (older servers: nothing to do)
DO $pgshift$
DECLARE old_name text; new_name text;
BEGIN
${find(oldColumn, 'old_name')}
${find(newColumn, 'new_name')}
  IF old_name IS NOT NULL AND new_name IS NOT NULL THEN
    EXECUTE format('ALTER TABLE %s RENAME CONSTRAINT %I TO %I', ${rel}, old_name, left('pgshift_old_' || old_name, 63));
    EXECUTE format('ALTER TABLE %s RENAME CONSTRAINT %I TO %I', ${rel}, new_name, old_name);
  END IF;
END
$pgshift$;
`;
}

function renameColumn(c: Extract<RiskyChange, { kind: 'rename-column' }>, group: string): ExpandPlan {
  const t = tableName(c.table);
  const [A, B] = [ident(c.from), ident(c.to)];
  const fn = shortName(group, 'sync');
  const sync = syncTrigger(
    c.table,
    fn,
    c.from,
    c.to,
    (x) => x,
    (x) => x,
  );
  const migrations: PlannedMigration[] = [
    {
      phase: 'expand',
      name: `${group}_expand`,
      up:
        header('expand', group, [
          `Adds ${c.to} beside ${c.from} and a trigger keeping them in step both ways.`,
          `The running application keeps using ${c.from}; nothing to deploy before this.`,
        ]) +
        `ALTER TABLE ${t} ADD COLUMN ${B} ${c.type};\n` +
        sync.create,
      down: sync.drop + `ALTER TABLE ${t} DROP COLUMN IF EXISTS ${B};\n`,
    },
    {
      phase: 'backfill',
      name: `${group}_backfill`,
      up:
        header('backfill', group, [
          `Copies ${c.from} into ${c.to} for the existing rows, in batches that each commit.`,
        ]) + `-- pgshift:batch\nUPDATE ${t} SET ${B} = ${A} WHERE ${B} IS DISTINCT FROM ${A};\n`,
      down: `-- nothing to undo: the expand's down drops ${c.to}\nSELECT 1;\n`,
    },
  ];
  if (c.notNull) migrations.push(...notNullSteps(c.table, c.to, group, 'validate'));
  migrations.push({
    phase: 'contract',
    name: `${group}_contract`,
    up:
      header('contract', group, [
        `DEPLOY FIRST: every application instance must read and write ${c.to}, none ${c.from}.`,
        `Then this drops the trigger and ${c.from}.`,
      ]) +
      (c.notNull ? keepNotNullName(c.table, c.from, c.to) : '') +
      sync.drop +
      `-- pgshift-ignore ban-drop-column: contract phase of ${group}, the application no longer uses ${c.from}\n` +
      `ALTER TABLE ${t} DROP COLUMN ${A};\n`,
    down:
      `ALTER TABLE ${t} ADD COLUMN ${A} ${c.type};\n` +
      `UPDATE ${t} SET ${A} = ${B};\n` +
      (c.notNull
        ? `ALTER TABLE ${t} ALTER COLUMN ${A} SET NOT NULL;\n` + keepNotNullName(c.table, c.to, c.from)
        : '') +
      sync.create,
  });
  return {
    group,
    migrations,
    notes: [
      `indexes, constraints, defaults and foreign keys on ${c.from} are not copied to ${c.to}: add them to the expand migration (CREATE INDEX CONCURRENTLY in its own migration)`,
      `${c.to} becomes the table's last column`,
    ],
  };
}

/** The USING expression with the column replaced by `x` (NEW.col in the trigger). */
function convert(c: Extract<RiskyChange, { kind: 'change-type' }>, x: string): string {
  if (!c.using) return `(${x})::${c.to}`;
  const col = c.column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `(${c.using.replace(new RegExp(`(?<![\\w."])"?${col}"?(?![\\w"])`, 'g'), x)})`;
}

function changeType(c: Extract<RiskyChange, { kind: 'change-type' }>, group: string): ExpandPlan {
  const t = tableName(c.table);
  const tmp = shortName(c.column, 'new');
  const [A, N] = [ident(c.column), ident(tmp)];
  const fn = shortName(group, 'sync');
  const sync = syncTrigger(
    c.table,
    fn,
    c.column,
    tmp,
    (x) => convert(c, x),
    (x) => `(${x})::${c.from}`,
  );
  const migrations: PlannedMigration[] = [
    {
      phase: 'expand',
      name: `${group}_expand`,
      up:
        header('expand', group, [
          `Adds ${tmp} ${c.to} beside ${c.column} ${c.from} and a trigger converting between them both ways.`,
          `The running application keeps using ${c.column}; nothing to deploy before this.`,
        ]) +
        `ALTER TABLE ${t} ADD COLUMN ${N} ${c.to};\n` +
        sync.create,
      down: sync.drop + `ALTER TABLE ${t} DROP COLUMN IF EXISTS ${N};\n`,
    },
    {
      phase: 'backfill',
      name: `${group}_backfill`,
      up:
        header('backfill', group, [
          `Converts ${c.column} into ${tmp} for the existing rows, in batches that each commit.`,
        ]) +
        `-- pgshift:batch\nUPDATE ${t} SET ${N} = ${convert(c, A)} WHERE ${N} IS NULL AND ${A} IS NOT NULL;\n`,
      down: `-- nothing to undo: the expand's down drops ${tmp}\nSELECT 1;\n`,
    },
  ];
  if (c.notNull) migrations.push(...notNullSteps(c.table, tmp, group, 'validate'));
  migrations.push({
    phase: 'contract',
    name: `${group}_contract`,
    up:
      header('contract', group, [
        `DEPLOY FIRST: every application instance must accept ${c.column} as ${c.to} (reads and writes).`,
        `The swap: drops the trigger and the old ${c.column}, and renames ${tmp} to ${c.column}, in one short transaction.`,
      ]) +
      (c.notNull ? keepNotNullName(c.table, c.column, tmp) : '') +
      sync.drop +
      `-- pgshift-ignore ban-drop-column: contract phase of ${group}, ${tmp} replaces it\n` +
      `ALTER TABLE ${t} DROP COLUMN ${A};\n` +
      `-- pgshift-ignore renaming-column: contract phase of ${group}, the column keeps the name the application uses\n` +
      `ALTER TABLE ${t} RENAME COLUMN ${N} TO ${A};\n`,
    down:
      `ALTER TABLE ${t} RENAME COLUMN ${A} TO ${N};\n` +
      `ALTER TABLE ${t} ADD COLUMN ${A} ${c.from};\n` +
      `UPDATE ${t} SET ${A} = (${N})::${c.from};\n` +
      (c.notNull
        ? `ALTER TABLE ${t} ALTER COLUMN ${A} SET NOT NULL;\n` + keepNotNullName(c.table, tmp, c.column)
        : '') +
      sync.create,
  });
  return {
    group,
    migrations,
    notes: [
      `indexes, constraints, defaults and foreign keys on ${c.column} are not carried over to the new column: add them to the expand migration`,
      `${c.column} becomes the table's last column`,
    ],
  };
}

function addRequired(c: Extract<RiskyChange, { kind: 'add-required-column' }>, group: string): ExpandPlan {
  const t = tableName(c.table);
  const C = ident(c.column);
  const fill = c.fill ?? 'NULL /* TODO: the value of the existing rows */';
  return {
    group,
    migrations: [
      {
        phase: 'expand',
        name: `${group}_expand`,
        up:
          header('expand', group, [
            `Adds ${c.column} as nullable: no rewrite, a brief lock.`,
            `DEPLOY AFTER THIS: every application instance must write ${c.column} before the validate migrations run.`,
          ]) + `ALTER TABLE ${t} ADD COLUMN ${C} ${c.type};\n`,
        down: `ALTER TABLE ${t} DROP COLUMN IF EXISTS ${C};\n`,
      },
      {
        phase: 'backfill',
        name: `${group}_backfill`,
        up:
          header('backfill', group, [
            `Fills ${c.column} of the existing rows, in batches that each commit.`,
          ]) + `-- pgshift:batch\nUPDATE ${t} SET ${C} = ${fill} WHERE ${C} IS NULL;\n`,
        down: "-- nothing to undo: the expand's down drops the column\nSELECT 1;\n",
      },
      ...notNullSteps(c.table, c.column, group, 'validate'),
    ],
    notes: c.fill
      ? []
      : [
          `the backfill sets ${c.column} to NULL: write the value of the existing rows there (or pass --fill <SQL>)`,
        ],
  };
}

function renameTable(c: Extract<RiskyChange, { kind: 'rename-table' }>, group: string): ExpandPlan {
  const old = tableName(c.table);
  const renamed = tableName({ schema: c.table.schema, name: c.to });
  return {
    group,
    migrations: [
      {
        phase: 'expand',
        name: `${group}_expand`,
        up:
          header('expand', group, [
            `Renames the table and leaves an updatable view under the old name, in one transaction:`,
            `the running application keeps reading and writing ${c.table.name} through the view.`,
          ]) +
          `ALTER TABLE ${old} RENAME TO ${ident(c.to)};\n` +
          `CREATE VIEW ${old} AS SELECT * FROM ${renamed};\n`,
        down: `DROP VIEW IF EXISTS ${old};\nALTER TABLE ${renamed} RENAME TO ${ident(c.table.name)};\n`,
      },
      {
        phase: 'contract',
        name: `${group}_contract`,
        up:
          header('contract', group, [
            `DEPLOY FIRST: every application instance must use ${c.to}, none ${c.table.name}.`,
            'Then this drops the view under the old name.',
          ]) + `DROP VIEW ${old};\n`,
        down: `CREATE VIEW ${old} AS SELECT * FROM ${renamed};\n`,
      },
    ],
    notes: [
      `the view lists the columns ${c.to} has now: a column added before the contract is not visible under ${c.table.name}`,
    ],
  };
}
