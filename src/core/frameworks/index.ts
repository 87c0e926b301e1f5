/** The code-based tools pgshift reads (never runs), and the status of their migrations from their own table. */
import { relative, sep } from 'node:path';
import type { Driver } from '../db/driver';
import { alembic, alembicStatus } from './alembic';
import { django } from './django';
import { efcore } from './efcore';
import type { CodeFramework } from './framework';
import { knex } from './knex';
import type { CodeDetection, CodeMigrationSet, CodeSnapshot, CodeStatusRow, CodeTool } from './model';
import { rails } from './rails';
import { sequelize } from './sequelize';
import { typeorm } from './typeorm';

export const CODE_FRAMEWORKS: Record<CodeTool, CodeFramework> = {
  django,
  rails,
  alembic,
  knex,
  sequelize,
  typeorm,
  efcore,
};

/** Every code-based tool the project's files show, each with its reasons. */
export function detectCodeFrameworks(root: string): CodeDetection[] {
  const out: CodeDetection[] = [];
  for (const fw of Object.values(CODE_FRAMEWORKS)) {
    const d = fw.detect(root);
    if (d) out.push(d);
  }
  return out;
}

export function listCodeMigrations(d: CodeDetection, applied?: ReadonlySet<string>): CodeMigrationSet {
  return CODE_FRAMEWORKS[d.tool].list(d, applied);
}

/** Every migration file of the set, the ones its order leaves out included (what lint reads). */
export function codeMigrationFiles(set: CodeMigrationSet): string[] {
  return [...set.migrations, ...(set.superseded ?? [])].map((m) => m.file);
}

export function readCodeTable(driver: Driver, d: CodeDetection): Promise<CodeSnapshot> {
  return CODE_FRAMEWORKS[d.tool].read(driver, d);
}

export function codeRunCommand(d: CodeDetection): string {
  return CODE_FRAMEWORKS[d.tool].command(d);
}

/** Each migration applied or pending by the tool's table, then the rows naming no file (unknown-in-db). */
export function codeStatus(set: CodeMigrationSet, snap: CodeSnapshot): CodeStatusRow[] {
  if (set.tool === 'alembic') return alembicStatus(set, snap);
  const recs = new Map(snap.records.map((r) => [r.key, r]));
  const explained = new Set((set.superseded ?? []).map((m) => m.key));
  const rows: CodeStatusRow[] = set.migrations.map((m) => {
    explained.add(m.key);
    for (const r of m.replaces ?? []) explained.add(r);
    const rec = recs.get(m.key);
    // Django's loader: a squashed migration is applied when all it replaces is, whatever its own row says
    const applied = m.replaces?.length ? m.replaces.every((r) => recs.has(r)) : !!rec;
    return {
      key: m.key,
      label: m.label,
      file: m.file,
      state: applied ? 'applied' : 'pending',
      appliedAt: rec?.appliedAt ?? null,
      ...(rec?.batch !== undefined ? { batch: rec.batch } : {}),
    };
  });
  for (const r of snap.records)
    if (!explained.has(r.key))
      rows.push({ key: r.key, label: r.key, state: 'unknown-in-db', appliedAt: r.appliedAt, batch: r.batch });
  return rows;
}

/** The detected tool whose migrations directory holds `file`, if any (for linting code migrations). */
export function frameworkOfFile(
  detections: readonly CodeDetection[],
  file: string,
): CodeDetection | undefined {
  return detections.find((d) =>
    d.dirs.some((dir) => {
      const rel = relative(dir, file);
      return rel !== '' && !rel.startsWith('..') && !rel.includes(`..${sep}`);
    }),
  );
}

export type { CodeDetection, CodeMigrationSet, CodeSnapshot, CodeStatusRow, CodeTool } from './model';
