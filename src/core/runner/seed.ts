/**
 * Seed data per environment: `seeds/common/*.sql` and `seeds/<environment>/*.sql`, run after `up` (or
 * by `pgshift seed`) and tracked per environment by checksum in the history schema, so that a file runs
 * once and again only when it changed (as Flyway's repeatable migrations). An environment marked
 * production runs only `seeds/production/`: demo users in `common/` must never reach it by accident.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { seedsDir, type LoadedConfig } from '../config';
import type { Driver } from '../db/driver';
import { DbError, inTransaction, relationExists } from '../db/driver';
import { PgshiftError } from '../errors';
import { readScriptFile } from '../migrations/discover';
import type { MigrationProblem, MigrationScript } from '../migrations/model';
import { setTimeouts } from './apply';
import { prepareSteps, type PreparedStep } from './prepare';
import { settingsOf, withMigrationLock, prepareSession, type RunnerInput } from './session';
import { quoteIdent } from './settings';
import { PGSHIFT_VERSION } from '../version';
import type { ResolvedTarget } from './connect';

export const PRODUCTION_SEEDS = 'production';
export const COMMON_SEEDS = 'common';

export interface SeedFile {
  /** 'common/01_roles.sql': the file's path under the seeds folder, with '/' */
  rel: string;
  /** 'common' or the environment's folder */
  group: string;
  script: MigrationScript;
}

export interface SeedSet {
  /** absolute seeds folder */
  dir: string;
  environment: string;
  production: boolean;
  /** in run order: common/ first (not on production), then the environment's folder, each by name */
  files: SeedFile[];
  /** files of the seeds folder that do not run here, with why (shown, so nothing is silently skipped) */
  skipped: { rel: string; reason: string }[];
  problems: MigrationProblem[];
}

const NUMERIC = new Intl.Collator('en', { numeric: true });

function sqlFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.sql'))
    .filter((n) => {
      try {
        return statSync(join(dir, n)).isFile();
      } catch {
        return false;
      }
    })
    .sort(NUMERIC.compare);
}

function subfolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort(NUMERIC.compare);
  } catch {
    return [];
  }
}

/** Environment names that are folder names: no separators, no dot segments. */
export function assertSeedEnvironment(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || name.includes('..'))
    throw new PgshiftError(`"${name}" cannot name a seeds folder`, {
      hint: 'environment names for seeds use letters, digits, ".", "_" and "-"',
      exitCode: 2,
      code: 'usage',
    });
}

/**
 * The seeds that run for `environment`. On a production environment only `seeds/production/` runs,
 * whatever the environment is called; everything else is listed as skipped with the reason.
 */
export function discoverSeeds(dir: string, environment: string, production: boolean): SeedSet {
  assertSeedEnvironment(environment);
  const set: SeedSet = { dir, environment, production, files: [], skipped: [], problems: [] };
  const rel = (f: string): string => relative(dir, f).split(sep).join('/');
  const groups = production ? [PRODUCTION_SEEDS] : [COMMON_SEEDS, environment];
  for (const group of [...new Set(groups)]) {
    const folder = join(dir, group);
    for (const name of sqlFiles(folder)) {
      const file = join(folder, name);
      const { script, problems } = readScriptFile(file, dir);
      set.problems.push(...problems.filter((p) => p.severity !== 'info' || !/^empty/.test(p.message)));
      if (script) set.files.push({ rel: rel(file), group, script });
    }
  }
  for (const group of subfolders(dir)) {
    if (groups.includes(group)) continue;
    const reason =
      production && (group === COMMON_SEEDS || group === environment)
        ? `"${environment}" is marked production: only ${PRODUCTION_SEEDS}/ seeds run there (move what production needs into seeds/${PRODUCTION_SEEDS}/)`
        : `for environment "${group}"`;
    for (const name of sqlFiles(join(dir, group))) set.skipped.push({ rel: `${group}/${name}`, reason });
  }
  for (const name of sqlFiles(dir))
    set.problems.push({
      severity: 'warning',
      file: join(dir, name),
      message: `not run: ${name} is directly in the seeds folder; put it in ${COMMON_SEEDS}/ (every environment but production) or in <environment>/`,
    });
  return set;
}

/**
 * Which environment's seeds a target gets: `explicit` (--seed-env), else the named environment it was
 * chosen by, else 'development' for the project's embedded database; undefined for a bare URL (--db,
 * DATABASE_URL), which names no environment. Production is the target environment's own flag, so
 * --seed-env can never turn the protection off.
 */
export function seedEnvironmentOf(
  target: ResolvedTarget,
  explicit?: string,
): { name: string; production: boolean } | undefined {
  const production = target.environment?.config.production === true;
  const name =
    explicit ?? target.environment?.name ?? (target.target.kind === 'embedded' ? 'development' : undefined);
  return name === undefined ? undefined : { name, production };
}

export type SeedsFor =
  | { kind: 'seeds'; seeds: SeedSet }
  /** there is no seeds folder: nothing to do, nothing to say unless asked */
  | { kind: 'no-folder'; dir: string }
  /** the target names no environment: the message and the next step */
  | { kind: 'no-environment'; message: string; hint: string };

/** The seeds a target gets, for the CLI and the editor alike. */
export function seedsFor(loaded: LoadedConfig, target: ResolvedTarget, explicit?: string): SeedsFor {
  const dir = seedsDir(loaded);
  if (!existsSync(dir)) return { kind: 'no-folder', dir };
  const env = seedEnvironmentOf(target, explicit);
  if (!env)
    return {
      kind: 'no-environment',
      message: `the target (${target.source}) names no environment, so pgshift cannot tell which seeds are its`,
      hint: 'give --env NAME (an environment of pgshift.config.json) or --seed-env NAME',
    };
  return { kind: 'seeds', seeds: discoverSeeds(dir, env.name, env.production) };
}

export type SeedState = 'pending' | 'changed' | 'applied' | 'failed';
/** why a seed runs: every state but applied */
export type SeedReason = Exclude<SeedState, 'applied'>;

export interface SeedRecord {
  environment: string;
  file: string;
  checksum: string;
  finishedAt: string;
  executionMs: number;
  success: boolean;
  error: string | null;
}

export interface SeedStatus {
  rel: string;
  group: string;
  file: string;
  state: SeedState;
  /** the latest successful run of this file on this environment */
  last?: SeedRecord;
  /** the error of the latest attempt, when it failed */
  error?: string;
}

/** pgshift's record of seed runs: one row per attempt, per environment and file. */
export class SeedTable {
  readonly qualified: string;
  constructor(readonly schema: string) {
    this.qualified = `${quoteIdent(schema)}.seed_history`;
  }

  async exists(driver: Driver): Promise<boolean> {
    return relationExists(driver, this.qualified);
  }

  /** Call only under the migration lock. */
  async ensure(driver: Driver): Promise<void> {
    if (await this.exists(driver)) return;
    await driver.exec(`
      CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)};
      CREATE TABLE IF NOT EXISTS ${this.qualified} (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        environment text NOT NULL,
        file text NOT NULL,
        checksum text NOT NULL,
        transactional boolean NOT NULL,
        started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        execution_time_ms integer NOT NULL,
        success boolean NOT NULL,
        error text,
        applied_by text NOT NULL DEFAULT current_user,
        pgshift_version text NOT NULL
      );
      CREATE INDEX IF NOT EXISTS seed_history_env_idx ON ${this.qualified} (environment, file, id);
      COMMENT ON TABLE ${this.qualified} IS 'pgshift: one row per seed file run per environment (append-only)';
    `);
  }

  async read(driver: Driver, environment: string): Promise<SeedRecord[]> {
    if (!(await this.exists(driver))) return [];
    const r = await driver.query<{
      environment: string;
      file: string;
      checksum: string;
      finished_at: Date | string;
      execution_time_ms: number;
      success: boolean;
      error: string | null;
    }>(
      `SELECT environment, file, checksum, finished_at, execution_time_ms, success, error
         FROM ${this.qualified} WHERE environment = $1 ORDER BY id`,
      [environment],
    );
    return r.rows.map((row) => ({
      environment: row.environment,
      file: row.file,
      checksum: row.checksum,
      finishedAt: new Date(row.finished_at).toISOString(),
      executionMs: Number(row.execution_time_ms),
      success: row.success,
      error: row.error,
    }));
  }

  insert(
    driver: Driver,
    r: {
      environment: string;
      file: string;
      checksum: string;
      transactional: boolean;
      ms: number;
      error?: string;
    },
  ): Promise<unknown> {
    return driver.query(
      `INSERT INTO ${this.qualified} (environment, file, checksum, transactional, started_at, execution_time_ms, success, error, pgshift_version)
       VALUES ($1, $2, $3, $4, clock_timestamp() - make_interval(secs => $5::double precision / 1000), $5, $6, $7, $8)`,
      [
        r.environment,
        r.file,
        r.checksum,
        r.transactional,
        r.ms,
        r.error === undefined,
        r.error ?? null,
        PGSHIFT_VERSION,
      ],
    );
  }
}

/** Each file's state on the environment, from the records (oldest first). */
export function seedStates(set: SeedSet, records: readonly SeedRecord[]): SeedStatus[] {
  return set.files.map((f) => {
    const mine = records.filter((r) => r.file === f.rel);
    const last = [...mine].reverse().find((r) => r.success);
    const latest = mine[mine.length - 1];
    const base = { rel: f.rel, group: f.group, file: f.script.file, ...(last ? { last } : {}) };
    if (latest && !latest.success) return { ...base, state: 'failed', error: latest.error ?? undefined };
    if (!last) return { ...base, state: 'pending' };
    return { ...base, state: last.checksum === f.script.checksum ? 'applied' : 'changed' };
  });
}

export async function seedStatus(driver: Driver, set: SeedSet, historySchema: string): Promise<SeedStatus[]> {
  return seedStates(set, await new SeedTable(historySchema).read(driver, set.environment));
}

export interface SeedRunResult {
  ok: boolean;
  environment: string;
  /** files that ran (in order), with their outcome */
  ran: { rel: string; reason: SeedReason; ms: number; ok: boolean; error?: string }[];
  /** files that were up to date */
  unchanged: string[];
  skipped: SeedSet['skipped'];
  dryRun: boolean;
}

export type SeedEvent =
  | { type: 'seed-start'; rel: string; reason: SeedReason }
  | { type: 'seed-done'; rel: string; ms: number; ok: boolean; error?: string };

/**
 * Runs the seeds that are new, changed or failed on this environment, in order, each in its own
 * transaction (or outside one when it says so or holds only statements PostgreSQL refuses in one),
 * with its row written in that transaction; stops at the first failure, which is recorded. Under the
 * migration lock, so it never runs beside a migration. `dryRun`: only says what would run.
 */
export async function runSeeds(
  input: Pick<RunnerInput, 'driver' | 'settings' | 'signal' | 'onEvent'> & {
    seeds: SeedSet;
    dryRun?: boolean;
    onSeed?: (e: SeedEvent) => void;
  },
): Promise<SeedRunResult> {
  const settings = settingsOf(input);
  const { driver, seeds } = input;
  const table = new SeedTable(settings.historySchema);
  const errors = seeds.problems.filter((p) => p.severity === 'error');
  if (errors.length)
    throw new PgshiftError(`nothing was run: ${errors.map((p) => p.message).join('; ')}`, {
      hint: 'fix the seed files named above',
      code: 'bad-seeds',
    });
  const plan = async (): Promise<{ todo: SeedStatus[]; unchanged: string[] }> => {
    const states = seedStates(seeds, await table.read(driver, seeds.environment));
    return {
      todo: states.filter((s) => s.state !== 'applied'),
      unchanged: states.filter((s) => s.state === 'applied').map((s) => s.rel),
    };
  };
  const base = { environment: seeds.environment, skipped: seeds.skipped };
  if (input.dryRun) {
    const { todo, unchanged } = await plan();
    const ran = todo.map((s) => ({ rel: s.rel, reason: s.state as SeedReason, ms: 0, ok: true }));
    return { ...base, ok: true, ran, unchanged, dryRun: true };
  }
  await prepareSession(driver);
  return withMigrationLock(input, settings, async () => {
    const { todo, unchanged } = await plan();
    const byRel = new Map(seeds.files.map((f) => [f.rel, f]));
    // every file is checked before the first one runs (transaction control, statements refused in one)
    const prepared = await prepareSteps(
      todo.map((s) => {
        const f = byRel.get(s.rel)!;
        const migration = { version: 'seed', name: f.rel, up: f.script };
        return {
          migration,
          direction: 'up' as const,
          script: f.script,
          noTransaction: f.script.noTransaction,
        };
      }),
    );
    if (todo.length) await table.ensure(driver);
    const ran: SeedRunResult['ran'] = [];
    for (let i = 0; i < todo.length; i++) {
      if (input.signal?.aborted) break;
      const reason = todo[i].state as SeedReason;
      const step = prepared[i];
      input.onSeed?.({ type: 'seed-start', rel: todo[i].rel, reason });
      const outcome = await runSeedStep(driver, table, seeds.environment, step, settings, input.signal);
      ran.push({ rel: todo[i].rel, reason, ...outcome });
      input.onSeed?.({ type: 'seed-done', rel: todo[i].rel, ...outcome });
      if (!outcome.ok) break;
    }
    return { ...base, ok: ran.every((r) => r.ok) && !input.signal?.aborted, ran, unchanged, dryRun: false };
  });
}

async function runSeedStep(
  driver: Driver,
  table: SeedTable,
  environment: string,
  step: PreparedStep,
  settings: ReturnType<typeof settingsOf>,
  signal: AbortSignal | undefined,
): Promise<{ ms: number; ok: boolean; error?: string }> {
  const row = { environment, file: step.migration.name, checksum: step.script.checksum };
  const onAbort = (): void => void driver.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort);
  const t0 = Date.now();
  try {
    if (!step.noTransaction) {
      await inTransaction(driver, async () => {
        await setTimeouts(driver, settings, true);
        for (const s of step.statements) await driver.exec(s.sql);
        await table.insert(driver, { ...row, transactional: true, ms: Date.now() - t0 });
      });
    } else {
      await setTimeouts(driver, settings, false);
      for (const s of step.statements) await driver.exec(s.sql);
      await table.insert(driver, { ...row, transactional: false, ms: Date.now() - t0 });
    }
    return { ms: Date.now() - t0, ok: true };
  } catch (e) {
    const ms = Date.now() - t0;
    const error = e instanceof DbError || e instanceof Error ? e.message : String(e);
    // the failure is recorded outside the rolled-back transaction, so status tells the truth
    await table
      .insert(driver, { ...row, transactional: !step.noTransaction, ms, error })
      .catch(() => undefined);
    return {
      ms,
      ok: false,
      error: step.noTransaction
        ? `${error} (ran outside a transaction: the statements before the failing one stay applied)`
        : error,
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
