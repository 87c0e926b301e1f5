/**
 * The one configuration the editor, the CLI and CI share: `pgshift.config.json` (or the "pgshift" key of
 * package.json) at the project root. Validated strictly: a wrong key or value is an error that names it.
 */
import { CODE_TOOLS, type CodeTool } from './frameworks/model';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from './errors';
import { SEVERITIES, type SeveritySetting } from './lint/types';

export type Layout =
  | 'auto'
  | 'golang-migrate'
  | 'dbmate'
  | 'flyway'
  | 'diesel'
  | 'prisma'
  | 'goose'
  | 'sqlx'
  | 'node-pg-migrate'
  | 'liquibase';
export const LAYOUTS: readonly Layout[] = [
  'auto',
  'golang-migrate',
  'dbmate',
  'flyway',
  'diesel',
  'prisma',
  'goose',
  'sqlx',
  'node-pg-migrate',
  'liquibase',
];
/** every value `layout` takes: the SQL layouts and the code-based tools */
export const LAYOUT_SETTINGS: readonly string[] = [...LAYOUTS, ...CODE_TOOLS];

export interface EnvironmentConfig {
  /** A full URL, without password (the password comes from SecretStorage, env, .pgpass or a prompt). */
  url?: string;
  /** Name of an environment variable holding the full URL (e.g. DATABASE_URL in CI). */
  urlEnv?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  sslmode?: 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  /** Name of an environment variable holding the password. */
  passwordEnv?: string;
  /** Writes need a typed confirmation in the editor and --yes in the CLI. */
  production?: boolean;
  /** No writes at all: up/down refuse; lint, status, dry-run and report work. */
  readOnly?: boolean;
  lockTimeout?: string | null;
  statementTimeout?: string | null;
}

export interface RunnerConfig {
  /** SET lock_timeout for each migration; null = don't set. Default '5s'. */
  lockTimeout: string | null;
  /** SET statement_timeout for each migration; null = don't set. Default null (off). */
  statementTimeout: string | null;
  /** Retries of a migration that failed on lock_timeout. Default 0. */
  lockRetries: number;
  /** How long a second runner waits for the migration lock. Default 60. */
  lockWaitSeconds: number;
  /** Schema of pgshift's history table. Default 'pgshift'. */
  historySchema: string;
  /** Whether a file runs in a transaction when it says nothing. Default 'wrapped'. */
  transactionMode: 'wrapped' | 'none';
  /** Batched backfills pause while a replica's replay lag is over this; null = don't check. Default '10s'. */
  maxLag: string | null;
  /** Batched backfills wait while their table is being vacuumed (as GitLab's do). Default true. */
  waitForVacuum: boolean;
  /** Cancel a migration that other sessions have waited behind for longer than this; null = never. Default null. */
  maxBlockingMs: string | null;
  /** Cancel a migration that more sessions than this queue behind; null = never. Default null. */
  maxQueued: number | null;
  /** The live view of a running migration from a second session (and the policy above). Default true. */
  monitor: boolean;
  /**
   * Lets up/down apply the migrations of a tool that normally applies its own (Prisma), with the
   * tool's table written as the tool does. Default false: pgshift refuses and names the tool's command.
   */
  runFrameworkMigrations: boolean;
}

export interface BackupConfig {
  /** 'auto': before a migration destroys data, copy it into the archive schema (not on the Local sandbox); 'file' also writes a file. Default 'auto'. */
  mode: 'auto' | 'off' | 'file';
  /** Where the copies go. Default 'pgshift_archive'. */
  schema: string;
  /** Folder of the files of mode 'file', relative to the project root. Default '.pgshift/backups'. */
  dir: string;
  /** Backups older than this many days are pruned (never the newest of a migration still applied); null = keep. Default 30. */
  retentionDays: number | null;
  /** A migration whose backup would be bigger is refused, and the archive is pruned to this size; null = no limit. Default 1 GiB. */
  maxBytes: number | null;
}

export interface SeedsConfig {
  /** Folder of the seed files, relative to the project root: common/ and <environment>/ in it. Default 'seeds'. */
  dir: string;
  /** `up` runs the environment's new and changed seeds after its migrations. Default true. */
  afterUp: boolean;
}

export interface ZeroDowntimeConfig {
  /** `up` refuses a contract migration whose group's expand was applied less than this long ago, without --yes. Default '1h'; null = never wait. */
  minSoak: string | null;
}

export interface LiquibaseConfig {
  /**
   * Put before a changelog's path relative to migrationsDir to make the FILENAME Liquibase records
   * (the path as given to Liquibase, relative to its search path): "db/changelog/" when Liquibase is
   * run from the folder above db/changelog. Default '' (the path relative to migrationsDir).
   * A changelog's logicalFilePath overrides it.
   */
  filenamePrefix: string;
}

export interface OfflineSqlConfig {
  /**
   * `pgshift lint` (no paths, or the tool's migration files named) lints the SQL the tool prints
   * offline (Alembic `upgrade --sql`, Django `sqlmigrate`) instead of the SQL strings in the files.
   * Default false; `--offline-sql` turns it on for one run.
   */
  enabled: boolean;
  /** the Python that has the tool and the project's packages (a virtualenv's bin/python). Default python3 */
  python: string;
  /** per command. Default 120 */
  timeoutSeconds: number;
}

export interface PgshiftConfig {
  migrationsDir: string;
  layout: Layout;
  /**
   * `"layout": "django"` (or rails, alembic, knex, sequelize, typeorm, efcore): the project's migrations
   * are that code-based tool's, read from its files and table, never run by pgshift. `layout` is then 'auto'.
   */
  framework?: CodeTool;
  postgresVersion: number;
  include: string[];
  exclude: string[];
  rules: Record<string, SeveritySetting>;
  runner: RunnerConfig;
  backup: BackupConfig;
  seeds: SeedsConfig;
  zeroDowntime: ZeroDowntimeConfig;
  liquibase: LiquibaseConfig;
  offlineSql: OfflineSqlConfig;
  environments: Record<string, EnvironmentConfig>;
  defaultEnvironment?: string;
}

export interface LoadedConfig {
  config: PgshiftConfig;
  /** the project root: the folder of the config file, or the start folder when there is none */
  root: string;
  /** the file it came from, if any */
  file?: string;
  /**
   * The top-level keys the config actually sets (the rest are defaults). Without migrationsDir and
   * layout, the project's migration tool is detected from its files (migrations/detect-project.ts).
   */
  given?: string[];
}

export const DEFAULT_CONFIG: PgshiftConfig = {
  migrationsDir: 'migrations',
  layout: 'auto',
  postgresVersion: 15,
  include: ['**/*.sql'],
  exclude: [],
  rules: {},
  runner: {
    lockTimeout: '5s',
    statementTimeout: null,
    lockRetries: 0,
    lockWaitSeconds: 60,
    historySchema: 'pgshift',
    transactionMode: 'wrapped',
    maxLag: '10s',
    waitForVacuum: true,
    maxBlockingMs: null,
    maxQueued: null,
    monitor: true,
    runFrameworkMigrations: false,
  },
  backup: {
    mode: 'auto',
    schema: 'pgshift_archive',
    dir: '.pgshift/backups',
    retentionDays: 30,
    maxBytes: 1024 ** 3,
  },
  seeds: { dir: 'seeds', afterUp: true },
  zeroDowntime: { minSoak: '1h' },
  liquibase: { filenamePrefix: '' },
  offlineSql: { enabled: false, python: 'python3', timeoutSeconds: 120 },
  environments: {},
};

export const CONFIG_FILE = 'pgshift.config.json';

/** Finds the config by walking up from `startDir`, or reads `explicitFile`. */
export function loadConfig(startDir: string, explicitFile?: string): LoadedConfig {
  if (explicitFile) {
    const file = resolve(startDir, explicitFile);
    if (!existsSync(file)) throw new ConfigError(`config file not found: ${file}`, 'check the --config path');
    return { config: parseConfigFile(file), root: dirname(file), file, given: givenKeys(readJson(file)) };
  }
  let dir = resolve(startDir);
  for (;;) {
    const own = join(dir, CONFIG_FILE);
    if (existsSync(own))
      return { config: parseConfigFile(own), root: dir, file: own, given: givenKeys(readJson(own)) };
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const json = readJson(pkg) as Record<string, unknown>;
      if (json && typeof json === 'object' && 'pgshift' in json) {
        return {
          config: validateConfig(json.pgshift, `${pkg} "pgshift"`),
          root: dir,
          file: pkg,
          given: givenKeys(json.pgshift),
        };
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return { config: structuredClone(DEFAULT_CONFIG), root: resolve(startDir), given: [] };
}

function givenKeys(raw: unknown): string[] {
  return raw && typeof raw === 'object' ? Object.keys(raw) : [];
}

/** Whether the config names the migrations folder or layout itself (then nothing is detected). */
export function namesMigrations(loaded: LoadedConfig): boolean {
  // a config built without `given` (by a caller, a test) is taken at its word
  if (!loaded.given) return true;
  return (
    loaded.given.includes('migrationsDir') ||
    (loaded.given.includes('layout') && loaded.config.layout !== 'auto')
  );
}

function parseConfigFile(file: string): PgshiftConfig {
  return validateConfig(readJson(file), file);
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file} is not valid JSON: ${(e as Error).message}`, 'fix the JSON syntax');
  }
}

/** The keys validateConfig accepts (a unit test holds schemas/pgshift.config.schema.json to them). */
export const TOP_KEYS: readonly string[] = [
  '$schema',
  'migrationsDir',
  'layout',
  'postgresVersion',
  'include',
  'exclude',
  'rules',
  'runner',
  'backup',
  'seeds',
  'zeroDowntime',
  'liquibase',
  'offlineSql',
  'environments',
  'defaultEnvironment',
];
export const RUNNER_KEYS: readonly string[] = Object.keys(DEFAULT_CONFIG.runner);
export const BACKUP_KEYS: readonly string[] = Object.keys(DEFAULT_CONFIG.backup);
export const SEEDS_KEYS: readonly string[] = Object.keys(DEFAULT_CONFIG.seeds);
export const ZERO_DOWNTIME_KEYS: readonly string[] = Object.keys(DEFAULT_CONFIG.zeroDowntime);
export const LIQUIBASE_KEYS: readonly string[] = Object.keys(DEFAULT_CONFIG.liquibase);
export const OFFLINE_SQL_KEYS: readonly string[] = Object.keys(DEFAULT_CONFIG.offlineSql);
export const BACKUP_MODES: readonly BackupConfig['mode'][] = ['auto', 'off', 'file'];
export const ENV_KEYS: readonly string[] = [
  'url',
  'urlEnv',
  'host',
  'port',
  'database',
  'user',
  'sslmode',
  'passwordEnv',
  'production',
  'readOnly',
  'lockTimeout',
  'statementTimeout',
];
export const TRANSACTION_MODES: readonly RunnerConfig['transactionMode'][] = ['wrapped', 'none'];
export const SSLMODES: readonly string[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** Validates raw JSON into a full config (defaults filled in). `where` names the source in errors. */
export function validateConfig(raw: unknown, where: string): PgshiftConfig {
  const fail = (key: string, msg: string): never => {
    throw new ConfigError(`${where}: "${key}" ${msg}`, `fix "${key}" in ${where}`);
  };
  if (!isObject(raw)) return fail('(root)', 'must be a JSON object');
  for (const k of Object.keys(raw)) {
    if (!TOP_KEYS.includes(k)) fail(k, `is not a pgshift setting (known: ${TOP_KEYS.slice(1).join(', ')})`);
  }
  const c: PgshiftConfig = structuredClone(DEFAULT_CONFIG);
  if (raw.$schema !== undefined) str(raw.$schema, '$schema', fail);
  if (raw.migrationsDir !== undefined) c.migrationsDir = str(raw.migrationsDir, 'migrationsDir', fail);
  if (raw.layout !== undefined) {
    if (CODE_TOOLS.includes(raw.layout as CodeTool)) c.framework = raw.layout as CodeTool;
    else if (!LAYOUTS.includes(raw.layout as Layout))
      fail('layout', `must be one of ${LAYOUT_SETTINGS.join(', ')}`);
    else c.layout = raw.layout as Layout;
  }
  if (raw.postgresVersion !== undefined) {
    const v = raw.postgresVersion;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 9 || v > 30)
      fail('postgresVersion', 'must be a major version number such as 15');
    c.postgresVersion = v as number;
  }
  if (raw.include !== undefined) c.include = strList(raw.include, 'include', fail);
  if (raw.exclude !== undefined) c.exclude = strList(raw.exclude, 'exclude', fail);
  if (raw.rules !== undefined) {
    if (!isObject(raw.rules)) fail('rules', 'must be an object of rule id → severity');
    for (const [id, sev] of Object.entries(raw.rules as Record<string, unknown>)) {
      if (sev !== 'off' && !SEVERITIES.includes(sev as never))
        fail(`rules.${id}`, `must be one of off, ${SEVERITIES.join(', ')}`);
      c.rules[id] = sev as SeveritySetting;
    }
  }
  if (raw.runner !== undefined) {
    if (!isObject(raw.runner)) fail('runner', 'must be an object');
    const r = raw.runner as Record<string, unknown>;
    for (const k of Object.keys(r))
      if (!RUNNER_KEYS.includes(k))
        fail(`runner.${k}`, `is not a runner setting (known: ${RUNNER_KEYS.join(', ')})`);
    if (r.lockTimeout !== undefined)
      c.runner.lockTimeout = duration(r.lockTimeout, 'runner.lockTimeout', fail);
    if (r.statementTimeout !== undefined)
      c.runner.statementTimeout = duration(r.statementTimeout, 'runner.statementTimeout', fail);
    if (r.lockRetries !== undefined)
      c.runner.lockRetries = int(r.lockRetries, 'runner.lockRetries', 0, 100, fail);
    if (r.lockWaitSeconds !== undefined)
      c.runner.lockWaitSeconds = int(r.lockWaitSeconds, 'runner.lockWaitSeconds', 0, 86400, fail);
    if (r.historySchema !== undefined) {
      c.runner.historySchema = str(r.historySchema, 'runner.historySchema', fail);
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(c.runner.historySchema))
        fail('runner.historySchema', 'must be a lower-case SQL identifier');
    }
    if (r.transactionMode !== undefined) {
      if (!TRANSACTION_MODES.includes(r.transactionMode as never))
        fail('runner.transactionMode', 'must be "wrapped" or "none"');
      c.runner.transactionMode = r.transactionMode as 'wrapped' | 'none';
    }
    if (r.maxLag !== undefined) c.runner.maxLag = duration(r.maxLag, 'runner.maxLag', fail);
    if (r.waitForVacuum !== undefined) {
      if (typeof r.waitForVacuum !== 'boolean') fail('runner.waitForVacuum', 'must be true or false');
      c.runner.waitForVacuum = r.waitForVacuum as boolean;
    }
    if (r.maxBlockingMs !== undefined)
      c.runner.maxBlockingMs = duration(r.maxBlockingMs, 'runner.maxBlockingMs', fail);
    if (r.maxQueued !== undefined)
      c.runner.maxQueued =
        r.maxQueued === null ? null : int(r.maxQueued, 'runner.maxQueued', 0, 100_000, fail);
    if (r.monitor !== undefined) {
      if (typeof r.monitor !== 'boolean') fail('runner.monitor', 'must be true or false');
      if (!r.monitor && (c.runner.maxBlockingMs !== null || c.runner.maxQueued !== null))
        fail(
          'runner.monitor',
          'cannot be false with runner.maxBlockingMs or runner.maxQueued set: the policy needs the monitor',
        );
      c.runner.monitor = r.monitor as boolean;
    }
    if (r.runFrameworkMigrations !== undefined) {
      if (typeof r.runFrameworkMigrations !== 'boolean')
        fail('runner.runFrameworkMigrations', 'must be true or false');
      c.runner.runFrameworkMigrations = r.runFrameworkMigrations as boolean;
    }
  }
  if (raw.backup !== undefined) validateBackup(raw.backup, c.backup, fail);
  if (raw.seeds !== undefined) {
    if (!isObject(raw.seeds)) fail('seeds', 'must be an object');
    const r = raw.seeds as Record<string, unknown>;
    for (const k of Object.keys(r))
      if (!SEEDS_KEYS.includes(k))
        fail(`seeds.${k}`, `is not a seeds setting (known: ${SEEDS_KEYS.join(', ')})`);
    if (r.dir !== undefined) c.seeds.dir = str(r.dir, 'seeds.dir', fail);
    if (r.afterUp !== undefined) {
      if (typeof r.afterUp !== 'boolean') fail('seeds.afterUp', 'must be true or false');
      c.seeds.afterUp = r.afterUp as boolean;
    }
  }
  if (raw.zeroDowntime !== undefined) {
    if (!isObject(raw.zeroDowntime)) fail('zeroDowntime', 'must be an object');
    const r = raw.zeroDowntime as Record<string, unknown>;
    for (const k of Object.keys(r))
      if (!ZERO_DOWNTIME_KEYS.includes(k))
        fail(`zeroDowntime.${k}`, `is not a zeroDowntime setting (known: ${ZERO_DOWNTIME_KEYS.join(', ')})`);
    if (r.minSoak !== undefined) c.zeroDowntime.minSoak = duration(r.minSoak, 'zeroDowntime.minSoak', fail);
  }
  if (raw.liquibase !== undefined) {
    if (!isObject(raw.liquibase)) fail('liquibase', 'must be an object');
    const r = raw.liquibase as Record<string, unknown>;
    for (const k of Object.keys(r))
      if (!LIQUIBASE_KEYS.includes(k))
        fail(`liquibase.${k}`, `is not a liquibase setting (known: ${LIQUIBASE_KEYS.join(', ')})`);
    if (r.filenamePrefix !== undefined) {
      if (typeof r.filenamePrefix !== 'string') fail('liquibase.filenamePrefix', 'must be a string');
      c.liquibase.filenamePrefix = r.filenamePrefix as string;
    }
  }
  if (raw.offlineSql !== undefined) {
    if (!isObject(raw.offlineSql)) fail('offlineSql', 'must be an object');
    const r = raw.offlineSql as Record<string, unknown>;
    for (const k of Object.keys(r))
      if (!OFFLINE_SQL_KEYS.includes(k))
        fail(`offlineSql.${k}`, `is not an offlineSql setting (known: ${OFFLINE_SQL_KEYS.join(', ')})`);
    if (r.enabled !== undefined) {
      if (typeof r.enabled !== 'boolean') fail('offlineSql.enabled', 'must be true or false');
      c.offlineSql.enabled = r.enabled as boolean;
    }
    if (r.python !== undefined) {
      if (typeof r.python !== 'string' || !r.python.trim())
        fail('offlineSql.python', 'must be a program name or path, such as "python3" or ".venv/bin/python"');
      c.offlineSql.python = r.python as string;
    }
    if (r.timeoutSeconds !== undefined) {
      if (typeof r.timeoutSeconds !== 'number' || !(r.timeoutSeconds > 0))
        fail('offlineSql.timeoutSeconds', 'must be a number of seconds above 0');
      c.offlineSql.timeoutSeconds = r.timeoutSeconds as number;
    }
  }
  if (raw.environments !== undefined) {
    if (!isObject(raw.environments)) fail('environments', 'must be an object of name → connection');
    for (const [name, env] of Object.entries(raw.environments as Record<string, unknown>)) {
      const at = `environments.${name}`;
      if (!isObject(env)) fail(at, 'must be an object');
      const e = env as Record<string, unknown>;
      for (const k of Object.keys(e)) {
        if (k === 'password')
          fail(
            `${at}.password`,
            'is not allowed: keep passwords out of files (use passwordEnv, ~/.pgpass, or "pgshift: Set Password" in VS Code)',
          );
        if (!ENV_KEYS.includes(k))
          fail(`${at}.${k}`, `is not an environment setting (known: ${ENV_KEYS.join(', ')})`);
      }
      if (typeof e.url === 'string' && /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(e.url)) {
        fail(
          `${at}.url`,
          'contains a password: remove it from the URL and use passwordEnv, ~/.pgpass or SecretStorage',
        );
      }
      if (e.port !== undefined) int(e.port, `${at}.port`, 1, 65535, fail);
      if (e.sslmode !== undefined && !SSLMODES.includes(e.sslmode as string))
        fail(`${at}.sslmode`, `must be one of ${SSLMODES.join(', ')}`);
      for (const k of ['url', 'urlEnv', 'host', 'database', 'user', 'passwordEnv'])
        if (e[k] !== undefined) str(e[k], `${at}.${k}`, fail);
      for (const k of ['production', 'readOnly'])
        if (e[k] !== undefined && typeof e[k] !== 'boolean') fail(`${at}.${k}`, 'must be true or false');
      for (const k of ['lockTimeout', 'statementTimeout'])
        if (e[k] !== undefined) duration(e[k], `${at}.${k}`, fail);
      c.environments[name] = e as EnvironmentConfig;
    }
  }
  if (raw.defaultEnvironment !== undefined) {
    c.defaultEnvironment = str(raw.defaultEnvironment, 'defaultEnvironment', fail);
    if (!(c.defaultEnvironment in c.environments))
      fail('defaultEnvironment', `names no environment in "environments"`);
  }
  return c;
}

function validateBackup(raw: unknown, b: BackupConfig, fail: (k: string, m: string) => never): void {
  if (!isObject(raw)) fail('backup', 'must be an object');
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (!BACKUP_KEYS.includes(k))
      fail(`backup.${k}`, `is not a backup setting (known: ${BACKUP_KEYS.join(', ')})`);
  if (r.mode !== undefined) {
    if (!BACKUP_MODES.includes(r.mode as never))
      fail('backup.mode', `must be one of ${BACKUP_MODES.join(', ')}`);
    b.mode = r.mode as BackupConfig['mode'];
  }
  if (r.schema !== undefined) {
    b.schema = str(r.schema, 'backup.schema', fail);
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(b.schema))
      fail('backup.schema', 'must be a lower-case SQL identifier');
  }
  if (r.dir !== undefined) b.dir = str(r.dir, 'backup.dir', fail);
  if (r.retentionDays !== undefined)
    b.retentionDays =
      r.retentionDays === null ? null : int(r.retentionDays, 'backup.retentionDays', 1, 36_500, fail);
  if (r.maxBytes !== undefined) b.maxBytes = bytes(r.maxBytes, 'backup.maxBytes', fail);
}

/** 1073741824, '500MB', '2GB', '100kB' (powers of 1024, as PostgreSQL's units), or null. */
function bytes(v: unknown, key: string, fail: (k: string, m: string) => never): number | null {
  if (v === null) return null;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*(B|kB|KB|MB|GB|TB)$/.exec(v.trim()) : null;
  if (!m) return fail(key, 'must be a size such as "500MB", "2GB", a number of bytes, or null for no limit');
  const unit = { B: 0, kB: 1, KB: 1, MB: 2, GB: 3, TB: 4 }[m[2] as 'B'];
  return Math.round(Number(m[1]) * 1024 ** unit);
}

/** Absolute seeds folder of a loaded config. */
export function seedsDir(loaded: LoadedConfig): string {
  return resolve(loaded.root, loaded.config.seeds.dir);
}

/** Absolute migrations directory of a loaded config. */
export function migrationsDir(loaded: LoadedConfig): string {
  return resolve(loaded.root, loaded.config.migrationsDir);
}

/** '5s', '500ms', '2min', '1h', or a number of milliseconds; null/'off' = not set. Returns PostgreSQL's spelling. */
function duration(v: unknown, key: string, fail: (k: string, m: string) => never): string | null {
  if (v === null || v === 'off') return null;
  if (typeof v === 'number' && v >= 0) return `${v}ms`;
  if (typeof v === 'string' && /^\d+\s*(ms|s|min|h)$/.test(v.trim())) return v.replace(/\s+/g, '');
  return fail(key, 'must be a duration such as "5s", "500ms", "2min", or null to leave it unset');
}
function int(
  v: unknown,
  key: string,
  min: number,
  max: number,
  fail: (k: string, m: string) => never,
): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    fail(key, `must be a whole number from ${min} to ${max}`);
  return v as number;
}
function str(v: unknown, key: string, fail: (k: string, m: string) => never): string {
  if (typeof v !== 'string' || v === '') fail(key, 'must be a non-empty string');
  return v as string;
}
function strList(v: unknown, key: string, fail: (k: string, m: string) => never): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(key, 'must be an array of strings');
  return v as string[];
}
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
