/**
 * The backups in the archive schema: listing them, pruning them (backup.retentionDays, backup.maxBytes)
 * and restoring one into the current schema in one transaction, verified against the checksum recorded
 * when it was made. Restoring never recreates structure: the down migration does that, and a missing
 * table or column is named with that next step.
 */
import { rmSync } from 'node:fs';
import { inTransaction, relationExists, type Driver } from '../db/driver';
import { PgshiftError } from '../errors';
import type { BackupSettings } from './backup';
import { readTracking, type RunnerInput } from './session';
import { quoteIdent, type RunnerSettings } from './settings';
import { appliedVersions } from './state';

export interface BackupObject {
  seq: number;
  kind: 'table' | 'column' | 'rows';
  /** drop, truncate, drop-schema, type-change, update, delete */
  how: string;
  schema: string;
  table: string;
  /** the dropped or changed column */
  column?: string;
  /** the columns an UPDATE set (kind rows, how update) */
  setColumns?: string[];
  /** the key restores match rows on; null: the table had none (whole rows were kept) */
  keyColumns: string[] | null;
  archiveTable: string;
  rows: number;
  bytes: number;
  checksum: string;
}

export interface BackupEntry {
  id: number;
  version: string;
  name: string;
  direction: 'up' | 'down';
  /** the pgshift history row of the attempt it was made for */
  historyId: number | null;
  createdAt: string;
  verified: boolean;
  file: string | null;
  fileVerified: boolean | null;
  restoredAt: string | null;
  objects: BackupObject[];
}

export async function archiveExists(driver: Driver, schema: string): Promise<boolean> {
  return relationExists(driver, `${quoteIdent(schema)}.backup_objects`);
}

/** Every backup, newest first; [] when no migration ever destroyed anything here. */
export async function listBackups(driver: Driver, schema: string, id?: number): Promise<BackupEntry[]> {
  if (!(await archiveExists(driver, schema))) return [];
  const s = quoteIdent(schema);
  const r = await driver.query<Record<string, unknown>>(
    `SELECT b.id, b.version, b.name, b.direction, b.history_id, b.verified, b.file, b.file_verified,
            to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
            to_char(b.restored_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS restored_at,
            coalesce(json_agg(json_build_object('seq', o.seq, 'kind', o.kind, 'how', o.how,
              'schema', o.source_schema, 'table', o.source_table, 'columns', o.columns, 'key', o.key_columns,
              'archive', o.archive_table, 'rows', o.rows, 'bytes', o.bytes, 'checksum', o.checksum)
              ORDER BY o.seq) FILTER (WHERE o.seq IS NOT NULL), '[]') AS objects
       FROM ${s}.backups b LEFT JOIN ${s}.backup_objects o ON o.backup_id = b.id
      ${id !== undefined ? 'WHERE b.id = $1' : ''}
      GROUP BY b.id ORDER BY b.id DESC`,
    id !== undefined ? [id] : [],
  );
  return r.rows.map(toEntry);
}

function toEntry(r: Record<string, unknown>): BackupEntry {
  const raw = (typeof r.objects === 'string' ? JSON.parse(r.objects) : r.objects) as Record<
    string,
    unknown
  >[];
  return {
    id: Number(r.id),
    version: String(r.version),
    name: String(r.name),
    direction: r.direction as 'up' | 'down',
    historyId: r.history_id == null ? null : Number(r.history_id),
    createdAt: String(r.created_at),
    verified: r.verified === true,
    file: (r.file as string | null) ?? null,
    fileVerified: (r.file_verified as boolean | null) ?? null,
    restoredAt: (r.restored_at as string | null) ?? null,
    objects: raw.map((o) => {
      const kind = o.kind as BackupObject['kind'];
      const columns = (o.columns as string[] | null) ?? undefined;
      return {
        seq: Number(o.seq),
        kind,
        how: String(o.how),
        schema: String(o.schema),
        table: String(o.table),
        column: kind === 'column' ? columns?.[0] : undefined,
        setColumns: kind === 'rows' && columns?.length ? columns : undefined,
        keyColumns: (o.key as string[] | null) ?? null,
        archiveTable: String(o.archive),
        rows: Number(o.rows),
        bytes: Number(o.bytes),
        checksum: String(o.checksum),
      };
    }),
  };
}

/** 'users.email (column, dropped)', 'orders (table, truncated)', '120 rows of events (deleted)' */
export function describeObject(o: BackupObject): string {
  const t = o.schema === 'public' ? o.table : `${o.schema}.${o.table}`;
  const how: Record<string, string> = {
    drop: 'dropped',
    truncate: 'truncated',
    'drop-schema': 'dropped with its schema',
    'type-change': 'type changed',
    update: 'updated',
    delete: 'deleted',
  };
  if (o.kind === 'column') return `${t}.${o.column} (column, ${how[o.how] ?? o.how})`;
  if (o.kind === 'rows') return `${o.rows.toLocaleString('en-US')} rows of ${t} (${how[o.how] ?? o.how})`;
  return `${t} (table, ${how[o.how] ?? o.how})`;
}

export interface RestoredObject {
  object: BackupObject;
  what: string;
  /** rows inserted or updated */
  rows: number;
}

export interface RestoreResult {
  id: number;
  dryRun: boolean;
  objects: RestoredObject[];
  /** every object's restored rows match the archive's checksum */
  verified: boolean;
  ms: number;
}

/**
 * Puts backup `id` back into its tables, in one transaction (rolled back for a dry run): dropped or
 * truncated tables and deleted rows are inserted (by key, only the rows that are not there), dropped or
 * changed columns and updated rows are set back by key. Then the restored rows are checksummed and
 * compared with the archive; a mismatch rolls everything back.
 */
export async function restoreBackup(
  driver: Driver,
  schema: string,
  id: number,
  opts: { dryRun?: boolean } = {},
): Promise<RestoreResult> {
  const started = Date.now();
  const [b] = await listBackups(driver, schema, id);
  if (!b)
    throw new PgshiftError(`there is no backup ${id}`, {
      hint: '`pgshift backups` lists them',
      code: 'backup-missing',
    });
  if (!b.verified)
    throw new PgshiftError(`backup ${id} is not usable: it did not finish (its migration never committed)`, {
      hint: '`pgshift backups` lists the verified ones',
      code: 'restore-refused',
    });
  const s = quoteIdent(schema);
  // the archive is what was recorded: nothing changed it since
  for (const o of b.objects) {
    const now = await checksum(driver, s, `SELECT * FROM ${s}.${quoteIdent(o.archiveTable)}`);
    if (now.sum !== o.checksum || now.n !== o.rows)
      throw new PgshiftError(
        `backup ${id}: ${o.archiveTable} no longer matches what was recorded (${now.n} rows, ${o.rows} recorded): nothing was restored`,
        { hint: `inspect ${schema}.${o.archiveTable} by hand`, code: 'restore-refused' },
      );
  }
  await driver.exec('BEGIN');
  try {
    const objects: RestoredObject[] = [];
    for (const o of b.objects) objects.push(await restoreObject(driver, s, o, id));
    if (opts.dryRun) await driver.exec('ROLLBACK');
    else {
      await driver.query(
        `UPDATE ${s}.backups SET restored_at = clock_timestamp(), restored_by = current_user WHERE id = $1`,
        [id],
      );
      await driver.exec('COMMIT');
    }
    return { id, dryRun: opts.dryRun === true, objects, verified: true, ms: Date.now() - started };
  } catch (e) {
    await driver.exec('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

async function checksum(driver: Driver, s: string, query: string): Promise<{ n: number; sum: string }> {
  const r = await driver.query<{ n: string; sum: string }>(
    `SELECT n::text AS n, sum FROM ${s}.checksum_of($1)`,
    [query],
  );
  return { n: Number(r.rows[0].n), sum: r.rows[0].sum };
}

interface Column {
  name: string;
  type: string;
  generated: boolean;
}

async function columnsOf(driver: Driver, rel: string): Promise<Column[] | undefined> {
  const r = await driver.query<{
    exists: boolean;
    name: string | null;
    type: string | null;
    generated: boolean;
  }>(
    `SELECT to_regclass($1) IS NOT NULL AS exists, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            coalesce(a.attgenerated <> '', false) AS generated
       FROM (SELECT 1) one
       LEFT JOIN pg_attribute a ON a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [rel],
  );
  if (!r.rows[0]?.exists) return undefined;
  return r.rows.filter((x) => x.name).map((x) => ({ name: x.name!, type: x.type!, generated: x.generated }));
}

async function restoreObject(
  driver: Driver,
  s: string,
  o: BackupObject,
  id: number,
): Promise<RestoredObject> {
  const what = describeObject(o);
  const target = `${quoteIdent(o.schema)}.${quoteIdent(o.table)}`;
  const archive = `${s}.${quoteIdent(o.archiveTable)}`;
  const cols = await columnsOf(driver, target);
  const refuse = (message: string, hint: string): never => {
    throw new PgshiftError(`nothing was restored: ${message}`, { hint, code: 'restore-refused' });
  };
  const down = `run the down migration that recreates it (\`pgshift down\`), then \`pgshift restore ${id}\` again`;
  if (!cols) return refuse(`table ${o.schema}.${o.table} does not exist`, down);
  const archived = (await columnsOf(driver, `${s}.${quoteIdent(o.archiveTable)}`)) ?? [];
  const byName = new Map(cols.map((c) => [c.name, c]));
  const missing = archived.filter((c) => !byName.has(c.name)).map((c) => c.name);
  if (missing.length)
    refuse(
      `${o.schema}.${o.table} has no column ${missing.join(', ')}`,
      down.replace('recreates it', 'adds it back'),
    );
  const key = o.keyColumns;
  const q = (c: string): string => quoteIdent(c);
  const keyMatch = key?.map((k) => `x.${q(k)} = a.${q(k)}`).join(' AND ');
  const cast = (c: string): string => `CAST(a.${q(c)} AS ${byName.get(c)!.type})`;
  let compared: string[];
  let sql: string;
  if (o.kind === 'table' || (o.kind === 'rows' && o.how === 'delete')) {
    compared = archived.filter((c) => !byName.get(c.name)!.generated).map((c) => c.name);
    const list = compared.map(q).join(', ');
    sql =
      `INSERT INTO ${target} (${list}) OVERRIDING SYSTEM VALUE SELECT ${compared.map(cast).join(', ')} FROM ${archive} a` +
      (keyMatch ? ` WHERE NOT EXISTS (SELECT 1 FROM ${target} x WHERE ${keyMatch})` : '');
  } else {
    if (!key)
      return refuse(
        `${o.schema}.${o.table} has no primary key or unique key, so the archived values (in ${archive}, whole rows) cannot be matched to its rows`,
        `put them back by hand from ${archive}`,
      );
    const set =
      o.kind === 'column'
        ? [o.column!]
        : (o.setColumns ?? archived.map((c) => c.name).filter((c) => !key.includes(c)));
    compared = [...key, ...set];
    sql = `UPDATE ${target} x SET ${set.map((c) => `${q(c)} = ${cast(c)}`).join(', ')} FROM ${archive} a WHERE ${keyMatch}`;
  }
  const r = await driver.query(sql);
  // the restored rows, read back, against the archive
  const xs = compared.map((c) => `x.${q(c)}`).join(', ');
  const restored = key
    ? `SELECT ${xs} FROM ${target} x JOIN ${archive} a ON ${keyMatch}`
    : `SELECT ${xs} FROM ${target} x`;
  const [got, want] = [
    await checksum(driver, s, restored),
    await checksum(driver, s, `SELECT ${compared.map(cast).join(', ')} FROM ${archive} a`),
  ];
  if (key ? got.n !== want.n : got.n < want.n)
    refuse(
      `${what}: ${got.n} rows match the archive after restoring, ${want.n} were archived`,
      'the table changed since: check for rows that were added or changed meanwhile',
    );
  if (key && got.sum !== want.sum)
    refuse(`${what}: the restored data does not match the archive's checksum`, 'nothing was changed');
  return { object: o, what, rows: r.rowCount ?? 0 };
}

/** What pruning removed. */
export interface PruneResult {
  pruned: { id: number; version: string; bytes: number; reason: 'age' | 'size' | 'unfinished' }[];
  kept: number;
  bytes: number;
}

/**
 * Removes backups older than `retentionDays`, then the oldest while the archive is over `maxBytes`,
 * but never the newest backup of a migration that is still applied (`applied` versions). Backups
 * that never finished (a batched backfill's, interrupted for good) go after a day.
 */
export async function pruneBackups(
  driver: Driver,
  schema: string,
  opts: { retentionDays: number | null; maxBytes: number | null; applied: readonly string[] },
): Promise<PruneResult> {
  const all = await listBackups(driver, schema);
  const s = quoteIdent(schema);
  const protectedIds = new Set<number>();
  for (const v of new Set(opts.applied)) {
    const newest = all.find((b) => b.version === v && b.verified);
    if (newest) protectedIds.add(newest.id);
  }
  const size = (b: BackupEntry): number => b.objects.reduce((n, o) => n + o.bytes, 0);
  const now = Date.now();
  const pruned: PruneResult['pruned'] = [];
  const keep: BackupEntry[] = [];
  for (const b of [...all].reverse()) {
    const age = (now - Date.parse(b.createdAt)) / 86_400_000;
    const reason =
      !b.verified && age > 1
        ? 'unfinished'
        : opts.retentionDays !== null && age > opts.retentionDays && !protectedIds.has(b.id)
          ? 'age'
          : undefined;
    if (reason) pruned.push({ id: b.id, version: b.version, bytes: size(b), reason });
    else keep.push(b);
  }
  let total = keep.reduce((n, b) => n + size(b), 0);
  if (opts.maxBytes !== null)
    for (const b of [...keep]) {
      if (total <= opts.maxBytes) break;
      if (protectedIds.has(b.id)) continue;
      pruned.push({ id: b.id, version: b.version, bytes: size(b), reason: 'size' });
      keep.splice(keep.indexOf(b), 1);
      total -= size(b);
    }
  for (const p of pruned) {
    const b = all.find((x) => x.id === p.id)!;
    await inTransaction(driver, async () => {
      for (const o of b.objects) await driver.exec(`DROP TABLE IF EXISTS ${s}.${quoteIdent(o.archiveTable)}`);
      await driver.query(`DELETE FROM ${s}.backups WHERE id = $1`, [b.id]);
    });
    if (b.file) rmSync(b.file, { recursive: true, force: true });
  }
  return { pruned, kept: keep.length, bytes: total };
}

/** Prunes with the tracking state read now (call holding the migration lock). */
export async function pruneUnderLock(
  input: RunnerInput & { backup: BackupSettings },
  settings: RunnerSettings,
): Promise<PruneResult> {
  if (!(await archiveExists(input.driver, input.backup.schema))) return { pruned: [], kept: 0, bytes: 0 };
  const t = await readTracking(input.driver, input.set, settings);
  return pruneBackups(input.driver, input.backup.schema, {
    retentionDays: input.backup.retentionDays,
    maxBytes: input.backup.maxBytes,
    applied: appliedVersions(t.state),
  });
}
