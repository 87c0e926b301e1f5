/**
 * The audit score: 100 minus points for each problem found, by severity class (critical 25, high 10,
 * medium 4, low 1), each category capped so that one noisy category cannot hide the others. A
 * category that could not be evaluated (no database) takes nothing off and says so.
 */
import type {
  AuditScore,
  AuditSeverity,
  MigrationReport,
  PostApplyIssue,
  PreflightCheck,
  Report,
  ScoreCategory,
  ScoreItem,
  StatementReport,
  ValidationSection,
  VerifyMigrationResult,
} from './model';

export const SEVERITY_POINTS: Record<AuditSeverity, number> = { critical: 25, high: 10, medium: 4, low: 1 };

const CAPS: Record<ScoreCategory['id'], number> = {
  lint: 30,
  validation: 20,
  reversibility: 20,
  preflight: 30,
  performance: 30,
  'post-apply': 15,
};

const LABELS: Record<ScoreCategory['id'], string> = {
  lint: 'Lint findings',
  validation: 'Checksums, order and downs',
  reversibility: 'Reversibility (up → down → up)',
  preflight: 'Pre-flight data checks',
  performance: 'Locks and duration',
  'post-apply': 'Post-apply checks',
};

/** Seconds a lock that blocks reads (or writes) may be held before it is a problem. */
const BLOCK_THRESHOLDS = { high: 1, critical: 10 };

export function scoreReport(r: Omit<Report, 'score'>): AuditScore {
  const inScope = r.migrations.filter((m) => m.inScope);
  const cats: ScoreCategory[] = [
    category('lint', true, inScope.flatMap(lintItems)),
    category(
      'validation',
      r.validation.checkedDatabase || r.validation.problems.length > 0,
      validationItems(r.validation, r.reversibility.ran),
    ),
    category('reversibility', r.reversibility.ran, r.reversibility.results.flatMap(reversibilityItems)),
    category('preflight', r.preflight.ran, r.preflight.checks.flatMap(preflightItems)),
    category(
      'performance',
      r.performance.ran,
      inScope.flatMap((m) => m.statements.flatMap((s) => performanceItems(m, s))),
    ),
    category('post-apply', r.postApply.ran, r.postApply.issues.map(postApplyItem)),
  ];
  const deducted = cats.reduce((t, c) => t + c.deducted, 0);
  const score = Math.max(0, 100 - deducted);
  const counts: Record<AuditSeverity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const c of cats) for (const i of c.items) counts[i.severity]++;
  return { score, grade: gradeOf(score), counts, breakdown: cats };
}

/** A category's items and what they take off, never more than its cap. */
function category(id: ScoreCategory['id'], evaluated: boolean, items: ScoreItem[]): ScoreCategory {
  const total = items.reduce((t, i) => t + i.points, 0);
  return {
    id,
    label: LABELS[id],
    cap: CAPS[id],
    deducted: Math.min(CAPS[id], total),
    evaluated,
    items,
  };
}

function item(severity: AuditSeverity, title: string, version?: string): ScoreItem {
  return {
    severity,
    title,
    points: SEVERITY_POINTS[severity],
    ...(version ? { version } : {}),
  };
}

/** A finding of the linter: a syntax error is critical, the others weigh as their severity. */
function lintItems(m: MigrationReport): ScoreItem[] {
  return m.findings.map((f) =>
    item(
      f.rule === 'syntax-error' ? 'critical' : weightOf(f.severity),
      `${m.version}${f.script === 'down' ? ' (down)' : ''} line ${f.line}: ${f.rule} — ${f.message}`,
      m.version,
    ),
  );
}

/**
 * Checksum, order and history problems; a missing down counts here only when the reversibility check
 * did not run (when it ran, it reports the missing down itself).
 */
function validationItems(v: ValidationSection, reversibilityRan: boolean): ScoreItem[] {
  return [
    ...v.problems.map((p) =>
      item(p.kind === 'failed' ? 'critical' : weightOf(p.severity), p.message, p.version),
    ),
    ...(reversibilityRan ? [] : v.missingDowns).map((version) =>
      item('low', `${version} has no down migration`, version),
    ),
  ];
}

/** The up → down → up round trip on a scratch database: a failed up is critical, a down that does not restore high. */
function reversibilityItems(x: VerifyMigrationResult): ScoreItem[] {
  const label = `${x.version} ${x.name}`;
  switch (x.verdict) {
    case 'up-failed':
      return [item('critical', `${label}: up failed on a scratch database: ${x.error ?? ''}`, x.version)];
    case 'not-restored':
      return [
        item(
          'high',
          `${label}: down does not restore the schema (${x.differences.length} difference${x.differences.length === 1 ? '' : 's'})`,
          x.version,
        ),
      ];
    case 'reapply-differs':
      return [item('high', `${label}: applying it again after its down gives a different schema`, x.version)];
    case 'down-failed':
    case 'reapply-failed':
      return [
        item(
          'high',
          `${label}: ${x.verdict === 'down-failed' ? 'down' : 'second up'} failed: ${x.error ?? ''}`,
          x.version,
        ),
      ];
    case 'missing-down':
      return [item('medium', `${label}: no down migration`, x.version)];
    default:
      return [];
  }
}

/** Rows that would make a constraint fail: critical, high when NOT VALID lets the migration through. */
function preflightItems(c: PreflightCheck): ScoreItem[] {
  if (c.status === 'violations')
    return [
      item(
        /NOT VALID/.test(c.message) ? 'high' : 'critical',
        `${c.version} line ${c.line}: ${c.constraint}: ${c.message}`,
        c.version,
      ),
    ];
  if (c.status === 'error')
    return [
      item(
        'low',
        `${c.version} line ${c.line}: ${c.constraint}: check did not finish (${c.message})`,
        c.version,
      ),
    ];
  return [];
}

/**
 * A lock on an existing table with rows, held long enough to be felt (BLOCK_THRESHOLDS; blocking
 * reads weighs a class more than blocking writes), and open transactions the statement would queue behind.
 */
function performanceItems(m: MigrationReport, s: StatementReport): ScoreItem[] {
  const out: ScoreItem[] = [];
  const hold = s.lockHoldSeconds ?? 0;
  const live = s.locks.filter((l) => !l.isNew && (l.blocks === 'reads-writes' || l.blocks === 'writes'));
  const reads = live.find((l) => l.blocks === 'reads-writes');
  const writes = live.find((l) => l.blocks === 'writes');
  const rows = s.table?.exists ? s.table.rows : 0;
  const at = `${m.version} line ${s.line}`;
  const lock = reads ?? writes;
  if (lock && rows > 0 && hold >= BLOCK_THRESHOLDS.high) {
    const long = hold >= BLOCK_THRESHOLDS.critical;
    const blocked = reads
      ? `${lock.relation} blocked for reads and writes`
      : `writes to ${lock.relation} blocked`;
    const severity = reads ? (long ? 'critical' : 'high') : long ? 'high' : 'medium';
    out.push(item(severity, `${at}: ${blocked} for ~${fmtSeconds(hold)} (${s.command})`, m.version));
  }
  if (s.queueBehind.length)
    out.push(
      item(
        'medium',
        `${at}: would wait for ${s.queueBehind.length} open transaction${s.queueBehind.length === 1 ? '' : 's'} (oldest ${fmtSeconds(Math.max(...s.queueBehind.map((q) => q.ageSeconds)))})`,
        m.version,
      ),
    );
  return out;
}

/** A finding's or a problem's own severity as a weight: error high, warning medium, the rest low. */
function weightOf(severity: string): AuditSeverity {
  return severity === 'error' ? 'high' : severity === 'warning' ? 'medium' : 'low';
}

function postApplyItem(i: PostApplyIssue): ScoreItem {
  return item(
    i.kind === 'invalid-index' ? 'high' : i.kind === 'no-primary-key' ? 'low' : 'medium',
    i.message,
  );
}

export function gradeOf(score: number): string {
  return score >= 90 ? 'A' : score >= 80 ? 'B' : score >= 70 ? 'C' : score >= 60 ? 'D' : 'F';
}

export function fmtSeconds(s: number): string {
  if (s === 0) return '0 s';
  if (s < 1) return `${Math.max(1, Math.round(s * 1000))} ms`;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
