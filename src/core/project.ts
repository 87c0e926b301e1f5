/**
 * Opening a project: the config, the migrations on disk, the database the command is about and the
 * runner settings with that environment's lockTimeout / statementTimeout applied. The CLI's commands
 * and the editor all start here, so a setting means the same thing in a terminal, in CI and in
 * VS Code. No I/O beyond reading the config and listing the migrations folder: the caller opens the
 * driver. Secrets are the caller's: the CLI passes its process environment (passwordEnv, PGPASSWORD,
 * ~/.pgpass are read later by the db layer), the editor the password it keeps in SecretStorage.
 */
import { resolve } from 'node:path';
import { loadConfig, type EnvironmentConfig, type LoadedConfig } from './config';
import { chooseMigrations, type MigrationsChoice } from './migrations/choose';
import { discoverMigrations, discoveryOptions } from './migrations/discover';
import type { MigrationSet } from './migrations/model';
import { chosenEnvironment, resolveTarget, type ResolvedTarget } from './runner/connect';
import { runnerSettings, type RunnerSettings } from './runner/settings';
import type { BackupSettings } from './runner/backup';

/** Which database the command is about. */
export type TargetChoice =
  /** `--db URL`, else `--env NAME`, else DATABASE_URL, else defaultEnvironment, else the embedded database */
  | {
      kind: 'resolve';
      db?: string;
      env?: string;
      /** where DATABASE_URL, urlEnv and passwordEnv are read */
      environ: NodeJS.ProcessEnv;
      /** a password the caller keeps for the named environment (the editor's SecretStorage) */
      password?: string;
    }
  /** the project's embedded database, whatever the config or the process environment say (the editor's Local sandbox) */
  | { kind: 'embedded' }
  /**
   * No database: only which environment's settings apply, chosen as for 'resolve' but without
   * reading its URL (verify runs on scratch databases and never connects to the environment).
   */
  | { kind: 'settings-only'; env?: string; environ: NodeJS.ProcessEnv };

export interface ProjectRequest<C extends TargetChoice = TargetChoice> {
  /** where the config search starts and relative paths are resolved (the CLI's cwd, the workspace folder) */
  cwd: string;
  /** `--config FILE` */
  configFile?: string;
  /** a config the caller already holds (the editor's, with its settings and user environments merged in) */
  loaded?: LoadedConfig;
  /** `--dir D`: the migrations folder instead of the config's migrationsDir */
  dir?: string;
  /** false: the migrations are listed on the first read of `set`, not now (the editor's sessions never read it) */
  discover?: boolean;
  target: C;
}

export interface Project<C extends TargetChoice = TargetChoice> {
  loaded: LoadedConfig;
  /** the absolute migrations folder */
  dir: string;
  /** how the folder and layout were chosen: the config, or the tool detected from the project's files */
  migrations: MigrationsChoice;
  readonly set: MigrationSet;
  /** undefined only for a 'settings-only' choice */
  target: C extends { kind: 'settings-only' } ? undefined : ResolvedTarget;
  /** the environment whose overrides are in `settings` */
  environment?: { name: string; config: EnvironmentConfig };
  settings: RunnerSettings;
  /** backup.* of the config for this target: off on the embedded database (the Local sandbox) under 'auto' */
  backup: BackupSettings;
}

/** The backup settings a run on `target` uses (`noBackup`: the CLI's --no-backup). */
export function backupSettings(
  loaded: LoadedConfig,
  target: ResolvedTarget | undefined,
  noBackup = false,
): BackupSettings {
  const b = loaded.config.backup;
  const sandbox = target?.target.kind === 'embedded';
  return {
    enabled: !noBackup && b.mode !== 'off' && !(sandbox && b.mode === 'auto'),
    file: b.mode === 'file',
    schema: b.schema,
    dir: resolve(loaded.root, b.dir),
    maxBytes: b.maxBytes,
    retentionDays: b.retentionDays,
  };
}

export function openProject<C extends TargetChoice>(req: ProjectRequest<C>): Project<C> {
  const loaded = req.loaded ?? loadConfig(req.cwd, req.configFile);
  // --dir names the folder as the config's migrationsDir would
  const migrations: MigrationsChoice =
    req.dir !== undefined
      ? { dir: resolve(req.cwd, req.dir), layout: loaded.config.layout, source: 'config', detected: [] }
      : chooseMigrations(loaded);
  const dir = migrations.dir;
  let set: MigrationSet | undefined;
  const discovered = (): MigrationSet =>
    (set ??= discoverMigrations(dir, migrations.layout, discoveryOptions(loaded.config)));
  // a missing migrations folder is reported before a target problem, as the commands always did
  if (req.discover !== false) discovered();
  const choice: TargetChoice = req.target;
  let target: ResolvedTarget | undefined;
  let environment: Project['environment'];
  if (choice.kind === 'embedded') {
    // no DATABASE_URL and no defaultEnvironment: resolveTarget's own embedded default
    const plain = { ...loaded, config: { ...loaded.config, defaultEnvironment: undefined } };
    target = resolveTarget({ environ: {}, loaded: plain });
  } else if (choice.kind === 'resolve') {
    target = resolveTarget({ ...choice, loaded });
    environment = target.environment;
  } else {
    environment = chosenEnvironment({ env: choice.env, environ: choice.environ, loaded });
  }
  return {
    loaded,
    dir,
    migrations,
    get set() {
      return discovered();
    },
    target: target as Project<C>['target'],
    environment,
    settings: runnerSettings(loaded.config.runner, environment?.config),
    backup: backupSettings(loaded, target),
  };
}
