/**
 * Reversibility: on a scratch database, each migration is applied (up), rolled back (down) and
 * applied again, with the runner's own up/down, and the schema snapshots are compared: the down must
 * give back the schema from before the up, and the second up the schema of the first. The scratch is
 * an embedded PGlite in a temporary directory, or a throwaway database created on a server and dropped
 * afterwards. A down that does not restore the schema, fails, or is missing is named with the
 * difference.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConnectionTarget, Driver } from '../db/driver';
import { describeTarget, openDriver } from '../db/open';
import { PgshiftError } from '../errors';
import type { MigrationSet } from '../migrations/model';
import { down, schemaSnapshot, up, type RunResult, type RunnerSettings } from '../runner';
import type { VerifyMigrationResult, VerifyVerdict } from './model';
import { quoteIdent } from './sql-text';

export type VerifyScratch = { kind: 'pglite'; dir?: string } | { kind: 'server'; target: ConnectionTarget };

export interface VerifyInput {
  set: MigrationSet;
  settings?: Partial<RunnerSettings>;
  scratch: VerifyScratch;
  /** down/up is checked for these versions only (default all); the others are just applied */
  check?: (version: string) => boolean;
  /** stop after this version (default: the last one) */
  through?: string;
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
  /** runs on the scratch once everything is applied, before it is dropped (post-apply checks) */
  afterAll?: (driver: Driver) => Promise<void>;
}

export interface VerifyOutcome {
  /** where it ran, without secrets */
  where: string;
  results: VerifyMigrationResult[];
  /** every checked migration was restored (notes allowed) */
  ok: boolean;
}

export async function verifyMigrations(input: VerifyInput): Promise<VerifyOutcome> {
  const scratch = await openScratch(input.scratch);
  try {
    const results = await verifyOn(scratch.driver, input);
    if (input.afterAll) await input.afterAll(scratch.driver);
    const ok = results.every(
      (r) =>
        r.verdict === 'restored' ||
        r.verdict === 'restored-with-notes' ||
        r.verdict === 'missing-down' ||
        r.verdict === 'not-run',
    );
    return { where: scratch.where, results, ok };
  } finally {
    await scratch.dispose();
  }
}

async function verifyOn(driver: Driver, input: VerifyInput): Promise<VerifyMigrationResult[]> {
  const settings: Partial<RunnerSettings> = { ...input.settings, lockWaitSeconds: 5 };
  const history = settings.historySchema ?? 'pgshift';
  const snap = (): Promise<string> => schemaSnapshot(driver, { excludeSchemas: [history] });
  const base = { driver, set: input.set, settings, signal: input.signal };
  const versioned = input.set.migrations.filter((m) => !m.repeatable);
  const results: VerifyMigrationResult[] = [];
  let stopped: string | undefined;
  for (const m of versioned) {
    const result: VerifyMigrationResult = {
      version: m.version,
      name: m.name,
      verdict: 'not-run',
      differences: [],
      notes: [],
      durations: { upMs: null, downMs: null, reapplyMs: null },
    };
    const checked = input.check ? input.check(m.version) : true;
    if (stopped) {
      if (checked) results.push({ ...result, error: stopped });
      continue;
    }
    if (input.signal?.aborted) {
      stopped = 'cancelled';
      continue;
    }
    input.onProgress?.(`verify ${m.version} ${m.name}`);
    const before = checked ? await snap() : '';
    const first = await up({ ...base, steps: 1 });
    result.durations.upMs = ms(first);
    if (!first.ok) {
      result.verdict = 'up-failed';
      result.error = failure(first);
      stopped = `not run: ${m.version} failed before it`;
      results.push(result);
      continue;
    }
    if (!checked) {
      if (input.through && m.version === input.through) break;
      continue;
    }
    const afterUp = await snap();
    if (!m.down) {
      result.verdict = 'missing-down';
      results.push(result);
      if (input.through && m.version === input.through) break;
      continue;
    }
    const back = await down({ ...base, steps: 1 });
    result.durations.downMs = ms(back);
    if (!back.ok) {
      result.verdict = 'down-failed';
      result.error = failure(back);
      results.push(result);
      // a failed transactional down changed nothing: the migration is still applied and the next ones can run
      if (!back.failure?.rolledBack)
        stopped = `not run: the down of ${m.version} failed outside a transaction`;
      continue;
    }
    const afterDown = await snap();
    const restored = compareSnapshots(before, afterDown);
    result.differences = restored.differences;
    result.notes = restored.notes;
    const again = await up({ ...base, steps: 1 });
    result.durations.reapplyMs = ms(again);
    if (!again.ok) {
      // what the down left behind is usually why the up fails again ("relation already exists")
      result.verdict = restored.differences.length ? 'not-restored' : 'reapply-failed';
      result.error = `${restored.differences.length ? 'and applying it again fails: ' : ''}${failure(again)}`;
      stopped = `not run: ${m.version} could not be applied again after its down`;
      results.push(result);
      continue;
    }
    const reapplied = compareSnapshots(afterUp, await snap());
    result.verdict = verdictOf(restored, reapplied);
    if (result.verdict === 'reapply-differs') result.differences = reapplied.differences;
    results.push(result);
    if (input.through && m.version === input.through) break;
  }
  // repeatable migrations (Flyway R__) run last; apply them so the final schema is complete
  if (!stopped && !input.through && input.set.migrations.some((m) => m.repeatable))
    await up(base).catch(() => undefined);
  return results;
}

function verdictOf(restored: SnapshotDiff, reapplied: SnapshotDiff): VerifyVerdict {
  if (restored.differences.length) return 'not-restored';
  if (reapplied.differences.length) return 'reapply-differs';
  return restored.notes.length || reapplied.notes.length ? 'restored-with-notes' : 'restored';
}

export interface SnapshotDiff {
  /** '- [section] line' (in the first, not the second) and '+ [section] line' */
  differences: string[];
  /** differences that change no behaviour */
  notes: string[];
}

/** The lines of `list` that `other` does not have, counting repeats: a line twice in `list` and once in `other` is one. */
function linesNotIn(list: string[], other: string[]): string[] {
  const left = new Map<string, number>();
  for (const l of other) left.set(l, (left.get(l) ?? 0) + 1);
  return list.filter((l) => {
    const n = left.get(l) ?? 0;
    if (n > 0) {
      left.set(l, n - 1);
      return false;
    }
    return true;
  });
}

/** Line differences of two schema snapshots, with harmless ones (a constraint left validated) as notes. */
export function compareSnapshots(a: string, b: string): SnapshotDiff {
  const la = sectioned(a);
  const lb = sectioned(b);
  const removed = linesNotIn(la, lb);
  const added = linesNotIn(lb, la);
  const notes: string[] = [];
  // "CHECK (...) NOT VALID" before, "CHECK (...)" after: the down left the constraint validated
  for (const r of [...removed]) {
    if (!/ NOT VALID$/.test(r)) continue;
    const i = added.indexOf(r.replace(/ NOT VALID$/, ''));
    if (i < 0) continue;
    added.splice(i, 1);
    removed.splice(removed.indexOf(r), 1);
    notes.push(`left validated (was NOT VALID): ${r.replace(/ NOT VALID$/, '')}`);
  }
  return { differences: [...removed.map((l) => `- ${l}`), ...added.map((l) => `+ ${l}`)], notes };
}

function sectioned(snapshot: string): string[] {
  let section = '';
  const out: string[] = [];
  for (const line of snapshot.split('\n')) {
    if (line.startsWith('-- ')) section = line.slice(3);
    else if (line.trim()) out.push(`[${section}] ${line}`);
  }
  return out;
}

function ms(r: RunResult): number | null {
  return r.steps.length ? r.steps.reduce((t, s) => t + s.durationMs, 0) : null;
}

function failure(r: RunResult): string {
  const f = r.failure;
  if (!f) return 'did not complete';
  return `${f.error}${f.line ? ` (line ${f.line})` : ''}`;
}

interface OpenScratch {
  driver: Driver;
  where: string;
  dispose(): Promise<void>;
}

async function openScratch(s: VerifyScratch): Promise<OpenScratch> {
  if (s.kind === 'pglite') {
    const base = s.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-verify-'));
    const dataDir = path.join(base, 'db');
    const driver = await openDriver({ kind: 'embedded', dataDir });
    return {
      driver,
      where: 'embedded PGlite in a temporary directory',
      dispose: async () => {
        await driver.close().catch(() => undefined);
        if (!s.dir) fs.rmSync(base, { recursive: true, force: true });
      },
    };
  }
  const admin = await openDriver(s.target);
  const name = `pgshift_verify_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } catch (e) {
    await admin.close().catch(() => undefined);
    throw new PgshiftError(
      `cannot create a throwaway database on ${describeTarget(s.target)}: ${(e as Error).message}`,
      {
        hint: 'give a role with CREATEDB, or leave out --db to verify on an embedded PGlite database',
        code: 'verify-scratch',
      },
    );
  }
  const drop = async (): Promise<void> => {
    const v = await admin.serverVersion().catch(() => undefined);
    await admin
      .query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}${v && v.major >= 13 ? ' WITH (FORCE)' : ''}`)
      .catch(() => undefined);
    await admin.close().catch(() => undefined);
  };
  let driver: Driver;
  try {
    driver = await openDriver(withDatabase(s.target, name));
  } catch (e) {
    await drop();
    throw e;
  }
  return {
    driver,
    where: `throwaway database ${name} on ${describeTarget(s.target)} (dropped afterwards)`,
    dispose: async () => {
      await driver.close().catch(() => undefined);
      await drop();
    },
  };
}

function withDatabase(t: ConnectionTarget, database: string): ConnectionTarget {
  if (t.kind === 'url') {
    const u = new URL(t.url);
    u.pathname = `/${encodeURIComponent(database)}`;
    u.searchParams.delete('dbname');
    return { kind: 'url', url: u.toString() };
  }
  if (t.kind === 'params') return { ...t, database };
  return t;
}
