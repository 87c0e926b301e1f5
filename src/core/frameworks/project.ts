/**
 * Whether a project's migrations are a code-based tool's: `"layout": "<tool>"` in the config says so,
 * else, when the configured migrations folder holds no SQL migrations, the tool its files show.
 * pgshift's own SQL migrations win over a detected tool, so adding pgshift to a project changes nothing
 * until its config says otherwise.
 */
import type { LoadedConfig } from '../config';
import { chooseMigrations } from '../migrations/choose';
import type { Driver } from '../db/driver';
import { PgshiftError } from '../errors';
import { walkFiles } from '../files';
import {
  CODE_FRAMEWORKS,
  codeRunCommand,
  codeStatus,
  detectCodeFrameworks,
  listCodeMigrations,
} from './index';
import {
  TOOL_TITLES,
  type CodeDetection,
  type CodeMigrationSet,
  type CodeSnapshot,
  type CodeStatusRow,
} from './model';
import { isDirectory } from './fsutil';

export interface CodeProject {
  detection: CodeDetection;
  /** other code-based tools found in the same project (said, not used) */
  others: CodeDetection[];
}

function hasSqlMigrations(dir: string): boolean {
  return isDirectory(dir) && walkFiles(dir).some((f) => f.endsWith('.sql'));
}

export function codeProjectOf(
  loaded: LoadedConfig,
  opts: { dirGiven?: boolean } = {},
): CodeProject | undefined {
  const tool = loaded.config.framework;
  if (tool) {
    const d = CODE_FRAMEWORKS[tool].detect(loaded.root);
    if (!d)
      throw new PgshiftError(
        `the config sets "layout": "${tool}", but pgshift finds no ${TOOL_TITLES[tool]} migrations under ${loaded.root}`,
        { hint: `check the project layout, or remove "layout" to let pgshift detect the tool`, exitCode: 2 },
      );
    const source = loaded.file ? 'the config' : 'the settings';
    return { detection: { ...d, reasons: [`${source} sets "layout": "${tool}"`, ...d.reasons] }, others: [] };
  }
  if (opts.dirGiven || loaded.config.layout !== 'auto') return undefined;
  // a SQL tool detected (Prisma, goose, ...) or SQL files in the configured folder win
  const choice = chooseMigrations(loaded);
  if (choice.source === 'detected' || hasSqlMigrations(choice.dir)) return undefined;
  const [first, ...others] = detectCodeFrameworks(loaded.root);
  return first && { detection: first, others };
}

/** What pgshift's runner says instead of running a code-based tool's migrations. */
export function codeRunRefusal(p: CodeProject): PgshiftError {
  const title = TOOL_TITLES[p.detection.tool];
  const table = p.detection.settings.table ?? CODE_FRAMEWORKS[p.detection.tool].defaultTable;
  return new PgshiftError(
    `pgshift does not run ${title} migrations: ${title} applies them itself and its table ${table} is the truth`,
    { hint: `run \`${codeRunCommand(p.detection)}\`; pgshift status shows the result`, exitCode: 2 },
  );
}

export interface CodeStatusReport {
  set: CodeMigrationSet;
  snapshot: CodeSnapshot;
  rows: CodeStatusRow[];
  command: string;
}

/** The tool's migrations with their state from its table (none applied when there is no database yet). */
export async function codeStatusReport(
  driver: Driver | undefined,
  d: CodeDetection,
): Promise<CodeStatusReport> {
  const fw = CODE_FRAMEWORKS[d.tool];
  const snapshot: CodeSnapshot = driver
    ? await fw.read(driver, d)
    : { tool: d.tool, table: d.settings.table ?? fw.defaultTable, exists: false, records: [] };
  const set = listCodeMigrations(d, new Set(snapshot.records.map((r) => r.key)));
  return { set, snapshot, rows: codeStatus(set, snapshot), command: codeRunCommand(d) };
}
