/**
 * The audit score: 100 minus points for each problem found, by severity class (critical 25, high 10,
 * medium 4, low 1), each category capped so that one noisy category cannot hide the others. A
 * category that could not be evaluated (no database) takes nothing off and says so.
 */
import type { AuditScore, AuditSeverity, Report, ScoreCategory, ScoreItem } from './model';

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
export const BLOCK_THRESHOLDS = { high: 1, critical: 10 };

export function scoreReport(r: Omit<Report, 'score'>): AuditScore {
  const cats: ScoreCategory[] = [];
  const cat = (id: ScoreCategory['id'], evaluated: boolean, items: ScoreItem[]): void => {
    const total = items.reduce((t, i) => t + i.points, 0);
    cats.push({
      id,
      label: LABELS[id],
      cap: CAPS[id],
      deducted: Math.min(CAPS[id], total),
      evaluated,
      items,
    });
  };
  const item = (severity: AuditSeverity, title: string, version?: string): ScoreItem => ({
    severity,
    title,
    points: SEVERITY_POINTS[severity],
    ...(version ? { version } : {}),
  });

  const inScope = r.migrations.filter((m) => m.inScope);
  cat(
    'lint',
    true,
    inScope.flatMap((m) =>
      m.findings.map((f) =>
        item(
          f.rule === 'syntax-error'
            ? 'critical'
            : f.severity === 'error'
              ? 'high'
              : f.severity === 'warning'
                ? 'medium'
                : 'low',
          `${m.version}${f.script === 'down' ? ' (down)' : ''} line ${f.line}: ${f.rule} — ${f.message}`,
          m.version,
        ),
      ),
    ),
  );

  cat('validation', r.validation.checkedDatabase || r.validation.problems.length > 0, [
    ...r.validation.problems.map((p) =>
      item(
        p.kind === 'failed'
          ? 'critical'
          : p.severity === 'error'
            ? 'high'
            : p.severity === 'warning'
              ? 'medium'
              : 'low',
        p.message,
        p.version,
      ),
    ),
    ...(r.reversibility.ran ? [] : r.validation.missingDowns).map((v) =>
      item('low', `${v} has no down migration`, v),
    ),
  ]);

  cat(
    'reversibility',
    r.reversibility.ran,
    r.reversibility.results.flatMap((x) => {
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
          return [
            item('high', `${label}: applying it again after its down gives a different schema`, x.version),
          ];
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
    }),
  );

  cat(
    'preflight',
    r.preflight.ran,
    r.preflight.checks.flatMap((c) => {
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
    }),
  );

  cat(
    'performance',
    r.performance.ran,
    inScope.flatMap((m) =>
      m.statements.flatMap((s) => {
        const out: ScoreItem[] = [];
        const hold = s.lockHoldSeconds ?? 0;
        const live = s.locks.filter(
          (l) => !l.isNew && (l.blocks === 'reads-writes' || l.blocks === 'writes'),
        );
        const reads = live.find((l) => l.blocks === 'reads-writes');
        const writes = live.find((l) => l.blocks === 'writes');
        const rows = s.table?.exists ? s.table.rows : 0;
        if (reads && rows > 0 && hold >= BLOCK_THRESHOLDS.critical)
          out.push(
            item(
              'critical',
              `${m.version} line ${s.line}: ${reads.relation} blocked for reads and writes for ~${fmtSeconds(hold)} (${s.command})`,
              m.version,
            ),
          );
        else if (reads && rows > 0 && hold >= BLOCK_THRESHOLDS.high)
          out.push(
            item(
              'high',
              `${m.version} line ${s.line}: ${reads.relation} blocked for reads and writes for ~${fmtSeconds(hold)} (${s.command})`,
              m.version,
            ),
          );
        else if (writes && rows > 0 && hold >= BLOCK_THRESHOLDS.critical)
          out.push(
            item(
              'high',
              `${m.version} line ${s.line}: writes to ${writes.relation} blocked for ~${fmtSeconds(hold)} (${s.command})`,
              m.version,
            ),
          );
        else if (writes && rows > 0 && hold >= BLOCK_THRESHOLDS.high)
          out.push(
            item(
              'medium',
              `${m.version} line ${s.line}: writes to ${writes.relation} blocked for ~${fmtSeconds(hold)} (${s.command})`,
              m.version,
            ),
          );
        if (s.queueBehind.length)
          out.push(
            item(
              'medium',
              `${m.version} line ${s.line}: would wait for ${s.queueBehind.length} open transaction${s.queueBehind.length === 1 ? '' : 's'} (oldest ${fmtSeconds(Math.max(...s.queueBehind.map((q) => q.ageSeconds)))})`,
              m.version,
            ),
          );
        return out;
      }),
    ),
  );

  cat(
    'post-apply',
    r.postApply.ran,
    r.postApply.issues.map((i) =>
      item(i.kind === 'invalid-index' ? 'high' : i.kind === 'no-primary-key' ? 'low' : 'medium', i.message),
    ),
  );

  const deducted = cats.reduce((t, c) => t + c.deducted, 0);
  const score = Math.max(0, 100 - deducted);
  const counts: Record<AuditSeverity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const c of cats) for (const i of c.items) counts[i.severity]++;
  return { score, grade: gradeOf(score), counts, breakdown: cats };
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
