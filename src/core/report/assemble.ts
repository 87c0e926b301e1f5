/**
 * Finishing touches of the report: each statement's locks with what they block, the timeline and the
 * migration's totals, the recommended lock_timeout, and the summaries of whole sections.
 */
import { formatName, type QualifiedName } from '../lint/ast';
import { round } from './format';
import type { Planned } from './in-scope';
import { blocksOf, type StatementFacts } from '../pg';
import type { MigrationReport, PostApplyIssue, Report, ReportScope, StatementReport } from './model';
import { computeTimeline, longestBlock } from './timeline';

/**
 * `exists`: whether the target has the relation (undefined without a target); a relation the set
 * creates and the target lacks is new: locking it blocks nobody.
 */
export function finishMigration(
  p: Planned,
  created: ReadonlySet<string>,
  exists: (q: QualifiedName) => boolean | undefined,
): void {
  p.items.forEach((it, i) => {
    const s = p.report.statements[i];
    s.locks = it.analysis.locks.map((l) => {
      const name = formatName(l.relation);
      const isNew = created.has(name) && !exists(l.relation);
      return {
        relation: l.object === 'indexes' ? `the indexes of ${name}` : name,
        mode: l.mode,
        blocks: blocksOf(l.mode),
        why: l.why,
        ...(isNew ? { isNew: true } : {}),
      };
    });
    s.recommendedLockTimeout = recommendLockTimeout(s, it.analysis);
  });
  const m = p.report;
  computeTimeline(
    m.statements,
    p.items.map((x) => x.txId),
  );
  // a batched statement holds its row locks one batch at a time
  for (const s of m.statements)
    if (s.batch?.batchSeconds !== undefined && s.lockHoldSeconds !== null)
      s.lockHoldSeconds = s.batch.batchSeconds;
  m.longestBlock = longestBlock(m.statements);
  const est = m.statements.filter((s) => s.estimatedSeconds !== null);
  if (est.length) {
    const sum = (f: (s: StatementReport) => number): number => round(est.reduce((t, s) => t + f(s), 0));
    m.estimatedSeconds = sum((s) => s.estimatedSeconds ?? 0);
    m.estimatedRange = { low: sum((s) => s.estimate?.low ?? 0), high: sum((s) => s.estimate?.high ?? 0) };
  }
  const timeouts = m.statements.map((s) => s.recommendedLockTimeout).filter((x): x is string => !!x);
  m.recommendedLockTimeout = timeouts.sort((a, b) => seconds(a) - seconds(b))[0] ?? null;
}

/**
 * While a statement waits for its lock, every later query on the table queues behind it: lock_timeout
 * bounds that wait. Short for a lock that stops reads, a little longer for one that stops writes;
 * none for CONCURRENTLY, which waits for older transactions by design (a timeout there leaves an
 * INVALID index behind).
 */
function recommendLockTimeout(s: StatementReport, a: StatementFacts): string | null {
  if (a.concurrent) return null;
  const live = s.locks.filter((l) => !l.isNew && (s.table?.exists ?? true));
  if (live.some((l) => l.blocks === 'reads-writes')) return '2s';
  if (live.some((l) => l.blocks === 'writes')) return '5s';
  return null;
}

/** Issues seen on the target first; the scratch database's ones that the target does not have. */
export function mergeIssues(scratch: PostApplyIssue[], target: PostApplyIssue[]): PostApplyIssue[] {
  const key = (i: PostApplyIssue): string => `${i.kind}|${i.table}|${i.object}`;
  const seen = new Set(target.map(key));
  return [...target, ...scratch.filter((i) => !seen.has(key(i)))];
}

export function lintSection(migrations: MigrationReport[]): Report['lint'] {
  const severities = ['error', 'warning', 'info', 'hint'] as const;
  const counts = { error: 0, warning: 0, info: 0, hint: 0 };
  const all = migrations.flatMap((m) =>
    m.findings.map((f) => ({
      ...f,
      version: m.version,
      file: f.script === 'down' ? (m.downFile ?? m.file) : m.file,
    })),
  );
  for (const f of all) counts[f.severity]++;
  return {
    counts,
    bySeverity: severities
      .map((severity) => ({ severity, findings: all.filter((f) => f.severity === severity) }))
      .filter((g) => g.findings.length),
  };
}

export function scopeLabel(scope: ReportScope, n: number): string {
  if (scope.kind === 'migration') return `migration ${scope.version}`;
  if (scope.kind === 'pending') return `pending migrations (${n})`;
  return `all migrations (${n})`;
}

export function titleOf(scope: ReportScope, migrations: MigrationReport[]): string {
  if (scope.kind === 'migration' && migrations[0])
    return `Migration report: ${migrations[0].version} ${migrations[0].name}`;
  return `Migration report: ${scopeLabel(scope, migrations.length)}`;
}

/** '2s' → 2, '500ms' → 0.5 */
function seconds(t: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|min)$/.exec(t);
  if (!m) return Infinity;
  return Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'min' ? 60 : 1);
}
