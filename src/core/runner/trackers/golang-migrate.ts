/** golang-migrate: schema_migrations(version bigint, dirty bool), one row = the current version. */
import type { Driver } from '../../db/driver';
import { runWrite, type Write } from '../write';
import { qualified } from './sql';
import { numericKey, type ForeignTable, type Tracker, type TrackerWriter } from './types';

export const golangMigrateTracker: Tracker = {
  kind: 'golang-migrate',
  tables: ['schema_migrations'],
  owns: (table, cols) => table === 'schema_migrations' && cols.includes('version') && cols.includes('dirty'),
  async read(driver, t) {
    const r = await driver.query<{ version: string; dirty: boolean }>(
      `SELECT version::text AS version, dirty FROM ${qualified(t)} LIMIT 1`,
    );
    const row = r.rows[0];
    if (!row || Number(row.version) < 0) return { table: t, records: [] };
    return {
      table: t,
      records: [{ version: row.version, appliedAt: null, executionMs: null, success: !row.dirty }],
      upTo: row.version,
    };
  },
  key: (v) => numericKey(v)?.toString() ?? `?${v}`,
  below(version, upTo) {
    const a = numericKey(version);
    const b = numericKey(upTo);
    return a !== undefined && b !== undefined && a < b;
  },
  writer: (t) => new GolangMigrateWriter(t),
};

class GolangMigrateWriter implements TrackerWriter {
  constructor(private readonly t: ForeignTable) {}

  async started(driver: Driver, m: { version: string }): Promise<void> {
    await this.set(driver, m.version, true);
  }

  // golang-migrate stores only the newest applied version; an out-of-order migration does not move it back, and a down may leave none
  stepWrites(
    direction: 'up' | 'down',
    m: { version: string },
    _ms: number | 'server',
    latestApplied: string | undefined,
  ): Write[] {
    const v = direction === 'up' ? (latestApplied ?? m.version) : latestApplied;
    return v === undefined
      ? [{ sql: `DELETE FROM ${qualified(this.t)}`, params: [] }]
      : this.writes(v, false);
  }

  async failed(driver: Driver, m: { version: string }): Promise<void> {
    await this.set(driver, m.version, true);
  }

  private async set(driver: Driver, version: string, dirty: boolean): Promise<void> {
    for (const w of this.writes(version, dirty)) await runWrite(driver, w);
  }

  /** The one row replaced: two statements, as the order of two writes on one table inside one statement is not defined. */
  private writes(version: string, dirty: boolean): Write[] {
    const q = qualified(this.t);
    return [
      { sql: `DELETE FROM ${q}`, params: [] },
      { sql: `INSERT INTO ${q} (version, dirty) VALUES ($1::bigint, $2)`, params: [version, dirty] },
    ];
  }
}
