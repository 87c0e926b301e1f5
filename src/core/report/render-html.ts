/**
 * The report as HTML. renderReportBody() is the fragment the VS Code panel shows (the webview bundle
 * imports it); renderHtml() wraps it in a self-contained document for Export and `pgshift report
 * --format html`: one file, no script, no external resource, a CSP that forbids both. Colours come
 * from the --vscode-* theme variables, with light and dark fallbacks for a plain browser. The markup
 * has no inline style attributes, so a strict style-src CSP holds.
 */
import { backupLine, batchNote } from './render-md';
import type {
  AuditSeverity,
  MigrationReport,
  PreflightCheck,
  Report,
  StatementReport,
  VerifyVerdict,
} from './model';
import { fmtBytes } from './format';
import { redactSecrets } from './redact';
import { fmtSeconds } from './score';
import { BLOCK_COLORS, esc, timelineSvg } from './timeline-svg';

export const REPORT_CSS = `
:root {
  --pg-fg: #1f2328; --pg-bg: #ffffff; --pg-muted: #59636e; --pg-border: #d1d9e0; --pg-code: #f6f8fa; --pg-link: #0969da;
  --pg-red: #d1242f; --pg-orange: #bc4c00; --pg-yellow: #9a6700; --pg-green: #1a7f37; --pg-blue: #0969da; --pg-grey: #8c959f;
}
@media (prefers-color-scheme: dark) {
  :root {
    --pg-fg: #e6edf3; --pg-bg: #0d1117; --pg-muted: #9198a1; --pg-border: #3d444d; --pg-code: #151b23; --pg-link: #4493f8;
    --pg-red: #f85149; --pg-orange: #f0883e; --pg-yellow: #d29922; --pg-green: #3fb950; --pg-blue: #4493f8; --pg-grey: #9198a1;
  }
}
.pgshift-report {
  --fg: var(--vscode-foreground, var(--pg-fg)); --bg: var(--vscode-editor-background, var(--pg-bg));
  --muted: var(--vscode-descriptionForeground, var(--pg-muted)); --border: var(--vscode-panel-border, var(--vscode-widget-border, var(--pg-border)));
  --code: var(--vscode-textCodeBlock-background, var(--pg-code)); --link: var(--vscode-textLink-foreground, var(--pg-link));
  --red: var(--vscode-charts-red, var(--pg-red)); --orange: var(--vscode-charts-orange, var(--pg-orange));
  --yellow: var(--vscode-charts-yellow, var(--pg-yellow)); --green: var(--vscode-charts-green, var(--pg-green));
  --blue: var(--vscode-charts-blue, var(--pg-blue)); --grey: var(--pg-grey);
  color: var(--fg); background: var(--bg);
  font-family: var(--vscode-font-family, system-ui, -apple-system, 'Segoe UI', sans-serif);
  font-size: var(--vscode-font-size, 13px); line-height: 1.45; margin: 0; padding: 16px 20px 40px; max-width: 1200px;
}
.pgshift-report h1 { font-size: 1.5em; margin: 0 0 4px; font-weight: 600; }
.pgshift-report h2 { font-size: 1.2em; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--border); font-weight: 600; }
.pgshift-report h3 { font-size: 1.05em; margin: 16px 0 6px; font-weight: 600; }
.pgshift-report a { color: var(--link); }
.pgshift-report .muted { color: var(--muted); }
.pgshift-report code, .pgshift-report pre { font-family: var(--vscode-editor-font-family, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace); font-size: 0.92em; }
.pgshift-report code { background: var(--code); padding: 1px 4px; border-radius: 3px; }
.pgshift-report pre { background: var(--code); padding: 8px 10px; border-radius: 4px; overflow-x: auto; white-space: pre-wrap; margin: 4px 0; }
.pgshift-report table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
.pgshift-report th, .pgshift-report td { border: 1px solid var(--border); padding: 4px 8px; text-align: left; vertical-align: top; }
.pgshift-report th { font-weight: 600; background: var(--code); }
.pgshift-report td.num, .pgshift-report th.num { text-align: right; white-space: nowrap; }
.pgshift-report details { margin: 6px 0; }
.pgshift-report summary { cursor: pointer; }
.pgshift-report .header { display: flex; gap: 24px; align-items: center; flex-wrap: wrap; }
.pgshift-report .score { display: flex; align-items: center; gap: 12px; border: 1px solid var(--border); border-radius: 8px; padding: 10px 16px; }
.pgshift-report .score .value { font-size: 2.4em; font-weight: 700; line-height: 1; }
.pgshift-report .score .grade { font-size: 1.2em; font-weight: 700; border-radius: 4px; padding: 2px 8px; color: var(--bg); }
.pgshift-report .grade-A, .pgshift-report .grade-B { background: var(--green); }
.pgshift-report .grade-C { background: var(--yellow); }
.pgshift-report .grade-D { background: var(--orange); }
.pgshift-report .grade-F { background: var(--red); }
.pgshift-report .chips { display: flex; gap: 6px; flex-wrap: wrap; }
.pgshift-report .chip { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 0.85em; border: 1px solid currentColor; white-space: nowrap; }
.pgshift-report .sev-critical { color: var(--red); font-weight: 600; }
.pgshift-report .sev-high { color: var(--orange); }
.pgshift-report .sev-medium { color: var(--yellow); }
.pgshift-report .sev-low { color: var(--muted); }
.pgshift-report .sev-error { color: var(--red); }
.pgshift-report .sev-warning { color: var(--yellow); }
.pgshift-report .sev-info, .pgshift-report .sev-hint { color: var(--blue); }
.pgshift-report .ok { color: var(--green); }
.pgshift-report .bad { color: var(--red); font-weight: 600; }
.pgshift-report .warn { color: var(--orange); }
.pgshift-report .blocks-reads-writes { color: var(--red); }
.pgshift-report .blocks-writes { color: var(--orange); }
.pgshift-report .blocks-schema-changes { color: var(--blue); }
.pgshift-report .blocks-nothing { color: var(--muted); }
.pgshift-report .timeline { overflow-x: auto; margin: 8px 0; }
.pgshift-report .timeline svg { max-width: 100%; height: auto; color: var(--fg); }
.pgshift-report svg .lk-rw { fill: var(--red); }
.pgshift-report svg .lk-w { fill: var(--orange); }
.pgshift-report svg .lk-s { fill: var(--blue); }
.pgshift-report svg .lk-n { fill: var(--grey); }
.pgshift-report .notes li { color: var(--muted); }
.pgshift-report .kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0; }
.pgshift-report .kv dt { color: var(--muted); }
.pgshift-report .kv dd { margin: 0; }

`;

export function renderHtml(report: Report): string {
  return redactSecrets(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="pgshift ${esc(report.pgshiftVersion)}">
<title>${esc(report.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main class="pgshift-report">
${renderReportBody(report)}
</main>
</body>
</html>
`);
}

/** The report's content, for a document (renderHtml) or the VS Code panel. */
export function renderReportBody(r: Report): string {
  return redactSecrets(
    [
      header(r),
      summary(r),
      breakdown(r),
      ...r.migrations.map(migration),
      lint(r),
      validation(r),
      reversibility(r),
      preflight(r),
      postApply(r),
      performance(r),
      notes(r),
    ]
      .filter(Boolean)
      .join('\n'),
  );
}

function header(r: Report): string {
  const s = r.score;
  const chips = (['critical', 'high', 'medium', 'low'] as AuditSeverity[])
    .map((k) => `<span class="chip sev-${k}">${s.counts[k]} ${k}</span>`)
    .join(' ');
  return `<div class="header">
<div>
<h1>${esc(r.title)}</h1>
<div class="muted">${esc(r.scopeLabel)} · ${esc(r.project.layout)} layout · ${r.target ? `${esc(r.target.description)} (${esc(r.target.serverVersion)})` : 'no database: files only'} · PostgreSQL ${r.postgresVersion} lock rules</div>
<div class="muted">generated ${esc(r.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))} by pgshift ${esc(r.pgshiftVersion)}</div>
</div>
<div class="score" data-score="${s.score}"><span class="value">${s.score}</span><span class="grade grade-${esc(s.grade)}">${esc(s.grade)}</span><div class="chips">${chips}</div></div>
</div>`;
}

function summary(r: Report): string {
  if (!r.migrations.length) return `<h2>Migrations</h2><p class="muted">No migration in scope.</p>`;
  const rows = r.migrations.map((m) => {
    const lb = m.longestBlock;
    return `<tr><td><a href="#m-${esc(anchor(m.version))}">${esc(m.version)}</a></td><td>${esc(m.name)}</td><td>${esc(m.state)}</td><td class="num">${m.statements.length}</td><td class="num">${duration(m.estimatedSeconds, m.estimatedRange)}</td><td>${lb ? `<span class="blocks-${lb.blocks}">${esc(lb.relation)}: ${lb.blocks === 'reads-writes' ? 'reads and writes' : 'writes'} for ${esc(fmtSeconds(lb.seconds))}</span>` : '<span class="muted">—</span>'}</td><td>${m.recommendedLockTimeout ? `<code>${esc(m.recommendedLockTimeout)}</code>` : '<span class="muted">—</span>'}</td><td class="num">${m.findings.length}</td></tr>`;
  });
  const total = r.performance.totalEstimatedSeconds;
  return `<h2>Migrations</h2>
<table class="summary"><thead><tr><th>Version</th><th>Name</th><th>State</th><th class="num">Statements</th><th class="num">Estimated</th><th>Longest block</th><th>lock_timeout</th><th class="num">Findings</th></tr></thead>
<tbody>${rows.join('')}</tbody></table>
${total !== null ? `<p>Estimated total: <strong>${esc(fmtSeconds(total))}</strong>${r.performance.calibration ? ` <span class="muted">(calibrated on the target in ${r.performance.calibration.ms} ms)</span>` : ''}</p>` : ''}`;
}

function breakdown(r: Report): string {
  const rows = r.score.breakdown.map((c) => {
    const items = c.items.length
      ? `<details><summary>${c.items.length} item${c.items.length === 1 ? '' : 's'}</summary><ul>${c.items.map((i) => `<li><span class="sev-${i.severity}">${i.severity}</span> −${i.points}: ${esc(i.title)}</li>`).join('')}</ul></details>`
      : c.evaluated
        ? '<span class="ok">nothing found</span>'
        : '<span class="muted">not evaluated</span>';
    return `<tr><td>${esc(c.label)}</td><td class="num">${c.deducted ? `−${c.deducted}` : '0'} <span class="muted">/ ${c.cap}</span></td><td>${items}</td></tr>`;
  });
  return `<h2>Audit score: ${r.score.score} / 100</h2>
<table class="breakdown"><thead><tr><th>Category</th><th class="num">Points</th><th>Details</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function migration(m: MigrationReport): string {
  const stmts = m.statements.map((s, i) => statementRow(s, i, m.file)).join('');
  const findings = m.findings.length
    ? `<h3>Findings</h3><ul>${m.findings.map((f) => `<li><span class="sev-${f.severity}">${f.severity}</span> <code>${esc(f.rule)}</code> ${f.script === 'down' ? '(down) ' : ''}line ${f.line}: ${esc(f.message)}</li>`).join('')}</ul>`
    : '';
  return `<section class="migration" id="m-${esc(anchor(m.version))}">
<h2>${esc(m.version)} ${esc(m.name)} <span class="muted">${esc(m.state)}</span></h2>
<dl class="kv"><dt>File</dt><dd><code class="file" data-file="${esc(m.file)}">${esc(m.file)}</code>${m.downFile ? ` · down: <code class="file" data-file="${esc(m.downFile)}">${esc(m.downFile)}</code>` : ' · <span class="warn">no down</span>'}</dd>
${m.phase ? `<dt>Phase</dt><dd>${esc(m.phase.phase)} of expand/contract group <code>${esc(m.phase.group)}</code></dd>` : ''}
<dt>Runs</dt><dd>${m.noTransaction ? 'statement by statement, outside a transaction' : 'in one transaction: every lock is held until COMMIT'}</dd>
<dt>Estimated</dt><dd>${duration(m.estimatedSeconds, m.estimatedRange)}${m.executionMs !== undefined && m.executionMs !== null ? ` <span class="muted">(applied in ${m.executionMs} ms)</span>` : ''}</dd>
${m.backup ? `<dt>Backup</dt><dd>copied into the archive first: ${esc(backupLine(m.backup))}</dd>` : ''}
${m.recommendedLockTimeout ? `<dt>lock_timeout</dt><dd>set <code>SET lock_timeout = '${esc(m.recommendedLockTimeout)}'</code> so that a wait for the lock fails fast instead of queueing every query on the table behind it</dd>` : ''}
</dl>
<div class="timeline">${timelineSvg(m)}</div>
<table class="statements"><thead><tr><th class="num">#</th><th>Statement</th><th>Locks</th><th>Work</th><th class="num">Rows</th><th class="num">Estimated</th><th class="num">Lock held</th></tr></thead>
<tbody>${stmts}</tbody></table>
${findings}
</section>`;
}

function statementRow(s: StatementReport, i: number, file: string): string {
  const locks = s.locks.length
    ? s.locks
        .map(
          (l) =>
            `<div class="blocks-${l.blocks}" title="${esc(l.why)}"><code>${esc(l.mode)}</code> ${esc(l.relation)}${l.isNew ? ' <span class="muted">(new)</span>' : ''} — ${esc(BLOCK_COLORS[l.blocks].label)}</div>`,
        )
        .join('')
    : '<span class="muted">none</span>';
  const est = s.estimate;
  const estCell =
    s.estimatedSeconds === null
      ? `<span class="muted" title="${esc(est?.basis ?? 'no target')}">—</span>`
      : `<span title="${esc(est?.basis ?? '')}">${esc(fmtSeconds(s.estimatedSeconds))}</span>${est && est.method !== 'catalog' ? `<div class="muted">${esc(fmtSeconds(est.low))}–${esc(fmtSeconds(est.high))} · ${esc(est.method)}</div>` : ''}`;
  const queue = s.queueBehind.length
    ? `<div class="warn">waits for ${s.queueBehind.map((q) => `pid ${q.pid}${q.application ? ` (${esc(q.application)})` : ''}, open ${esc(fmtSeconds(q.ageSeconds))}${q.holds ? `, holds ${esc(q.holds)}` : ''}`).join('; ')}</div>`
    : '';
  const rows = s.table
    ? s.table.exists
      ? `${fmtCount(s.table.rows)}<div class="muted">${esc(fmtBytes(s.table.bytes))}</div>`
      : '<span class="muted">new</span>'
    : '';
  return `<tr><td class="num">${i + 1}<div class="muted file" data-file="${esc(file)}" data-line="${s.line}">L${s.line}</div></td><td><details><summary>${esc(s.summary)}</summary><pre>${esc(s.sql)}</pre>${est ? `<div class="muted">${esc(est.basis)}</div>` : ''}</details></td><td>${locks}${queue}</td><td>${esc(s.work)}<div class="muted">${esc(s.workDetail)}${esc(batchNote(s))}</div></td><td class="num">${rows}</td><td class="num">${estCell}</td><td class="num">${s.lockHoldSeconds !== null ? esc(fmtSeconds(s.lockHoldSeconds)) : '—'}${s.recommendedLockTimeout ? `<div class="muted">lock_timeout ${esc(s.recommendedLockTimeout)}</div>` : ''}</td></tr>`;
}

function lint(r: Report): string {
  const c = r.lint.counts;
  const groups = r.lint.bySeverity
    .map(
      (g) =>
        `<h3 class="sev-${g.severity}">${g.severity} (${g.findings.length})</h3><ul>${g.findings.map((f) => `<li><code>${esc(f.rule)}</code> ${esc(f.version)} <code>${esc(f.file)}</code>:${f.line} — ${esc(f.message)}</li>`).join('')}</ul>`,
    )
    .join('');
  return `<h2>Lint findings</h2><p>${c.error} errors, ${c.warning} warnings, ${c.info} infos, ${c.hint} hints.</p>${groups}`;
}

function validation(r: Report): string {
  const v = r.validation;
  const problems = v.problems.length
    ? `<ul>${v.problems.map((p) => `<li><span class="sev-${p.severity}">${p.severity}</span> <code>${esc(p.kind)}</code> ${esc(p.message)}</li>`).join('')}</ul>`
    : `<p class="ok">No checksum drift, order problem or bad file.</p>`;
  const downs = v.missingDowns.length
    ? `<p class="warn">No down migration: ${v.missingDowns.map(esc).join(', ')}</p>`
    : '';
  return `<h2>Validation</h2>${v.checkedDatabase ? '' : '<p class="muted">No database: applied checksums and order were not checked.</p>'}${problems}${downs}`;
}

const VERDICTS: Record<VerifyVerdict, [string, string]> = {
  restored: ['ok', 'down restores the schema'],
  'restored-with-notes': ['ok', 'down restores the schema (with notes)'],
  'not-restored': ['bad', 'down does NOT restore the schema'],
  'missing-down': ['warn', 'no down migration'],
  'up-failed': ['bad', 'up failed'],
  'down-failed': ['bad', 'down failed'],
  'reapply-failed': ['bad', 'up failed after its down'],
  'reapply-differs': ['bad', 'up after down gives a different schema'],
  'not-run': ['muted', 'not run'],
};

function reversibility(r: Report): string {
  const x = r.reversibility;
  if (!x.ran) return `<h2>Reversibility</h2><p class="muted">Not checked: ${esc(x.skippedReason ?? '')}</p>`;
  const rows = x.results.map((v) => {
    const [cls, text] = VERDICTS[v.verdict];
    const detail = [...v.differences, ...v.notes.map((n) => `note: ${n}`)];
    return `<tr><td>${esc(v.version)}</td><td>${esc(v.name)}</td><td class="${cls}">${esc(text)}${v.error ? `<div class="muted">${esc(v.error)}</div>` : ''}</td><td>${detail.length ? `<details><summary>${detail.length} line${detail.length === 1 ? '' : 's'}</summary><pre>${esc(detail.join('\n'))}</pre></details>` : ''}</td></tr>`;
  });
  return `<h2>Reversibility</h2><p class="muted">up → down → up on ${esc(x.where ?? 'a scratch database')}, comparing schema snapshots.</p>
<table><thead><tr><th>Version</th><th>Name</th><th>Result</th><th>Differences</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function preflight(r: Report): string {
  const p = r.preflight;
  if (!p.ran)
    return `<h2>Pre-flight data checks</h2><p class="muted">Not run: ${esc(p.skippedReason ?? '')}</p>`;
  if (!p.checks.length)
    return `<h2>Pre-flight data checks</h2><p class="muted">No statement adds a NOT NULL, UNIQUE, CHECK or foreign key to existing rows.</p>`;
  const rows = p.checks.map(
    (c) =>
      `<tr><td>${esc(c.version)}<div class="muted">L${c.line}</div></td><td><code>${esc(c.constraint)}</code></td><td class="${statusClass(c)}">${esc(c.status)}${c.violations ? ` (${fmtCount(c.violations)})` : ''}</td><td>${esc(c.message)}${examples(c)}</td></tr>`,
  );
  return `<h2>Pre-flight data checks</h2><p class="muted">Read-only queries on the target, each in a READ ONLY transaction with a statement_timeout.</p>
<table><thead><tr><th>Migration</th><th>Constraint</th><th>Status</th><th>Details</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function examples(c: PreflightCheck): string {
  if (!c.examples.length) return '';
  const cols = Object.keys(c.examples[0]);
  return `<table class="examples"><thead><tr>${cols.map((k) => `<th>${esc(k)}</th>`).join('')}</tr></thead><tbody>${c.examples.map((e) => `<tr>${cols.map((k) => `<td>${e[k] === null ? '<span class="muted">NULL</span>' : esc(String(e[k]))}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function statusClass(c: PreflightCheck): string {
  return c.status === 'ok'
    ? 'ok'
    : c.status === 'violations'
      ? 'bad'
      : c.status === 'error'
        ? 'warn'
        : 'muted';
}

function postApply(r: Report): string {
  const p = r.postApply;
  if (!p.ran) return `<h2>Post-apply checks</h2><p class="muted">Not run: ${esc(p.skippedReason ?? '')}</p>`;
  if (!p.issues.length)
    return `<h2>Post-apply checks</h2><p class="ok">No foreign key without an index, invalid index, unvalidated constraint or table without a primary key.</p>`;
  const rows = p.issues.map(
    (i) =>
      `<tr><td><code>${esc(i.kind)}</code></td><td>${esc(i.message)}</td><td>${i.fix ? `<code>${esc(i.fix)}</code>` : ''}</td><td class="muted">${i.where === 'target' ? 'on the target' : 'after the migrations'}</td></tr>`,
  );
  return `<h2>Post-apply checks</h2><table><thead><tr><th>Kind</th><th>Issue</th><th>Fix</th><th>Seen</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function performance(r: Report): string {
  const p = r.performance;
  if (!p.ran)
    return `<h2>Performance estimate</h2><p class="muted">Not run: ${esc(p.skippedReason ?? '')}</p>`;
  const c = p.calibration;
  const cal = c
    ? `<dl class="kv"><dt>Calibration</dt><dd>${esc(c.method)}, ${fmtCount(c.rows)} rows, ${c.ms} ms</dd><dt>Sequential scan</dt><dd>${c.seqScanMBps} MB/s</dd><dt>Sort</dt><dd>${fmtCount(c.sortRowsPerSec)} rows/s</dd><dt>Index build</dt><dd>${fmtCount(c.indexBuildRowsPerSec)} rows/s (parallel speed-up ×${c.parallelSpeedup})</dd><dt>Rewrite</dt><dd>${c.rewriteMBps} MB/s</dd><dt>Update</dt><dd>${fmtCount(c.updateRowsPerSec)} rows/s</dd></dl>`
    : '<p class="muted">No calibration.</p>';
  const tx = p.longTransactions.length
    ? `<h3>Open transactions right now</h3><table><thead><tr><th>pid</th><th>User / application</th><th>State</th><th class="num">Open for</th><th>Query</th></tr></thead><tbody>${p.longTransactions.map((t) => `<tr><td>${t.pid}</td><td>${esc(t.user ?? '')} ${t.application ? `/ ${esc(t.application)}` : ''}</td><td>${esc(t.state ?? '')}</td><td class="num">${esc(fmtSeconds(t.ageSeconds))}</td><td><code>${esc(t.query ?? '')}</code></td></tr>`).join('')}</tbody></table>`
    : '<p class="ok">No transaction has been open for more than 5 s.</p>';
  const settings = Object.keys(p.settings).length
    ? `<details><summary>Server settings</summary><dl class="kv">${Object.entries(p.settings)
        .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
        .join('')}</dl></details>`
    : '';
  return `<h2>Performance estimate</h2>${cal}${tx}${settings}`;
}

function notes(r: Report): string {
  return r.notes.length
    ? `<h2>Notes</h2><ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`
    : '';
}

function duration(s: number | null, range: { low: number; high: number } | null): string {
  if (s === null) return '<span class="muted">—</span>';
  return `${esc(fmtSeconds(s))}${range ? ` <span class="muted">(${esc(fmtSeconds(range.low))}–${esc(fmtSeconds(range.high))})</span>` : ''}`;
}

function anchor(v: string): string {
  return v.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function fmtCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
