/**
 * A transactional migration is sent as ONE simple-protocol message: BEGIN, its timeouts, and all of its
 * statements. That costs one round trip instead of one per statement (what makes a run of hundreds of
 * small migrations as fast as dbmate's), and PostgreSQL still runs and times each statement on its own.
 * When the batch fails, the failing statement is found from the error position, or else by replaying the
 * statements one by one in a transaction that is rolled back, like the failed attempt itself was.
 */
import { DbError, type Driver } from '../db/driver';
import type { RunnerSettings } from './settings';
import type { ScriptStatement } from './statements';

export interface Batch {
  sql: string;
  /** character offset of each statement within `sql` */
  starts: number[];
  statements: ScriptStatement[];
  /**
   * true: `sql` starts with BEGIN and the timeouts. false: a timeout value is not a plain duration, so
   * the caller sends BEGIN and sets the timeouts with parameters first; `sql` holds the statements only.
   */
  selfContained: boolean;
}

export interface Located {
  stmt: ScriptStatement;
  /** the server's error position within the statement (1-based characters), when it gave one */
  position?: number;
  error: DbError;
}

const PLAIN_DURATION = /^\d+\s*(us|ms|s|min|h|d)?$/;

/**
 * `before(i)`: SQL to run right before statement i (the backup of what it destroys), sent in the same
 * message; the statements' offsets stay theirs.
 */
export function buildBatch(
  settings: RunnerSettings,
  statements: readonly ScriptStatement[],
  before?: (i: number) => string | undefined,
): Batch {
  const values = [
    ['lock_timeout', settings.lockTimeout],
    ['statement_timeout', settings.statementTimeout],
  ] as const;
  const selfContained = values.every(([, v]) => v === null || PLAIN_DURATION.test(v));
  let sql = '';
  if (selfContained) {
    const head = ['BEGIN'];
    for (const [name, v] of values) if (v !== null) head.push(`SELECT set_config('${name}', '${v}', true)`);
    sql = head.join(';\n') + ';\n';
  }
  const starts: number[] = [];
  for (const [i, s] of statements.entries()) {
    const extra = before?.(i);
    if (extra) sql += extra + ';\n';
    starts.push(sql.length);
    sql += s.sql + ';\n';
  }
  return { sql, starts, statements: [...statements], selfContained };
}

/** The statement an error position points into, if the error has one inside a statement. */
export function locateByPosition(batch: Batch, err: DbError): Located | undefined {
  if (!err.position) return undefined;
  const at = err.position - 1;
  for (let i = batch.statements.length - 1; i >= 0; i--) {
    if (at >= batch.starts[i]) {
      const stmt = batch.statements[i];
      return at - batch.starts[i] <= stmt.sql.length
        ? { stmt, position: at - batch.starts[i] + 1, error: err }
        : undefined;
    }
  }
  return undefined;
}

/** Errors a replay would only repeat at a cost or could not reproduce: the connection is gone, or the user cancelled. */
export function worthReplaying(err: DbError): boolean {
  if (!err.code) return false;
  return !/^(08|57P)/.test(err.code);
}

/** Runs the statements one by one in a transaction that is always rolled back, to find the one that fails. */
export async function locateByReplay(
  driver: Driver,
  batch: Batch,
  setTimeouts: () => Promise<void>,
): Promise<Located | undefined> {
  try {
    await driver.exec('BEGIN');
    await setTimeouts();
    for (const stmt of batch.statements) {
      try {
        await driver.exec(stmt.sql);
      } catch (e) {
        const error = e instanceof DbError ? e : new DbError(e instanceof Error ? e.message : String(e));
        return { stmt, position: error.position, error };
      }
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    await driver.exec('ROLLBACK').catch(() => undefined);
  }
}
