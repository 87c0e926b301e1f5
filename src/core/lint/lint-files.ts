/**
 * Lints a set of files as migrations: files of one directory are linted in migration order, each with
 * the schema left by the files before it, so a table created in an earlier migration is known (its column
 * types, for the safe-cast table) and not mistaken for new. A down migration is linted against the schema
 * its own up migration produced, with the up's objects still new: undoing them is not a risk to flag.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { PgshiftConfig } from '../config';
import { loadParser, type SqlParser } from '../sql/parser';
import { lintWith, type LintResult } from './engine';
import type { SchemaModel } from './schema';
import { restoreModel, schemaDelta, type SchemaDelta, type StoredModel } from './schema-state';
import type { LintOptions } from './types';

export interface FileLintResult extends LintResult {
  file: string;
}

/** Down migrations undo; they don't describe the schema later migrations see. */
export function isDownMigration(file: string): boolean {
  const b = basename(file);
  return /(^|[._])down\.sql$/i.test(b) || /^U\d[^_]*__/.test(b);
}

/** The up migration a down migration undoes, by the naming conventions of each layout. */
export function upTwin(downFile: string): string | undefined {
  const b = basename(downFile);
  const d = dirname(downFile);
  if (/^down\.sql$/i.test(b)) return join(d, b.replace(/down/i, 'up'));
  if (/\.down\.sql$/i.test(b)) return join(d, b.replace(/\.down\.sql$/i, '.up.sql'));
  const m = /^U(\d[^_]*)__/.exec(b);
  if (m) {
    try {
      const v = readdirSync(d).find((f) => f.startsWith(`V${m[1]}__`));
      return v ? join(d, v) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function lintOptionsFromConfig(
  config: PgshiftConfig,
  overrides: Partial<LintOptions> = {},
): LintOptions {
  return {
    postgresVersion: config.postgresVersion,
    transactionMode: config.runner.transactionMode,
    // the policy that cancels a migration others queue behind protects as lock_timeout does
    runnerSetsLockTimeout: config.runner.lockTimeout !== null || config.runner.maxBlockingMs !== null,
    runnerSetsStatementTimeout: config.runner.statementTimeout !== null,
    rules: config.rules,
    ...overrides,
  };
}

/**
 * Transaction settings that live beside the SQL rather than in it: diesel's metadata.toml
 * (`run_in_transaction = false`) and Flyway's `<file>.sql.conf` (`executeInTransaction=false`).
 */
export function runsOutsideTransaction(file: string): boolean {
  const b = basename(file);
  const conf = /^(up|down)\.sql$/i.test(b) ? join(dirname(file), 'metadata.toml') : `${file}.conf`;
  if (!existsSync(conf)) return false;
  try {
    return /^\s*(run_in_transaction\s*=\s*false|executeInTransaction\s*=\s*false)\s*$/m.test(
      readFileSync(conf, 'utf8'),
    );
  } catch {
    return false;
  }
}

/** Reads a file as UTF-8; invalid bytes become U+FFFD (the linter must read anything). */
export function readSql(file: string): string {
  return readFileSync(file).toString('utf8');
}

export async function lintFiles(
  files: string[],
  options: LintOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<FileLintResult[]> {
  const parser = await loadParser();
  const results = new Map<string, FileLintResult>();
  let done = 0;
  lintGroups(parser, groupFiles(files), options, (res) => {
    results.set(res.file, res);
    onProgress?.(++done, files.length);
  });
  return files.map((f) => results.get(f)!);
}

/** Files by migration directory (a diesel folder's up.sql/down.sql join their parent's group), in input order. */
export function groupFiles(files: string[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const f of files) {
    const g = migrationGroup(f);
    const list = groups.get(g);
    if (list) list.push(f);
    else groups.set(g, [f]);
  }
  return [...groups.values()];
}

/**
 * A directory's work: up migrations to lint in migration order, the first against `start` (or the
 * options' priorSchema) and each later one against the schema the one before it left, and down migrations,
 * each against the schema its up twin left: `twin` is that twin's index in `ups`, or `prior` the schema
 * stored for it (the lint cache gives these for migrations it does not lint again).
 */
export interface GroupTask {
  ups: string[];
  start?: StoredModel;
  downs: { file: string; twin?: number; prior?: StoredModel }[];
}

/** A group's ups in migration order and its downs, each with its up twin when the group has it. */
export function planGroup(group: string[]): GroupTask {
  const ordered = [...group].sort(migrationOrder);
  const ups = ordered.filter((f) => !isDownMigration(f));
  const downs = ordered.filter(isDownMigration).map((file) => {
    const twin = upTwin(file);
    const at = twin ? ups.indexOf(twin) : -1;
    return at >= 0 ? { file, twin: at } : { file };
  });
  return { ups, downs };
}

/** A file's result, with the change it made to the schema model when the caller asked for it (ups only). */
export interface LintedFile extends FileLintResult {
  delta?: SchemaDelta;
}

/**
 * Lints each group on its own: its up migrations in order, each with the schema the ones before it
 * left, then its down migrations against their up twins. Groups share nothing, so they may be linted
 * in any order or on different threads.
 */
export function lintGroups(
  parser: SqlParser,
  groups: string[][],
  options: LintOptions,
  onFile: (result: FileLintResult) => void,
): void {
  lintTasks(parser, groups.map(planGroup), options, onFile);
}

/** Lints the tasks (see GroupTask); `withDeltas` adds each up migration's schema delta to its result. */
export function lintTasks(
  parser: SqlParser,
  tasks: GroupTask[],
  options: LintOptions,
  onFile: (result: LintedFile) => void,
  withDeltas = false,
): void {
  const run = (file: string, opts: LintOptions): LintResult =>
    lintWith(
      parser,
      readSql(file),
      runsOutsideTransaction(file) ? { ...opts, transactionMode: 'none' } : opts,
    );
  for (const task of tasks) {
    const upAfter: SchemaModel[] = [];
    let schema: SchemaModel | undefined = task.start ? restoreModel(task.start) : options.priorSchema;
    for (const file of task.ups) {
      const res = run(file, { ...options, priorSchema: schema });
      onFile({ ...res, file, ...(withDeltas ? { delta: schemaDelta(schema, res.schemaAfter) } : {}) });
      schema = res.schemaAfter;
      upAfter.push(schema);
    }
    for (const down of task.downs) {
      const prior =
        down.twin !== undefined ? upAfter[down.twin] : down.prior ? restoreModel(down.prior) : undefined;
      const res = run(down.file, {
        ...options,
        ...(prior ? { priorSchema: prior, direction: 'down' as const } : {}),
      });
      onFile({ ...res, file: down.file });
    }
  }
}

/**
 * The schema that earlier migrations of `file`'s directory leave behind (for the editor, which lints one
 * file at a time); for a down migration, the schema its up twin leaves, marks kept.
 */
export async function schemaBefore(
  file: string,
  siblings: string[],
  options: LintOptions,
): Promise<{ schema?: SchemaModel; direction?: 'down' }> {
  const parser = await loadParser();
  if (isDownMigration(file)) {
    const twin = upTwin(file);
    if (!twin || !existsSync(twin)) return {};
    const before = chain(parser, twin, siblings, options);
    return {
      schema: lintWith(parser, readSql(twin), { ...options, rules: {}, priorSchema: before }).schemaAfter,
      direction: 'down',
    };
  }
  return { schema: chain(parser, file, siblings, options) };
}

function chain(
  parser: SqlParser,
  file: string,
  siblings: string[],
  options: LintOptions,
): SchemaModel | undefined {
  const group = migrationGroup(file);
  const earlier = siblings
    .filter((f) => migrationGroup(f) === group && !isDownMigration(f) && migrationOrder(f, file) < 0)
    .sort(migrationOrder);
  let schema: SchemaModel | undefined;
  for (const f of earlier)
    schema = lintWith(parser, readSql(f), { ...options, rules: {}, priorSchema: schema }).schemaAfter;
  return schema;
}

// diesel-style folders (<version>_<name>/up.sql) form one group with their parent directory.
export function migrationGroup(file: string): string {
  const dir = dirname(file);
  return /^(up|down|migration)\.sql$/i.test(basename(file)) ? dirname(dir) : dir;
}

function migrationKey(file: string): string {
  const b = basename(file);
  return /^(up|down|migration)\.sql$/i.test(b)
    ? `${basename(dirname(file))}/${b}`
    : b.replace(/^[VU](\d)/, '$1');
}

// one collator: localeCompare with options builds one per call, a third of the sort's time
const NUMERIC = new Intl.Collator('en', { numeric: true });

function migrationOrder(a: string, b: string): number {
  return NUMERIC.compare(migrationKey(a), migrationKey(b));
}
