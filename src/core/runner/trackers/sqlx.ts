/**
 * sqlx: _sqlx_migrations, one row per applied version (sqlx-postgres migrate.rs): version bigint
 * primary key, description (the file name's description, `_` as spaces), installed_on, success,
 * checksum bytea = SHA-384 of the up file, execution_time bigint in nanoseconds. A revert deletes
 * the row; a row with success false is a dirty (half-done) version, which sqlx refuses to go past.
 */
import { createHash } from 'node:crypto';
import type { Migration } from '../../migrations/model';
import type { Write } from '../write';
import { qualified } from './sql';
import type { ForeignTable, Tracker, TrackerWriter } from './types';

export const SQLX_TABLE = '_sqlx_migrations';

/** sqlx's checksum: SHA-384 of the migration's SQL, hex here (bytea in the table). */
export function sqlxChecksum(m: Migration): string {
  return createHash('sha384').update(Buffer.from(m.up.sql, 'utf8')).digest('hex');
}

export const sqlxTracker: Tracker = {
  kind: 'sqlx',
  tables: [SQLX_TABLE],
  layouts: ['sqlx'],
  owns: (_t, cols) =>
    cols.includes('version') && cols.includes('execution_time') && cols.includes('checksum'),
  async read(driver, t) {
    const r = await driver.query<{
      version: string;
      success: boolean;
      at: string;
      ns: string;
      checksum: string;
    }>(
      `SELECT version::text AS version, success, execution_time::text AS ns, encode(checksum, 'hex') AS checksum,
              to_char(installed_on, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS at
         FROM ${qualified(t)} ORDER BY version`,
    );
    return {
      table: t,
      records: r.rows.map((x) => ({
        version: x.version,
        appliedAt: x.at,
        executionMs: Number(x.ns) >= 0 ? Math.round(Number(x.ns) / 1e6) : null,
        success: x.success,
        checksum: x.checksum,
      })),
    };
  },
  key: (v) => (/^\d+$/.test(v) ? BigInt(v).toString() : v),
  scriptChecksum: sqlxChecksum,
  create: (schema) => [
    `CREATE TABLE IF NOT EXISTS ${qualified({ schema, table: SQLX_TABLE })} (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
)`,
  ],
  writer: (t) => new SqlxWriter(t),
};

class SqlxWriter implements TrackerWriter {
  constructor(private readonly t: ForeignTable) {}

  async started(): Promise<void> {}

  stepWrites(direction: 'up' | 'down', m: Migration, executionMs: number | 'server'): Write[] {
    const q = qualified(this.t);
    if (direction === 'down')
      return [{ sql: `DELETE FROM ${q} WHERE version = $1::bigint`, params: [m.version] }];
    return [
      {
        sql: `INSERT INTO ${q} (version, description, success, checksum, execution_time)
              VALUES ($1::bigint, $2, TRUE, decode($3, 'hex'), COALESCE($4::bigint, (EXTRACT(EPOCH FROM clock_timestamp() - now()) * 1e9)::bigint))`,
        params: [
          m.version,
          m.name.replace(/_/g, ' '),
          sqlxChecksum(m),
          executionMs === 'server' ? null : String(Math.round(executionMs * 1e6)),
        ],
      },
    ];
  }

  // a script outside a transaction that failed leaves no row (sqlx records only what finished)
  async failed(): Promise<void> {}
}
