/**
 * node-pg-migrate: pgmigrations(id serial, name varchar(255), run_on timestamp), one row per applied
 * migration named by its file name without the extension; a down deletes the row (node-pg-migrate
 * dist/legacy/runner.js and migration.js).
 */
import { basename } from 'node:path';
import type { Migration } from '../../migrations/model';
import type { Write } from '../write';
import { qualified } from './sql';
import type { ForeignTable, Tracker, TrackerWriter } from './types';

export const PGMIGRATIONS_TABLE = 'pgmigrations';

/** The name node-pg-migrate records: the file name without its extension. */
export function pgMigrateName(m: Migration): string {
  return m.up.file ? basename(m.up.file).replace(/\.[^.]*$/, '') : `${m.version}_${m.name}`;
}

export const nodePgMigrateTracker: Tracker = {
  kind: 'node-pg-migrate',
  tables: [PGMIGRATIONS_TABLE],
  layouts: ['node-pg-migrate'],
  owns: (_t, cols) => cols.includes('name') && cols.includes('run_on'),
  async read(driver, t) {
    const r = await driver.query<{ name: string; at: string }>(
      `SELECT name, to_char(run_on, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS at FROM ${qualified(t)} ORDER BY run_on, id`,
    );
    return {
      table: t,
      records: r.rows.map((x) => {
        const m = /^(\d+)[_-](.*)$/s.exec(x.name);
        return {
          version: m ? m[1] : x.name,
          name: m ? m[2] : '',
          appliedAt: x.at,
          executionMs: null,
          success: true,
        };
      }),
    };
  },
  key: (v) => v,
  create: (schema) => [
    `CREATE TABLE ${qualified({ schema, table: PGMIGRATIONS_TABLE })} (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)`,
  ],
  writer: (t) => new NodePgMigrateWriter(t),
};

class NodePgMigrateWriter implements TrackerWriter {
  constructor(private readonly t: ForeignTable) {}

  async started(): Promise<void> {}

  stepWrites(direction: 'up' | 'down', m: Migration): Write[] {
    const q = qualified(this.t);
    return [
      direction === 'up'
        ? { sql: `INSERT INTO ${q} (name, run_on) VALUES ($1, NOW())`, params: [pgMigrateName(m)] }
        : { sql: `DELETE FROM ${q} WHERE name = $1`, params: [pgMigrateName(m)] },
    ];
  }

  // node-pg-migrate has no "half-done" state: pgshift's own history holds that truth
  async failed(): Promise<void> {}
}
