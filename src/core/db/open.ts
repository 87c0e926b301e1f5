import * as path from 'node:path';
import { ConfigError } from '../errors';
import { ConnectionTarget, Driver } from './driver';
import { describePgSettings, openPgDriver, parsePgUrl, resolvePgSettings } from './pg-driver';
import { openPgliteDriver, PgliteDriverOptions } from './pglite-driver';

/** DriverOptions plus what only the embedded driver uses (lockWaitMs). */
export type OpenOptions = PgliteDriverOptions;

/**
 * Opens one session on the target. For 'url' and 'params' targets without a password, the password is
 * looked up only when the server asks for one: PGPASSWORD, then the pgpass file (PGPASSFILE or ~/.pgpass).
 * Failures are DbError with a one-line message that names the target (never the password) and the next step.
 */
export function openDriver(target: ConnectionTarget, opts?: OpenOptions): Promise<Driver> {
  switch (target.kind) {
    case 'embedded':
      return openPgliteDriver(target.dataDir, opts);
    case 'url':
    case 'params':
      return openPgDriver(target, opts);
  }
}

/** 'postgres://app@db.internal:5432/shop' or 'embedded PGlite at /x/.pgshift/db'. Never throws, never shows a password. */
export function describeTarget(target: ConnectionTarget): string {
  if (target.kind === 'embedded') return `embedded PGlite at ${path.resolve(target.dataDir)}`;
  try {
    return describePgSettings(resolvePgSettings(target));
  } catch {
    return target.kind === 'url' ? '(invalid connection URL)' : '(invalid connection settings)';
  }
}

/** Where a project's embedded database lives. */
export function embeddedDataDir(projectRoot: string): string {
  return path.join(path.resolve(projectRoot), '.pgshift', 'db');
}

/** Validates a postgres:// URL; throws PgshiftError (exit code 2) naming what is wrong without echoing the URL. */
export function targetFromUrl(url: string): ConnectionTarget {
  if (!url || !url.trim()) {
    throw new ConfigError('empty connection URL', 'expected postgres://user@host:5432/database');
  }
  parsePgUrl(url);
  return { kind: 'url', url: url.trim() };
}
