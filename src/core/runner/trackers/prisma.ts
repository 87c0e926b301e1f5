/**
 * Prisma Migrate: _prisma_migrations, one row per attempt of a migration folder, as Prisma's schema
 * engine writes it (prisma-engines, schema-engine/connectors/sql-schema-connector, Postgres flavour):
 *   id varchar(36) (a UUID), checksum varchar(64) (sha256 hex of migration.sql), finished_at,
 *   migration_name varchar(255) (the folder name), logs, rolled_back_at, started_at, applied_steps_count.
 * A migration is applied when a row of its name has finished_at and no rolled_back_at; a row with
 * neither is a failed attempt; rolled-back rows are ignored (`prisma migrate resolve --rolled-back`).
 * Prisma applies its own migrations (`prisma migrate deploy`): pgshift only does when
 * runner.runFrameworkMigrations allows it, and then writes the row Prisma would.
 */
import { randomUUID } from 'node:crypto';
import { basename, dirname } from 'node:path';
import type { Driver } from '../../db/driver';
import type { Migration } from '../../migrations/model';
import { runWrite, type Write } from '../write';
import { qualified } from './sql';
import type { ForeignRecord, ForeignTable, Tracker, TrackerWriter } from './types';

export const PRISMA_TABLE = '_prisma_migrations';

export const prismaTracker: Tracker = {
  kind: 'prisma',
  tables: [PRISMA_TABLE],
  layouts: ['prisma'],
  owns: (_table, cols) => cols.includes('migration_name') && cols.includes('rolled_back_at'),
  async read(driver, t) {
    const r = await driver.query<{
      migration_name: string;
      checksum: string;
      finished: string | null;
      rolled_back: boolean;
      ms: number | null;
    }>(
      `SELECT migration_name, checksum, rolled_back_at IS NOT NULL AS rolled_back,
              to_char(finished_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS finished,
              (EXTRACT(EPOCH FROM finished_at - started_at) * 1000)::integer AS ms
         FROM ${qualified(t)} ORDER BY started_at, migration_name`,
    );
    const byName = new Map<string, ForeignRecord>();
    for (const row of r.rows) {
      if (row.rolled_back) continue;
      const { version, name } = splitName(row.migration_name);
      const rec: ForeignRecord = {
        version,
        name,
        appliedAt: row.finished,
        executionMs: row.ms,
        success: row.finished !== null,
        checksum: row.checksum,
      };
      const seen = byName.get(row.migration_name);
      // a finished row wins over failed attempts of the same migration (Prisma reads it as applied)
      if (!seen || (!seen.success && rec.success)) byName.set(row.migration_name, rec);
    }
    return { table: t, records: [...byName.values()] };
  },
  key: (v) => v,
  create: (schema) => [
    `CREATE TABLE IF NOT EXISTS ${qualified({ schema, table: PRISMA_TABLE })} (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`,
  ],
  readOnly: { command: 'prisma migrate deploy', overridable: true },
  writer: (t) => new PrismaWriter(t),
};

/** '20230101000000_init' → version '20230101000000', name 'init' (the folder name, as discovery splits it). */
function splitName(migrationName: string): { version: string; name: string } {
  const m = /^(\d+)_(.*)$/s.exec(migrationName);
  return m ? { version: m[1], name: m[2] } : { version: migrationName, name: '' };
}

/** The folder name Prisma records: the folder of migration.sql. */
export function prismaMigrationName(m: Migration): string {
  return m.up.file ? basename(dirname(m.up.file)) : `${m.version}_${m.name}`;
}

class PrismaWriter implements TrackerWriter {
  constructor(private readonly t: ForeignTable) {}

  /** Prisma inserts the row (started_at, no finished_at) before it runs the script. */
  async started(driver: Driver, m: Migration): Promise<void> {
    await driver.query(
      `INSERT INTO ${qualified(this.t)} (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, clock_timestamp(), 0)`,
      [randomUUID(), m.up.checksum, prismaMigrationName(m)],
    );
  }

  stepWrites(direction: 'up' | 'down', m: Migration): Write[] {
    const q = qualified(this.t);
    const name = prismaMigrationName(m);
    if (direction === 'down')
      // Prisma has no down migrations; what it knows is `migrate resolve --rolled-back`
      return [
        {
          sql: `UPDATE ${q} SET rolled_back_at = clock_timestamp() WHERE migration_name = $1 AND rolled_back_at IS NULL`,
          params: [name],
        },
      ];
    return [
      // the row started() inserted (a script run outside a transaction), finished as Prisma finishes it
      {
        sql: `UPDATE ${q} SET finished_at = clock_timestamp(), applied_steps_count = 1
               WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL AND logs IS NULL`,
        params: [name],
      },
      // else one row for the whole transaction: started when it began, finished now
      {
        sql: `INSERT INTO ${q} (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
              SELECT $1::varchar, $2::varchar, clock_timestamp(), $3::varchar, NULL, NULL, now(), 1
               WHERE NOT EXISTS (SELECT 1 FROM ${q} WHERE migration_name = $3::varchar AND finished_at IS NOT NULL AND rolled_back_at IS NULL)`,
        params: [randomUUID(), m.up.checksum, name],
      },
    ];
  }

  /** The attempt stays unfinished, with a log line, as Prisma leaves a failed migration. */
  async failed(driver: Driver, m: Migration): Promise<void> {
    await runWrite(driver, {
      sql: `UPDATE ${qualified(this.t)} SET logs = $2
             WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL AND logs IS NULL`,
      params: [
        prismaMigrationName(m),
        'failed while applied by pgshift: see `pgshift status` and pgshift history',
      ],
    });
  }

  /** As `prisma migrate resolve --applied` / `--rolled-back` do. */
  async resolved(driver: Driver, m: Migration, as: 'applied' | 'rolled-back'): Promise<'done'> {
    const q = qualified(this.t);
    const name = prismaMigrationName(m);
    if (as === 'rolled-back') {
      await driver.query(
        `UPDATE ${q} SET rolled_back_at = now() WHERE migration_name = $1 AND rolled_back_at IS NULL`,
        [name],
      );
      return 'done';
    }
    // failed attempts are marked rolled back, then one row says applied, with no steps run
    await driver.query(
      `UPDATE ${q} SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL`,
      [name],
    );
    await driver.query(
      `INSERT INTO ${q} (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
       SELECT $1::varchar, $2::varchar, now(), $3::varchar, now(), 0
        WHERE NOT EXISTS (SELECT 1 FROM ${q} WHERE migration_name = $3::varchar AND finished_at IS NOT NULL AND rolled_back_at IS NULL)`,
      [randomUUID(), m.up.checksum, name],
    );
    return 'done';
  }
}
