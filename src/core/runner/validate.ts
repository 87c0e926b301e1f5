/**
 * `validate`: everything that would make a run refuse or surprise, in one list: problems in the files,
 * applied migrations edited or deleted since, pending ones out of order, failed ones, migrations that
 * cannot be rolled back, invalid indexes, and a summary of the linter's findings.
 */
import { basename } from 'node:path';
import type { Driver } from '../db/driver';
import type { LintOptions, Severity } from '../lint/types';
import type { MigrationSet } from '../migrations/model';
import { invalidIndexes } from './invalid-indexes';
import { label } from './plan';
import { readTracking, settingsOf } from './session';
import type { RunnerSettings } from './settings';
import { deriveState, type TrackingState } from './state';

export interface ValidationProblem {
  severity: 'error' | 'warning' | 'info';
  /** 'file', 'modified', 'missing', 'out-of-order', 'failed', 'no-down', 'invalid-index' */
  kind: string;
  message: string;
  version?: string;
  file?: string;
}

export interface LintSummary {
  files: number;
  errors: number;
  warnings: number;
  infos: number;
  hints: number;
  /** finding counts per rule, most frequent first */
  rules: { rule: string; count: number }[];
}

export interface ValidationReport {
  /** no problem of severity error (lint errors included) */
  ok: boolean;
  migrations: number;
  /** false when no database was reachable or given: checksums and order were not checked */
  checkedDatabase: boolean;
  problems: ValidationProblem[];
  lint?: LintSummary;
}

export interface ValidateInput {
  /** omit to validate the files alone */
  driver?: Driver;
  set: MigrationSet;
  settings?: Partial<RunnerSettings>;
  /** lint every script with these options (from lintOptionsFromConfig); omit to skip linting */
  lint?: LintOptions;
}

export async function validate(input: ValidateInput): Promise<ValidationReport> {
  const settings = settingsOf(input);
  const problems: ValidationProblem[] = input.set.problems
    .filter((p) => p.severity !== 'info' || !p.message.startsWith('ignored'))
    .map((p) => ({ severity: p.severity, kind: 'file', message: p.message, file: p.file }));

  let state: TrackingState;
  if (input.driver) {
    state = (await readTracking(input.driver, input.set, settings)).state;
    for (const i of await invalidIndexes(input.driver)) {
      problems.push({
        severity: 'warning',
        kind: 'invalid-index',
        message: `invalid index ${i.schema}.${i.name} on ${i.table}: remove it with ${i.drop}`,
      });
    }
  } else state = deriveState(input.set, []);

  for (const m of state.migrations) {
    const at = { version: m.version, file: m.file ?? undefined };
    if (m.state === 'modified') {
      problems.push({
        severity: 'error',
        kind: 'modified',
        message: `${label(m)} was edited after it was applied (checksum ${short(m.appliedChecksum)} applied, ${short(m.checksum)} on disk): ${basename(m.file ?? '')}`,
        ...at,
      });
    } else if (m.state === 'missing') {
      problems.push({
        severity: 'error',
        kind: 'missing',
        message: `${label(m)} is applied in the database but no file has this version`,
        ...at,
      });
    } else if (m.state === 'out-of-order') {
      problems.push({
        severity: 'error',
        kind: 'out-of-order',
        message: `${label(m)} has not run and is older than the newest applied migration: \`up\` refuses it without --allow-out-of-order`,
        ...at,
      });
    } else if (m.state === 'failed') {
      problems.push({
        severity: 'error',
        kind: 'failed',
        message: `${label(m)} failed outside a transaction: run \`pgshift resolve ${m.version} --applied|--rolled-back\` once its state is known`,
        ...at,
      });
    }
  }

  let lint: LintSummary | undefined;
  if (input.lint) {
    const files = [
      ...new Set(
        input.set.migrations.flatMap((m) => [m.up.file, m.down?.file]).filter((f): f is string => !!f),
      ),
    ];
    // loaded here: status, up and down never evaluate the rules
    const { lintFiles } = await import('../lint/lint-files');
    const results = await lintFiles(files, input.lint);
    const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
    const rules = new Map<string, number>();
    for (const r of results) {
      for (const f of r.findings) {
        counts[f.severity]++;
        rules.set(f.rule, (rules.get(f.rule) ?? 0) + 1);
      }
    }
    lint = {
      files: files.length,
      errors: counts.error,
      warnings: counts.warning,
      infos: counts.info,
      hints: counts.hint,
      rules: [...rules]
        .map(([rule, count]) => ({ rule, count }))
        .sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule)),
    };
  }
  const ok = !problems.some((p) => p.severity === 'error') && (lint?.errors ?? 0) === 0;
  return { ok, migrations: input.set.migrations.length, checkedDatabase: !!input.driver, problems, lint };
}

function short(checksum: string | null): string {
  return checksum ? checksum.slice(0, 12) : '?';
}
