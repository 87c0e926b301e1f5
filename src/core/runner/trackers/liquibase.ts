/**
 * Liquibase: databasechangelog and databasechangeloglock, as Liquibase creates and writes them on
 * PostgreSQL (liquibase-standard: CreateDatabaseChangeLogTableGenerator, CreateDatabaseChangeLogLock
 * TableGenerator, InitializeDatabaseChangeLogLockTableGenerator, MarkChangeSetRanGenerator,
 * RemoveChangeSetRanStatusGenerator, LockDatabaseChangeLogGenerator, UnlockDatabaseChangeLogGenerator,
 * StandardChangeLogHistoryService). Liquibase's unquoted upper-case names are lower-case in PostgreSQL.
 * A changeset is applied when a row has its FILENAME, ID and AUTHOR (compared case-insensitively);
 * EXECUTED, RERAN and MARK_RAN all count (Liquibase writes no row for a failed one). Liquibase applies
 * its own changelogs (`liquibase update`): pgshift only does when runner.runFrameworkMigrations
 * allows it, and then writes the row Liquibase would, holding databasechangeloglock as Liquibase does.
 */
import { hostname } from 'node:os';
import type { Driver } from '../../db/driver';
import { PgshiftError } from '../../errors';
import { changeSetIdentity, checksumStillValid } from '../../migrations/liquibase';
import type { Migration } from '../../migrations/model';
import type { Write } from '../write';
import { qualified } from './sql';
import type { ForeignRecord, ForeignTable, Tracker, TrackerWriter } from './types';

export const LIQUIBASE_TABLE = 'databasechangelog';
export const LIQUIBASE_LOCK_TABLE = 'databasechangeloglock';
/** LIQUIBASE column: the newest tagged release of the Liquibase source these writes were read from */
export const LIQUIBASE_VERSION = '5.0.4';

/** The record "version" of a changeset: FILENAME::ID::AUTHOR, as Liquibase prints a changeset. */
function recordVersion(filename: string, id: string, author: string): string {
  return `${filename}::${id}::${author}`;
}

export function liquibaseRecordVersion(m: Migration): string {
  const cs = m.changeSet;
  return cs ? recordVersion(cs.filename, cs.id, cs.author) : m.version;
}

/** Liquibase's DEPLOYMENT_ID: the last 10 digits of the run's start in epoch milliseconds (Scope.generateDeploymentId). */
export function deploymentId(now = Date.now()): string {
  const s = String(now);
  return s.length > 9 ? s.slice(-10) : s.padStart(10, '0');
}

export const liquibaseTracker: Tracker = {
  kind: 'liquibase',
  tables: [LIQUIBASE_TABLE],
  layouts: ['liquibase'],
  owns: (_t, cols) => cols.includes('orderexecuted') && cols.includes('md5sum') && cols.includes('author'),
  async read(driver, t) {
    const r = await driver.query<{
      id: string;
      author: string;
      filename: string;
      md5sum: string | null;
      at: string | null;
    }>(
      `SELECT id, author, filename, md5sum, to_char(dateexecuted, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS at
         FROM ${qualified(t)} ORDER BY dateexecuted, orderexecuted`,
    );
    const records: ForeignRecord[] = r.rows.map((row) => ({
      version: recordVersion(row.filename, row.id, row.author),
      name: `${row.author}:${row.id}`,
      appliedAt: row.at,
      executionMs: null,
      success: true,
      ...(row.md5sum !== null ? { checksum: row.md5sum } : {}),
    }));
    return { table: t, records };
  },
  key: (v) => {
    const parts = v.split('::');
    return parts.length >= 3
      ? changeSetIdentity(parts.slice(0, -2).join('::'), parts[parts.length - 2], parts[parts.length - 1])
      : v;
  },
  recordVersion: liquibaseRecordVersion,
  scriptChecksum: (m) => m.changeSet?.checksum ?? m.up.checksum,
  checksumMatches: (m, recorded) => (m.changeSet ? checksumStillValid(m.changeSet, recorded) : false),
  create: (schema) => [...createLockTable(schema), createChangeLogTable(schema)],
  lock: (driver, t) => takeLiquibaseLock(driver, t.schema),
  readOnly: { command: 'liquibase update', overridable: true },
  writer: (t) => new LiquibaseWriter(t),
};

/** databasechangelog as Liquibase creates it on PostgreSQL (no primary key, as Liquibase has none). */
export function createChangeLogTable(schema: string): string {
  return `CREATE TABLE ${qualified({ schema, table: LIQUIBASE_TABLE })} (ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL, FILENAME VARCHAR(255) NOT NULL, DATEEXECUTED TIMESTAMP WITHOUT TIME ZONE NOT NULL, ORDEREXECUTED INTEGER NOT NULL, EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35), DESCRIPTION VARCHAR(255), COMMENTS VARCHAR(255), TAG VARCHAR(255), LIQUIBASE VARCHAR(20), CONTEXTS VARCHAR(255), LABELS VARCHAR(255), DEPLOYMENT_ID VARCHAR(10))`;
}

/**
 * databasechangeloglock as Liquibase creates and initialises it (one row, id 1, not locked). Liquibase
 * creates it before databasechangelog, so it may be there alone: then it is kept, and a lock in it too.
 */
export function createLockTable(schema: string): string[] {
  const q = qualified({ schema, table: LIQUIBASE_LOCK_TABLE });
  return [
    `CREATE TABLE IF NOT EXISTS ${q} (ID INTEGER NOT NULL, LOCKED BOOLEAN NOT NULL, LOCKGRANTED TIMESTAMP WITHOUT TIME ZONE, LOCKEDBY VARCHAR(255), CONSTRAINT databasechangeloglock_pkey PRIMARY KEY (ID))`,
    `INSERT INTO ${q} (ID, LOCKED) SELECT 1, FALSE WHERE NOT EXISTS (SELECT 1 FROM ${q} WHERE ID = 1)`,
  ];
}

/**
 * Takes databasechangeloglock as Liquibase's StandardLockService does (UPDATE … SET LOCKED = TRUE
 * WHERE ID = 1 AND LOCKED = FALSE, committed at once so other Liquibase runs see it), creating the
 * table first when the database has none. A lock already held is refused: it means a Liquibase run
 * is under way, or one died holding it. Returns the release.
 */
export async function takeLiquibaseLock(driver: Driver, schema: string): Promise<() => Promise<void>> {
  const q = qualified({ schema, table: LIQUIBASE_LOCK_TABLE });
  for (const sql of createLockTable(schema)) await driver.query(sql);
  const took = await driver.query<{ id: number }>(
    `UPDATE ${q} SET LOCKED = TRUE, LOCKGRANTED = NOW(), LOCKEDBY = $1 WHERE ID = 1 AND LOCKED = FALSE RETURNING ID AS id`,
    [`${hostname()} (pgshift)`.slice(0, 255)],
  );
  if (!took.rows.length) {
    const held = await driver.query<{ by: string | null; at: string | null }>(
      `SELECT LOCKEDBY AS by, to_char(LOCKGRANTED, 'YYYY-MM-DD HH24:MI:SS') AS at FROM ${q} WHERE ID = 1`,
    );
    const h = held.rows[0];
    throw new PgshiftError(
      `nothing was run: Liquibase's lock (${schema}.${LIQUIBASE_LOCK_TABLE}) is held${h?.by ? ` by ${h.by}` : ''}${h?.at ? ` since ${h.at}` : ''}`,
      {
        hint: 'a Liquibase update is running, or one died holding the lock: when none is running, run `liquibase release-locks`',
        code: 'tool-locked',
        exitCode: 1,
      },
    );
  }
  return async () => {
    await driver.query(`UPDATE ${q} SET LOCKED = FALSE, LOCKGRANTED = NULL, LOCKEDBY = NULL WHERE ID = 1`);
  };
}

class LiquibaseWriter implements TrackerWriter {
  /** one per run, as Liquibase has one per update */
  private readonly deployment = deploymentId();
  constructor(private readonly t: ForeignTable) {}

  async started(): Promise<void> {}

  stepWrites(direction: 'up' | 'down', m: Migration): Write[] {
    const q = qualified(this.t);
    const cs = m.changeSet;
    if (!cs) return [];
    if (direction === 'down')
      return [
        {
          sql: `DELETE FROM ${q} WHERE ID = $1 AND AUTHOR = $2 AND FILENAME = $3`,
          params: [cs.id, cs.author, cs.filename],
        },
      ];
    // ORDEREXECUTED: Liquibase reads MAX(ORDEREXECUTED) once and counts on; one step after another
    // reading it again gives the same numbers
    return [
      {
        sql: `INSERT INTO ${q} (ID, AUTHOR, FILENAME, DATEEXECUTED, ORDEREXECUTED, MD5SUM, DESCRIPTION, COMMENTS, EXECTYPE, CONTEXTS, LABELS, LIQUIBASE, DEPLOYMENT_ID)
              SELECT $1::varchar, $2::varchar, $3::varchar, NOW(), COALESCE(MAX(ORDEREXECUTED), 0) + 1, $4::varchar, 'sql', $5::varchar, 'EXECUTED', $6::varchar, $7::varchar, $8::varchar, $9::varchar
                FROM ${q}`,
        params: [
          cs.id,
          cs.author,
          cs.filename,
          cs.checksum,
          cs.comments,
          cs.contexts,
          cs.labels,
          LIQUIBASE_VERSION,
          this.deployment,
        ],
      },
    ];
  }

  // Liquibase marks no row for a failed changeset (MarkChangeSetRanGenerator skips FAILED)
  async failed(): Promise<void> {}
}
