/**
 * Which database a command talks to: `--db URL`, else `--env NAME`, else DATABASE_URL, else the
 * config's defaultEnvironment, else the project's embedded PGlite database (<root>/.pgshift/db).
 * An explicit --env beats an ambient DATABASE_URL: a shell variable left over from another project
 * must never redirect a command that named its environment. Passwords come from the environment's
 * passwordEnv, then (in the db layer) PGPASSWORD and ~/.pgpass; never from the config file.
 */
import { existsSync } from 'node:fs';
import type { EnvironmentConfig, LoadedConfig } from '../config';
import { ConfigError, PgshiftError } from '../errors';
import type { ConnectionTarget } from '../db/driver';
import { describeTarget, embeddedDataDir, targetFromUrl } from '../db/open';

export interface TargetRequest {
  /** --db URL */
  db?: string;
  /** --env NAME */
  env?: string;
  /** where DATABASE_URL, urlEnv and passwordEnv variables are read */
  environ: NodeJS.ProcessEnv;
  /** a password the editor keeps (SecretStorage) for the named environment; passwordEnv wins when it is set */
  password?: string;
  loaded: LoadedConfig;
}

export interface ResolvedTarget {
  target: ConnectionTarget;
  /** the target without secrets, e.g. 'postgres://app@db.internal:5432/shop' */
  description: string;
  /** how it was chosen: '--db', 'DATABASE_URL', 'environment "staging"', 'embedded database' */
  source: string;
  environment?: { name: string; config: EnvironmentConfig };
}

export function resolveTarget(req: TargetRequest): ResolvedTarget {
  const choice = chooseTarget(req);
  if (choice.kind === 'url') return fromUrl(choice.url, choice.source);
  if (choice.kind === 'environment') return fromEnvironment(choice.name, req);
  const target: ConnectionTarget = { kind: 'embedded', dataDir: embeddedDataDir(req.loaded.root) };
  return { target, description: describeTarget(target), source: 'embedded database' };
}

/**
 * The environment resolveTarget would pick, without resolving how to reach it (no URL variable is
 * read): for commands that take an environment's settings but never connect to it (verify).
 */
export function chosenEnvironment(
  req: Omit<TargetRequest, 'password'>,
): { name: string; config: EnvironmentConfig } | undefined {
  const choice = chooseTarget(req);
  return choice.kind === 'environment'
    ? { name: choice.name, config: environmentNamed(choice.name, req.loaded) }
    : undefined;
}

type TargetChoice =
  { kind: 'url'; url: string; source: string } | { kind: 'environment'; name: string } | { kind: 'embedded' };

function chooseTarget(req: Omit<TargetRequest, 'password'>): TargetChoice {
  if (req.db !== undefined && req.env !== undefined) {
    throw new ConfigError('--db and --env name two different targets', 'give only one of them');
  }
  if (req.db !== undefined) return { kind: 'url', url: req.db, source: '--db' };
  if (req.env !== undefined) return { kind: 'environment', name: req.env };
  const fromEnvVar = req.environ.DATABASE_URL;
  if (fromEnvVar && fromEnvVar.trim()) return { kind: 'url', url: fromEnvVar, source: 'DATABASE_URL' };
  const fallback = req.loaded.config.defaultEnvironment;
  if (fallback) return { kind: 'environment', name: fallback };
  return { kind: 'embedded' };
}

/** The embedded database has not been created yet: reading commands treat it as empty rather than create it. */
export function targetIsAbsent(t: ResolvedTarget): boolean {
  return t.target.kind === 'embedded' && !existsSync(t.target.dataDir);
}

export type WriteCommand = 'up' | 'down' | 'redo' | 'resolve' | 'restore' | 'prune' | 'seed';

/** Read-only environments refuse every write; production ones need an explicit --yes. */
export function assertMayWrite(t: ResolvedTarget, command: WriteCommand, yes: boolean): void {
  const env = t.environment;
  if (!env) return;
  if (env.config.readOnly) {
    throw new PgshiftError(
      `environment "${env.name}" is read-only: \`${command}\` would change ${t.description}`,
      {
        hint: 'status, history, validate and --dry-run work on it; remove "readOnly" from the environment to allow writes',
        code: 'read-only',
      },
    );
  }
  if (env.config.production && !yes) {
    throw new PgshiftError(
      `environment "${env.name}" is marked production: \`${command}\` needs --yes to change ${t.description}`,
      {
        hint: `run it again with --yes once you are sure (try \`${command === 'resolve' ? 'pgshift status' : `pgshift ${command === 'redo' ? 'down' : command} --dry-run`}\` first)`,
        code: 'production',
      },
    );
  }
}

function fromUrl(url: string, source: string): ResolvedTarget {
  const target = targetFromUrl(url);
  return { target, description: describeTarget(target), source };
}

function environmentNamed(name: string, loaded: LoadedConfig): EnvironmentConfig {
  const envs = loaded.config.environments;
  const env = envs[name];
  if (!env) {
    const known = Object.keys(envs);
    throw new ConfigError(
      `no environment named "${name}"${loaded.file ? ` in ${loaded.file}` : ' (no pgshift.config.json found)'}`,
      known.length
        ? `known environments: ${known.join(', ')}`
        : 'add it under "environments" in pgshift.config.json',
    );
  }
  return env;
}

function fromEnvironment(name: string, req: TargetRequest): ResolvedTarget {
  const env = environmentNamed(name, req.loaded);
  const source = `environment "${name}"`;
  const password = (env.passwordEnv ? req.environ[env.passwordEnv] || undefined : undefined) ?? req.password;
  let target: ConnectionTarget;
  if (env.urlEnv) {
    const url = req.environ[env.urlEnv];
    if (!url || !url.trim()) {
      throw new ConfigError(
        `${source} reads its URL from $${env.urlEnv}, which is not set`,
        `export ${env.urlEnv}=postgres://user@host:5432/database`,
      );
    }
    target = withPassword(targetFromUrl(url), password);
  } else if (env.url) {
    target = withPassword(targetFromUrl(env.url), password);
  } else {
    target = {
      kind: 'params',
      host: env.host,
      port: env.port,
      database: env.database,
      user: env.user,
      sslmode: env.sslmode,
      password,
    };
  }
  return { target, description: describeTarget(target), source, environment: { name, config: env } };
}

function withPassword(target: ConnectionTarget, password: string | undefined): ConnectionTarget {
  if (!password || target.kind !== 'url') return target;
  const u = new URL(target.url);
  if (u.password) return target;
  u.password = encodeURIComponent(password);
  return { kind: 'url', url: u.toString() };
}
