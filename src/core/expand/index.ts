/**
 * pgshift expand: the risky statement of a migration replaced by generated expand / backfill /
 * validate / contract migrations, written in the project's layout by the code of `pgshift new`.
 * Shared by the CLI and the editor's code action.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ConcreteLayout, MigrationSet } from '../migrations/model';
import { createMigration } from '../migrations/new';
import { PgshiftError } from '../errors';
import { findCandidates, type Candidate } from './detect';
import { plan, type ExpandPlan } from './generate';

export { findCandidates, type Candidate } from './detect';
export { plan, groupName, type ExpandPlan, type PlannedMigration, type RiskyChange } from './generate';

export interface ExpandInput {
  /** the migration file holding the risky statement */
  file: string;
  /** the project's migrations (for the layout, the next versions and the earlier schema) */
  set: MigrationSet;
  /** which risky statement, 1-based number among the file's statements; default: the only one */
  statement?: number;
  /** or: the risky statement holding this byte offset of the file (the editor's finding) */
  at?: number;
  /** for ADD COLUMN … NOT NULL: the SQL value of the existing rows */
  fill?: string;
  /** write nothing, return the plan */
  dryRun?: boolean;
  /** move the original file(s) into this folder (never deleted); default: leave them in place */
  moveOriginalTo?: string;
  /** the clock, for tests */
  now?: Date;
}

export interface ExpandResult {
  candidate: Candidate;
  plan: ExpandPlan;
  /** absolute paths written (none on a dry run) */
  created: string[];
  /** where the original went, when moved */
  movedOriginal?: string[];
  /** the file's other statements the plan does not cover (they stay in the original) */
  otherStatements: number;
}

export async function expandMigration(input: ExpandInput): Promise<ExpandResult> {
  const file = resolve(input.file);
  const all = await findCandidates(file, input.set, { fill: input.fill });
  const at = input.at;
  const byOffset = at === undefined ? undefined : all.find((c) => at >= c.start && at <= c.end);
  const candidate = byOffset ?? pick(all, input.statement, file);
  if (!candidate.change)
    throw new PgshiftError(`statement ${candidate.statement} cannot be planned: ${candidate.problem}`, {
      hint: 'write the expand/contract migrations by hand (see README "Zero-downtime changes")',
      exitCode: 1,
    });
  const p = plan(candidate.change);
  const own = input.set.migrations.find((m) => m.up.file === file);
  const totalStatements = own?.up.split?.ranges.length ?? 1;
  const result: ExpandResult = {
    candidate,
    plan: p,
    created: [],
    otherStatements: Math.max(0, totalStatements - 1),
  };
  if (input.dryRun) return result;
  const layout: ConcreteLayout = input.set.layout;
  // timestamp versions: one second apart, so the phases sort in order and never clash
  const start = (input.now ?? new Date()).getTime();
  p.migrations.forEach((m, i) => {
    result.created.push(
      ...createMigration(input.set.dir, layout, m.name, {
        now: new Date(start + i * 1000),
        content: { up: m.up, down: m.down },
      }),
    );
  });
  if (input.moveOriginalTo && own) {
    const dest = resolve(input.moveOriginalTo);
    mkdirSync(dest, { recursive: true });
    const files = [own.up.file, ...(own.down && own.down.file !== own.up.file ? [own.down.file] : [])];
    result.movedOriginal = [];
    for (const f of files) {
      const to = join(dest, basename(f));
      if (existsSync(to))
        throw new PgshiftError(`refusing to overwrite ${to}`, {
          hint: `the plan was written; move ${f} away by hand`,
          exitCode: 1,
        });
      renameSync(f, to);
      result.movedOriginal.push(to);
    }
  }
  return result;
}

function pick(all: Candidate[], n: number | undefined, file: string): Candidate {
  if (n !== undefined) {
    const c = all.find((x) => x.statement === n);
    if (!c)
      throw new PgshiftError(`statement ${n} of ${file} is not a change pgshift expand can plan`, {
        hint: all.length
          ? `the candidates are statement ${all.map((x) => x.statement).join(', ')}`
          : 'it plans RENAME COLUMN, ALTER COLUMN TYPE, SET NOT NULL, RENAME TABLE and ADD COLUMN … NOT NULL without a default',
        exitCode: 2,
      });
    return c;
  }
  if (all.length === 0)
    throw new PgshiftError(`${file} has no statement pgshift expand can plan`, {
      hint: 'it plans RENAME COLUMN, ALTER COLUMN TYPE, SET NOT NULL on an existing column, RENAME TABLE and ADD COLUMN … NOT NULL without a default',
      exitCode: 2,
    });
  if (all.length > 1)
    throw new PgshiftError(`${file} has ${all.length} statements pgshift expand can plan`, {
      hint: `pick one with --statement ${all.map((x) => x.statement).join(' | ')}`,
      exitCode: 2,
    });
  return all[0];
}
