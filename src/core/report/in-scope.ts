/**
 * The migrations a report is about, each with its statements analysed: the scope picked from the
 * runner's status, the linter's findings (up and down), and per statement the lock analysis, the text
 * the estimator and the pre-flight checks need, and which transaction it runs in.
 */
import { phaseOf } from '../expand/phases';
import { relative } from 'node:path';
import type { PgshiftConfig } from '../config';
import { formatName } from '../lint/ast';
import { lintFiles, lintOptionsFromConfig, type FileLintResult } from '../lint/lint-files';
import type { Stmt } from '../lint/types';
import { findMigration } from '../migrations/discover';
import type { Migration, MigrationSet } from '../migrations/model';
import type { MigrationStatus, RunnerSettings } from '../runner';
import { onlyNonTransactional } from '../runner/statements';
import { loadParser } from '../sql/parser';
import { dataDirectives, statementAfter } from '../sql/directives';
import { splitStatements } from '../sql/splitter';
import type { StatementToEstimate } from './estimate';
import { describeStatement, type StatementFacts } from '../pg';
import type { BatchEstimate, MigrationReport, ReportFinding, ReportScope } from './model';

export interface PlannedStatement {
  analysis: StatementFacts;
  toEstimate: StatementToEstimate;
  /** parsed from the statement's own text: locations are byte offsets into it */
  node: Stmt['node'];
  /** the transaction it runs in (0: none, its own) */
  txId: number;
}

export interface Planned {
  migration: Migration;
  status?: MigrationStatus;
  report: MigrationReport;
  /** one per report.statements entry */
  items: PlannedStatement[];
}

export interface ScopeInput {
  set: MigrationSet;
  config: PgshiftConfig;
  settings?: Partial<RunnerSettings>;
  scope: ReportScope;
  pgVersion: number;
  statuses: readonly MigrationStatus[];
}

export async function planInScope(input: ScopeInput): Promise<Planned[]> {
  const { set, config, pgVersion } = input;
  const stateOf = (m: Migration): MigrationStatus | undefined =>
    input.statuses.find((s) => s.version === m.version && s.name === m.name) ??
    input.statuses.find((s) => s.version === m.version);
  const lintOptions = lintOptionsFromConfig(config, { postgresVersion: pgVersion });
  const files = [
    ...new Set(set.migrations.flatMap((m) => [m.up.file, m.down?.file]).filter((f): f is string => !!f)),
  ];
  // every file, in order: each migration is linted with the schema the ones before it leave
  const lintOf = new Map((await lintFiles(files, lintOptions)).map((r) => [r.file, r]));
  const parser = await loadParser();
  const wrappedByDefault = (input.settings?.transactionMode ?? config.runner.transactionMode) !== 'none';

  const scope = selectScope(set, input.scope, stateOf);
  // as the runner decides: a file of nothing but statements refused in a transaction runs outside one
  const onlyOutside = new Set<string>();
  for (const m of scope)
    if (wrappedByDefault && (await onlyNonTransactional(m.up))) onlyOutside.add(m.up.file);
  return scope.map((m) => {
    const st = stateOf(m);
    const upLint = lintOf.get(m.up.file);
    const noTransaction = m.up.noTransaction || !wrappedByDefault || onlyOutside.has(m.up.file);
    const report: MigrationReport = {
      version: m.version,
      name: m.name,
      file: relative(set.dir, m.up.file),
      ...(m.down ? { downFile: relative(set.dir, m.down.file) } : {}),
      state: st?.state ?? 'pending',
      ...(st?.appliedAt !== undefined ? { appliedAt: st.appliedAt } : {}),
      ...(st?.executionMs !== undefined ? { executionMs: st.executionMs } : {}),
      noTransaction,
      ...phaseField(m.up.sql),
      inScope: true,
      statements: [],
      estimatedSeconds: null,
      estimatedRange: null,
      longestBlock: null,
      recommendedLockTimeout: null,
      findings: [
        ...findingsOf(upLint, m.up, 'up'),
        ...(m.down ? findingsOf(lintOf.get(m.down.file), m.down, 'down') : []),
      ],
    };
    const items: PlannedStatement[] = [];
    const stmts = upLint ? statementsOf(upLint, m.up) : [];
    const batchAt = batchesOf(m.up);
    for (let i = 0; i < stmts.length; i++) {
      const s = stmts[i];
      if (s.origin !== 'top') continue;
      const parsed = parser.parse(s.text);
      const node = parsed.ok && parsed.statements.length === 1 ? parsed.statements[0].node : s.node;
      const analysis = describeStatement(node, s.text, { postgresVersion: pgVersion });
      // SQL inside a DO block runs with the block: its locks are the block's
      for (let j = i + 1; j < stmts.length && stmts[j].origin === 'do-block'; j++) {
        const inner = describeStatement(stmts[j].node, stmts[j].text, { postgresVersion: pgVersion });
        analysis.locks.push(...inner.locks);
        if (inner.work !== 'catalog') {
          analysis.work = inner.work;
          analysis.workDetail = `runs ${inner.command}: ${inner.workDetail}`;
        }
      }
      report.statements.push({
        index: report.statements.length,
        line: upLint!.source.positionAt(s.range.start).line + 1,
        sql: s.text,
        command: analysis.command,
        summary: analysis.summary,
        inTransaction: s.inTransaction && !noTransaction,
        locks: [],
        work: analysis.work,
        workDetail: analysis.workDetail,
        estimatedSeconds: null,
        estimate: null,
        lockHoldSeconds: null,
        startsAt: null,
        queueBehind: [],
        recommendedLockTimeout: null,
        ...batchFor(batchAt, s),
      });
      items.push({
        analysis,
        toEstimate: { analysis, sql: s.text },
        node,
        txId: noTransaction ? 0 : s.inTransaction ? s.txId + 1 : 0,
      });
    }
    return { migration: m, status: st, report, items };
  });
}

/** Not applied yet on the target (or no target): what estimates and pre-flight checks are for. */
export function isPending(p: Planned): boolean {
  return !p.status || p.status.state === 'pending' || p.status.state === 'out-of-order';
}

/** Tables, indexes and views the planned migrations create: locking them blocks nobody. */
export function createdRelations(planned: readonly Planned[]): Set<string> {
  type Rv = { relname?: string; schemaname?: string };
  const out = new Set<string>();
  for (const p of planned) {
    for (const it of p.items) {
      const body = Object.values(
        it.node as unknown as Record<string, { relation?: Rv; view?: Rv; into?: { rel?: Rv } }>,
      )[0];
      const cmd = it.analysis.command;
      const rv =
        cmd === 'CREATE TABLE'
          ? body?.relation
          : cmd.startsWith('CREATE VIEW')
            ? body?.view
            : body?.into?.rel;
      if (rv?.relname) out.add(formatName({ schema: rv.schemaname || undefined, name: rv.relname }));
    }
  }
  return out;
}

/** The migrations a scope names, in apply order. */
function selectScope(
  set: MigrationSet,
  scope: ReportScope,
  stateOf: (m: Migration) => MigrationStatus | undefined,
): Migration[] {
  if (scope.kind === 'all') return set.migrations;
  if (scope.kind === 'migration') {
    const m = findMigration(set, scope.version);
    return m ? [m] : [];
  }
  return set.migrations.filter((m) => {
    const s = stateOf(m)?.state ?? 'pending';
    return s === 'pending' || s === 'out-of-order' || s === 'failed';
  });
}

/** Statements of one script (a dbmate file holds both sections: keep the script's byte range). */
interface BatchSpan {
  /** the statement the directive stands before, in file byte offsets */
  start: number;
  end: number;
  batch: BatchEstimate;
}

/** The script's valid `-- pgshift:batch` directives with the statement each stands before, as the runner pairs them. */
function batchesOf(script: Migration['up']): BatchSpan[] {
  if (!/pgshift:batch/i.test(script.sql)) return [];
  const bytes = Buffer.from(script.sql, 'utf8');
  const split = splitStatements(bytes);
  const starts = split.statements.map((st) => st.start);
  const out: BatchSpan[] = [];
  for (const b of dataDirectives(split.comments).batches) {
    const i = statementAfter(b.end, starts);
    const raw = i === undefined ? undefined : split.statements[i];
    if (!raw || !b.options) continue; // the linter's batch-directive finding says why
    const written = bytes
      .subarray(b.start, b.end)
      .toString('utf8')
      .replace(/^--\s*pgshift:batch\b/i, '')
      .trim();
    out.push({
      start: script.offset + raw.start,
      end: script.offset + raw.end,
      batch: {
        options: written,
        size: b.options.size,
        delayMs: b.options.delayMs,
        targetMs: b.options.targetMs,
      },
    });
  }
  return out;
}

function batchFor(spans: readonly BatchSpan[], s: Stmt): { batch?: BatchEstimate } {
  const span = spans.find((x) => s.range.start >= x.start && s.range.start < x.end);
  return span ? { batch: { ...span.batch } } : {};
}

function statementsOf(lint: FileLintResult, script: Migration['up']): Stmt[] {
  const start = script.offset;
  const end = start + Buffer.byteLength(script.sql, 'utf8');
  return lint.statements.filter((s) => s.range.start >= start && s.range.start < end);
}

function findingsOf(
  lint: FileLintResult | undefined,
  script: Migration['up'],
  which: 'up' | 'down',
): ReportFinding[] {
  if (!lint) return [];
  const start = script.offset;
  const end = start + Buffer.byteLength(script.sql, 'utf8');
  return lint.findings
    .filter((f) => f.range.start >= start && f.range.start <= end)
    .map((f) => ({
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      line: lint.source.positionAt(f.range.start).line + 1,
      help: f.help,
      script: which,
    }));
}

function phaseField(sql: string): { phase?: { phase: string; group: string } } {
  const mark = phaseOf(sql);
  return mark ? { phase: mark } : {};
}
