/** Flyway: flyway_schema_history, one row per applied script (UNDO_SQL rows for undos). */
import { basename } from 'node:path';
import type { Driver } from '../../db/driver';
import type { Migration } from '../../migrations/model';
import { SERVER_ELAPSED_MS } from '../history';
import { runWrite, type Write } from '../write';
import { qualified } from './sql';
import type { ForeignRecord, ForeignTable, Tracker, TrackerWriter } from './types';

export const flywayTracker: Tracker = {
  kind: 'flyway',
  tables: ['flyway_schema_history'],
  owns: (table, cols) => table === 'flyway_schema_history' && cols.includes('installed_rank'),
  async read(driver, t) {
    const r = await driver.query<{
      version: string | null;
      type: string;
      success: boolean;
      installed_on: string;
      execution_time: number | null;
    }>(
      `SELECT version, type, success, execution_time,
              to_char(installed_on, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS installed_on
         FROM ${qualified(t)} ORDER BY installed_rank`,
    );
    const latest = new Map<string, ForeignRecord | null>();
    let upTo: string | undefined;
    for (const row of r.rows) {
      if (row.version === null || row.type === 'SCHEMA' || row.type === 'DELETE') continue;
      const key = flywayKey(row.version);
      if (row.type === 'BASELINE' || row.type === 'SQL_BASELINE') upTo = row.version;
      if (row.type === 'UNDO_SQL' && row.success) latest.set(key, null);
      else
        latest.set(key, {
          version: row.version,
          appliedAt: row.installed_on,
          executionMs: row.execution_time,
          success: row.success,
        });
    }
    return { table: t, records: [...latest.values()].filter((x): x is ForeignRecord => x !== null), upTo };
  },
  key: flywayKey,
  below(version, upTo) {
    const a = flywayKey(version).split('.').map(Number);
    const b = flywayKey(upTo).split('.').map(Number);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = (a[i] ?? 0) - (b[i] ?? 0);
      if (d !== 0) return d < 0;
    }
    return true;
  },
  writer: (t) => new FlywayWriter(t),
};

/** Flyway compares versions numerically per part: '1.01' = '1.1', '1_2' = '1.2', '1.0' = '1'. */
function flywayKey(v: string): string {
  const parts = v.split(/[._]/).map((p) => (/^\d+$/.test(p) ? String(BigInt(p)) : p));
  while (parts.length > 1 && parts[parts.length - 1] === '0') parts.pop();
  return parts.join('.');
}

class FlywayWriter implements TrackerWriter {
  constructor(private readonly t: ForeignTable) {}

  async started(): Promise<void> {}

  stepWrites(direction: 'up' | 'down', m: Migration, executionMs: number | 'server'): Write[] {
    return [this.write(m, direction === 'up' ? 'SQL' : 'UNDO_SQL', executionMs, true)];
  }

  async failed(driver: Driver, m: Migration, direction: 'up' | 'down', executionMs: number): Promise<void> {
    await runWrite(driver, this.write(m, direction === 'up' ? 'SQL' : 'UNDO_SQL', executionMs, false));
  }

  async resolved(driver: Driver, m: Migration, as: 'applied' | 'rolled-back'): Promise<'done'> {
    // What `flyway repair` does with failed rows: remove them; then say what the person declared.
    await driver.query(`DELETE FROM ${qualified(this.t)} WHERE version = $1 AND NOT success`, [m.version]);
    const snapshot = await flywayTracker.read(driver, this.t);
    const key = flywayKey(m.version);
    const rec = snapshot.records.find((r) => flywayKey(r.version) === key);
    const applied =
      (rec?.success ?? false) ||
      (!rec && snapshot.upTo !== undefined && flywayTracker.below!(m.version, snapshot.upTo));
    if (as === 'applied' && !applied) await runWrite(driver, this.write(m, 'SQL', 0, true));
    if (as === 'rolled-back' && applied) await runWrite(driver, this.write(m, 'UNDO_SQL', 0, true));
    return 'done';
  }

  /** executionMs 'server': measured by the server when the row is written, like the history row's. */
  private write(
    m: Migration,
    type: 'SQL' | 'UNDO_SQL',
    executionMs: number | 'server',
    success: boolean,
  ): Write {
    const script = type === 'UNDO_SQL' ? m.down : m.up;
    const q = qualified(this.t);
    return {
      sql: `INSERT INTO ${q}
         (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
       SELECT COALESCE(MAX(installed_rank), 0) + 1, $1, $2, $3, $4, $5, current_user, COALESCE($6, ${SERVER_ELAPSED_MS}), $7 FROM ${q}`,
      params: [
        m.repeatable ? null : m.version,
        m.name.replace(/_/g, ' '),
        type,
        script ? basename(script.file) : m.name,
        script ? flywayChecksum(script.sql) : null,
        executionMs === 'server' ? null : Math.round(executionMs),
        success,
      ],
    };
  }
}

/** Flyway's checksum: CRC-32 over the UTF-8 bytes of each line without its line break, BOM dropped, as a signed int. */
export function flywayChecksum(text: string): number {
  // Line breaks never reach the CRC, so empty lines and the final newline change nothing.
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let crc = 0xffffffff;
  for (const line of lines) {
    for (const b of Buffer.from(line, 'utf8')) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) | 0;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();
