/**
 * The checkpoint of a migration that holds batches: which statement it is at and, inside a batched
 * statement, the last key done and the rows done. Each batch writes it in its own transaction, so a
 * crash leaves every finished batch recorded and none half-done, and the next `up` continues from it.
 * One row per (version, direction) while the migration is unfinished; deleted when it completes.
 */
import { relationExists, type Driver, type PipelineStep } from '../db/driver';
import { quoteIdent } from './settings';

export interface Checkpoint {
  version: string;
  direction: 'up' | 'down';
  /** sha256 of the script it belongs to: a changed file does not continue an old checkpoint */
  checksum: string;
  /** index of the statement to run next (the ones before it are done) */
  statement: number;
  /** inside a batched statement: the last key done (as text), null before its first batch */
  lastKey: string | null;
  rowsDone: number;
  rowsTotal: number | null;
  batches: number;
  updatedAt: string;
}

export class CheckpointTable {
  readonly qualified: string;

  constructor(schema: string) {
    this.qualified = `${quoteIdent(schema)}.progress`;
  }

  /** Call while holding the migration lock, after the history table exists. */
  async ensure(driver: Driver): Promise<void> {
    await driver.exec(`
      CREATE TABLE IF NOT EXISTS ${this.qualified} (
        version text NOT NULL,
        direction text NOT NULL CHECK (direction IN ('up', 'down')),
        checksum text NOT NULL,
        statement integer NOT NULL DEFAULT 0,
        last_key text,
        rows_done bigint NOT NULL DEFAULT 0,
        rows_total bigint,
        batches integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (version, direction)
      );
      COMMENT ON TABLE ${this.qualified} IS 'pgshift: checkpoints of migrations with batched statements that have not finished';`);
  }

  /** Every unfinished checkpoint; none when the table does not exist. */
  async read(driver: Driver): Promise<Checkpoint[]> {
    if (!(await relationExists(driver, this.qualified))) return [];
    const r = await driver.query<Record<string, unknown>>(
      `SELECT version, direction, checksum, statement, last_key, rows_done::text AS rows_done,
              rows_total::text AS rows_total, batches, updated_at::text AS updated_at
         FROM ${this.qualified} ORDER BY version`,
    );
    return r.rows.map((x) => ({
      version: String(x.version),
      direction: x.direction === 'down' ? 'down' : 'up',
      checksum: String(x.checksum),
      statement: Number(x.statement),
      lastKey: x.last_key == null ? null : String(x.last_key),
      rowsDone: Number(x.rows_done),
      rowsTotal: x.rows_total == null ? null : Number(x.rows_total),
      batches: Number(x.batches),
      updatedAt: String(x.updated_at),
    }));
  }

  /** A fresh checkpoint at the first statement (replacing one of an older version of the file). */
  async start(driver: Driver, version: string, direction: 'up' | 'down', checksum: string): Promise<void> {
    await driver.query(
      `INSERT INTO ${this.qualified} (version, direction, checksum) VALUES ($1, $2, $3)
       ON CONFLICT (version, direction) DO UPDATE SET checksum = $3, statement = 0, last_key = NULL,
         rows_done = 0, rows_total = NULL, batches = 0, updated_at = clock_timestamp()`,
      [version, direction, checksum],
    );
  }

  /** The statement before `next` is done. */
  async statementDone(driver: Driver, version: string, direction: string, next: number): Promise<void> {
    await driver.query(
      `UPDATE ${this.qualified} SET statement = $3, last_key = NULL, rows_done = 0, rows_total = NULL,
         batches = 0, updated_at = clock_timestamp() WHERE version = $1 AND direction = $2`,
      [version, direction, next],
    );
  }

  /**
   * Drops the checkpoints of a migration (both directions) that `resolve` settled by hand: a later
   * run must start over, not continue from a key the person has decided no longer counts.
   */
  async discard(driver: Driver, versions: readonly string[]): Promise<number> {
    if (!(await relationExists(driver, this.qualified))) return 0;
    const r = await driver.query(`DELETE FROM ${this.qualified} WHERE version = ANY($1::text[])`, [
      [...new Set(versions)],
    ]);
    return r.rowCount ?? 0;
  }

  /** Sent in the transaction that records the migration as done. */
  finishedWrite(version: string, direction: string): PipelineStep {
    return {
      sql: `DELETE FROM ${this.qualified} WHERE version = $1 AND direction = $2`,
      params: [version, direction],
    };
  }
}
