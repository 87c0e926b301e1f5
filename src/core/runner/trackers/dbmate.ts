/** dbmate: schema_migrations(version varchar), one row per applied version. */
import type { Write } from '../write';
import { qualified } from './sql';
import type { ForeignTable, Tracker, TrackerWriter } from './types';

export const dbmateTracker: Tracker = {
  kind: 'dbmate',
  tables: ['schema_migrations'],
  owns: (table, cols) => table === 'schema_migrations' && cols.includes('version') && !cols.includes('dirty'),
  async read(driver, t) {
    const r = await driver.query<{ version: string }>(`SELECT version::text AS version FROM ${qualified(t)}`);
    return {
      table: t,
      records: r.rows.map((x) => ({ version: x.version, appliedAt: null, executionMs: null, success: true })),
    };
  },
  key: (v) => v,
  writer: (t) => new DbmateWriter(t),
};

class DbmateWriter implements TrackerWriter {
  constructor(private readonly t: ForeignTable) {}

  async started(): Promise<void> {}

  stepWrites(direction: 'up' | 'down', m: { version: string }): Write[] {
    const q = qualified(this.t);
    return [
      direction === 'up'
        ? { sql: `INSERT INTO ${q} (version) VALUES ($1) ON CONFLICT DO NOTHING`, params: [m.version] }
        : { sql: `DELETE FROM ${q} WHERE version = $1`, params: [m.version] },
    ];
  }

  // dbmate has no way to say "half-done": pgshift's own history holds that truth.
  async failed(): Promise<void> {}
}
