/**
 * The report as Markdown (for a pull request comment or a file next to the migrations): the same
 * sections as the HTML, the lock timeline as a table of lock spans.
 */
import type { MigrationReport, Report, StatementReport, VerifyVerdict } from './model';
import { fmtBytes } from './format';
import { redactSecrets } from './redact';
import { fmtSeconds } from './score';
import { BLOCK_COLORS } from './timeline-svg';

export function renderMarkdown(r: Report): string {
  const out: string[] = [];
  out.push(`# ${r.title}`, '');
  out.push(
    `**Score ${r.score.score}/100 (${r.score.grade})** — ${r.score.counts.critical} critical, ${r.score.counts.high} high, ${r.score.counts.medium} medium, ${r.score.counts.low} low`,
    '',
  );
  out.push(
    `${r.scopeLabel} · ${r.project.layout} layout · ${r.target ? `${r.target.description} (${r.target.serverVersion})` : 'no database: files only'} · PostgreSQL ${r.postgresVersion} lock rules · pgshift ${r.pgshiftVersion} · ${r.generatedAt}`,
    '',
  );

  out.push('## Migrations', '');
  if (!r.migrations.length) out.push('No migration in scope.', '');
  else {
    out.push(
      '| Version | Name | State | Statements | Estimated | Longest block | lock_timeout | Findings |',
      '|---|---|---|--:|--:|---|---|--:|',
    );
    for (const m of r.migrations) {
      const lb = m.longestBlock
        ? `${m.longestBlock.relation}: ${m.longestBlock.blocks === 'reads-writes' ? 'reads and writes' : 'writes'} for ${fmtSeconds(m.longestBlock.seconds)}`
        : '—';
      out.push(
        `| ${cell(m.version)} | ${cell(m.name)} | ${m.state} | ${m.statements.length} | ${duration(m)} | ${cell(lb)} | ${m.recommendedLockTimeout ?? '—'} | ${m.findings.length} |`,
      );
    }
    out.push('');
    if (r.performance.totalEstimatedSeconds !== null)
      out.push(`Estimated total: **${fmtSeconds(r.performance.totalEstimatedSeconds)}**`, '');
  }

  out.push('## Audit score', '', '| Category | Points | Items |', '|---|--:|---|');
  for (const c of r.score.breakdown)
    out.push(
      `| ${c.label} | ${c.deducted ? `−${c.deducted}` : '0'} / ${c.cap} | ${c.evaluated ? (c.items.length ? c.items.length : 'nothing found') : 'not evaluated'} |`,
    );
  out.push('');
  const items = r.score.breakdown.flatMap((c) => c.items);
  for (const i of items) out.push(`- **${i.severity}** (−${i.points}) ${i.title}`);
  if (items.length) out.push('');

  for (const m of r.migrations) out.push(...migration(m));

  out.push(
    '## Lint findings',
    '',
    `${r.lint.counts.error} errors, ${r.lint.counts.warning} warnings, ${r.lint.counts.info} infos, ${r.lint.counts.hint} hints.`,
    '',
  );
  for (const g of r.lint.bySeverity) {
    out.push(`### ${g.severity} (${g.findings.length})`, '');
    for (const f of g.findings)
      out.push(`- \`${f.rule}\` ${f.version} \`${f.file}\`:${f.line} — ${f.message}`);
    out.push('');
  }

  out.push('## Validation', '');
  if (!r.validation.checkedDatabase)
    out.push('_No database: applied checksums and order were not checked._', '');
  if (!r.validation.problems.length) out.push('No checksum drift, order problem or bad file.', '');
  for (const p of r.validation.problems) out.push(`- **${p.severity}** \`${p.kind}\` ${p.message}`);
  if (r.validation.missingDowns.length)
    out.push('', `No down migration: ${r.validation.missingDowns.join(', ')}`);
  out.push('');

  out.push('## Reversibility', '');
  if (!r.reversibility.ran) out.push(`Not checked: ${r.reversibility.skippedReason ?? ''}`, '');
  else {
    out.push(
      `up → down → up on ${r.reversibility.where ?? 'a scratch database'}, comparing schema snapshots.`,
      '',
      '| Version | Name | Result |',
      '|---|---|---|',
    );
    for (const v of r.reversibility.results)
      out.push(
        `| ${cell(v.version)} | ${cell(v.name)} | ${VERDICTS[v.verdict]}${v.error ? `: ${cell(v.error)}` : ''} |`,
      );
    out.push('');
    for (const v of r.reversibility.results.filter((x) => x.differences.length || x.notes.length)) {
      out.push(
        `${v.version} ${v.name}:`,
        '',
        '```diff',
        ...v.differences,
        ...v.notes.map((n) => `# note: ${n}`),
        '```',
        '',
      );
    }
  }

  out.push('## Pre-flight data checks', '');
  if (!r.preflight.ran) out.push(`Not run: ${r.preflight.skippedReason ?? ''}`, '');
  else if (!r.preflight.checks.length)
    out.push('No statement adds a NOT NULL, UNIQUE, CHECK or foreign key to existing rows.', '');
  else {
    out.push('| Migration | Line | Constraint | Status | Details |', '|---|--:|---|---|---|');
    for (const c of r.preflight.checks)
      out.push(
        `| ${c.version} | ${c.line} | \`${cell(c.constraint)}\` | ${c.status}${c.violations ? ` (${c.violations})` : ''} | ${cell(c.message)}${c.examples.length ? ` e.g. ${cell(c.examples.map((e) => JSON.stringify(e)).join('; '))}` : ''} |`,
      );
    out.push('');
  }

  out.push('## Post-apply checks', '');
  if (!r.postApply.ran) out.push(`Not run: ${r.postApply.skippedReason ?? ''}`, '');
  else if (!r.postApply.issues.length)
    out.push(
      'No foreign key without an index, invalid index, unvalidated constraint or table without a primary key.',
      '',
    );
  else {
    for (const i of r.postApply.issues)
      out.push(
        `- \`${i.kind}\` ${i.message}${i.fix ? ` — fix: \`${i.fix}\`` : ''} _(${i.where === 'target' ? 'on the target' : 'after the migrations'})_`,
      );
    out.push('');
  }

  out.push('## Performance estimate', '');
  const p = r.performance;
  if (!p.ran) out.push(`Not run: ${p.skippedReason ?? ''}`, '');
  else {
    const c = p.calibration;
    if (c)
      out.push(
        `Calibrated on the target (${c.method}, ${c.rows} rows, ${c.ms} ms): scan ${c.seqScanMBps} MB/s, sort ${c.sortRowsPerSec} rows/s, index build ${c.indexBuildRowsPerSec} rows/s (parallel ×${c.parallelSpeedup}), rewrite ${c.rewriteMBps} MB/s, update ${c.updateRowsPerSec} rows/s.`,
        '',
      );
    if (p.longTransactions.length) {
      out.push(
        'Open transactions right now:',
        '',
        '| pid | user | application | state | open for | query |',
        '|--:|---|---|---|--:|---|',
      );
      for (const t of p.longTransactions)
        out.push(
          `| ${t.pid} | ${cell(t.user ?? '')} | ${cell(t.application ?? '')} | ${cell(t.state ?? '')} | ${fmtSeconds(t.ageSeconds)} | \`${cell(t.query ?? '')}\` |`,
        );
      out.push('');
    } else out.push('No transaction has been open for more than 5 s.', '');
  }
  if (r.notes.length) {
    out.push('## Notes', '');
    for (const n of r.notes) out.push(`- ${n}`);
    out.push('');
  }
  return redactSecrets(out.join('\n'));
}

/** 'column users.email (≈ 4.9 MB, ≈ 0.1 s)' */
export function backupLine(b: NonNullable<MigrationReport['backup']>): string {
  return `${b.objects.map((o) => o.what).join(', ')} (≈ ${fmtBytes(b.bytes)}, ≈ ${fmtSeconds(b.seconds)})`;
}

function migration(m: MigrationReport): string[] {
  const out: string[] = [`## ${m.version} ${m.name} (${m.state})`, ''];
  out.push(
    `\`${m.file}\`${m.downFile ? ` · down \`${m.downFile}\`` : ' · **no down**'} · ${m.noTransaction ? 'runs outside a transaction' : 'runs in one transaction (locks held until COMMIT)'} · estimated ${duration(m)}`,
    '',
  );
  if (m.phase) out.push(`Phase: **${m.phase.phase}** of expand/contract group \`${m.phase.group}\`.`, '');
  if (m.recommendedLockTimeout)
    out.push(`Recommended: \`SET lock_timeout = '${m.recommendedLockTimeout}'\`.`, '');
  if (m.backup) out.push(`Backed up first: ${backupLine(m.backup)}.`, '');
  out.push(
    '| # | Line | Statement | Locks | Work | Rows | Estimated | Lock held |',
    '|--:|--:|---|---|---|--:|--:|--:|',
  );
  m.statements.forEach((s, i) => {
    const locks =
      s.locks
        .map((l) => `${l.mode} ${l.relation}${l.isNew ? ' (new)' : ''} (${BLOCK_COLORS[l.blocks].label})`)
        .join('<br>') || '—';
    const est =
      s.estimatedSeconds === null
        ? '—'
        : `${fmtSeconds(s.estimatedSeconds)}${s.estimate && s.estimate.method !== 'catalog' ? ` (${fmtSeconds(s.estimate.low)}–${fmtSeconds(s.estimate.high)}, ${s.estimate.method})` : ''}`;
    const rows = s.table ? (s.table.exists ? String(s.table.rows) : 'new') : '';
    const waits = s.queueBehind.length
      ? `<br>waits for ${s.queueBehind.map((q) => `pid ${q.pid} (open ${fmtSeconds(q.ageSeconds)})`).join(', ')}`
      : '';
    out.push(
      `| ${i + 1} | ${s.line} | \`${cell(s.summary)}\` | ${cell(locks)}${waits} | ${s.work}: ${cell(s.workDetail)}${batchNote(s)} | ${rows} | ${est} | ${s.lockHoldSeconds === null ? '—' : fmtSeconds(s.lockHoldSeconds)} |`,
    );
  });
  out.push('');
  const spans = m.statements.flatMap((s, i) =>
    s.locks
      .filter((l) => l.blocks === 'reads-writes' || l.blocks === 'writes')
      .map(
        (l) =>
          `| ${cell(l.relation)}${l.isNew ? ' (new)' : ''} | ${l.mode} | ${BLOCK_COLORS[l.blocks].label} | #${i + 1} | ${s.startsAt === null ? '—' : fmtSeconds(s.startsAt)} | ${s.lockHoldSeconds === null ? '—' : fmtSeconds(s.lockHoldSeconds)} |`,
      ),
  );
  if (spans.length)
    out.push(
      'Lock timeline (what blocks writes, and for how long):',
      '',
      '| Relation | Lock | Blocks | From statement | Starts at | Held for |',
      '|---|---|---|--:|--:|--:|',
      ...spans,
      '',
    );
  if (m.findings.length) {
    out.push('Findings:', '');
    for (const f of m.findings)
      out.push(
        `- **${f.severity}** \`${f.rule}\` ${f.script === 'down' ? '(down) ' : ''}line ${f.line}: ${f.message}`,
      );
    out.push('');
  }
  return out;
}

const VERDICTS: Record<VerifyVerdict, string> = {
  restored: '✅ down restores the schema',
  'restored-with-notes': '✅ down restores the schema (with notes)',
  'not-restored': '❌ down does NOT restore the schema',
  'missing-down': '⚠️ no down migration',
  'up-failed': '❌ up failed',
  'down-failed': '❌ down failed',
  'reapply-failed': '❌ up failed after its down',
  'reapply-differs': '❌ up after down gives a different schema',
  'not-run': 'not run',
};

function duration(m: MigrationReport): string {
  if (m.estimatedSeconds === null) return '—';
  return `${fmtSeconds(m.estimatedSeconds)}${m.estimatedRange ? ` (${fmtSeconds(m.estimatedRange.low)}–${fmtSeconds(m.estimatedRange.high)})` : ''}`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** ' · batched: 8 batches of 5,000 rows' for a statement under `-- pgshift:batch` */
export function batchNote(s: StatementReport): string {
  const b = s.batch;
  if (!b) return '';
  if (b.batches === undefined) return ` · batched (${b.options || 'size=auto'})`;
  const size = b.size === 'auto' ? Math.ceil((b.rows ?? 0) / b.batches) : b.size;
  return ` · batched: ${b.batches.toLocaleString('en-US')} batches of ${size.toLocaleString('en-US')} rows`;
}
