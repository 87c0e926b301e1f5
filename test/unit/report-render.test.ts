import { strict as assert } from 'node:assert';
import { renderHtml, renderReportBody } from '../../src/core/report/render-html';
import { renderJson } from '../../src/core/report/render-json';
import { renderMarkdown } from '../../src/core/report/render-md';
import { redactSecrets } from '../../src/core/report/redact';
import { timelineSvg } from '../../src/core/report/timeline-svg';
import type { Report } from '../../src/core/report/model';
import { FIXTURE_PASSWORD, sampleReport } from './helpers/report-fixture';

/** Every tag closed in order, attributes quoted, entities known: what an XML parser would accept. */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const re =
    /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|&(#\d+|#x[0-9a-f]+|[a-z]+);|[<&]/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml))) {
    if (m[0] === '<' || m[0] === '&')
      assert.fail(`stray "${m[0]}" at ${m.index}: ${xml.slice(m.index, m.index + 40)}`);
    if (m[5] !== undefined) {
      assert.ok(/^(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos)$/i.test(m[5]), `unknown entity &${m[5]};`);
      continue;
    }
    if (!m[2]) continue;
    if (m[1]) assert.equal(stack.pop(), m[2], `closing </${m[2]}> does not match`);
    else if (!m[4]) stack.push(m[2]);
  }
  assert.deepEqual(stack, [], 'unclosed tags');
}

describe('report: renderers', () => {
  let report: Report;
  before(() => {
    report = sampleReport();
  });

  it('never prints the password of the target, even one that slipped into a note', () => {
    assert.ok(JSON.stringify(report).includes(FIXTURE_PASSWORD), 'the fixture carries the secret in a note');
    for (const [name, text] of [
      ['html', renderHtml(report)],
      ['body', renderReportBody(report)],
      ['md', renderMarkdown(report)],
      ['json', renderJson(report)],
    ]) {
      assert.ok(!text.includes(FIXTURE_PASSWORD), `${name} output contains the password`);
      assert.ok(
        !text.includes(encodeURIComponent(FIXTURE_PASSWORD)),
        `${name} output contains the encoded password`,
      );
      assert.ok(text.includes('db.internal'), `${name} output names the host`);
    }
  });

  it('redacts URL passwords, query-string passwords and conninfo passwords, and leaves SQL alone', () => {
    assert.equal(
      redactSecrets('failed: postgresql://u:p%40ss@h:5432/db'),
      'failed: postgresql://u:***@h:5432/db',
    );
    assert.equal(
      redactSecrets('postgres://h/db?user=u&password=hunter2&sslmode=require'),
      'postgres://h/db?user=u&password=***&sslmode=require',
    );
    assert.equal(
      redactSecrets("host=db user=app password='top secret' dbname=x"),
      'host=db user=app password=*** dbname=x',
    );
    const sql = "UPDATE accounts SET password = crypt($1, gen_salt('bf')) WHERE id = 1";
    assert.equal(redactSecrets(sql), sql);
  });

  it('writes a self-contained HTML page: no script, no external resource, a CSP forbidding both, theme variables', () => {
    const html = renderHtml(report);
    assert.match(html, /^<!doctype html>/);
    assert.ok(!/<script\b/i.test(html), 'no <script>');
    assert.ok(!/\b(src|href)=["']https?:/i.test(html), 'no external resource');
    assert.ok(!/\sstyle="/i.test(html), 'no inline style attribute (a strict CSP would drop it)');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.match(html, /var\(--vscode-foreground/);
    assert.match(html, /prefers-color-scheme: dark/);
  });

  it('shows the score, each migration with its timeline and statements, and every section', () => {
    const html = renderHtml(report);
    assert.match(html, new RegExp(`data-score="${report.score.score}"`));
    for (const m of report.migrations) assert.ok(html.includes(`id="m-${m.version}"`));
    assert.equal((html.match(/<svg /g) ?? []).length, 2, 'one timeline per migration');
    for (const h of [
      'Audit score',
      'Lint findings',
      'Validation',
      'Reversibility',
      'Pre-flight data checks',
      'Post-apply checks',
      'Performance estimate',
      'Notes',
    ]) {
      assert.ok(html.includes(h), `missing section ${h}`);
    }
    assert.match(html, /down does NOT restore the schema/);
    assert.match(html, /pid 4242 \(billing-worker\), open 5 min 12 s/);
    assert.ok(html.includes('rewrites orders &lt;and&gt; its indexes'), 'text is escaped');
  });

  it('draws well-formed timeline SVG: locks coloured by what they block, held until COMMIT inside a transaction', () => {
    const [m1, m2] = report.migrations;
    const svg = timelineSvg(m1);
    assertWellFormedXml(svg);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /class="lock lk-rw"/);
    assert.match(svg, /class="lock lk-w"/);
    // the ALTER (statement 2) takes ACCESS EXCLUSIVE and keeps it until COMMIT, after the CREATE INDEX
    assert.match(
      svg,
      /ACCESS EXCLUSIVE on orders — blocks reads and writes for about 34 s \(statement #2, line 2, held until COMMIT\)/,
    );
    const svg2 = timelineSvg(m2);
    assertWellFormedXml(svg2);
    assert.match(svg2, /class="lock lk-s"/);
    assert.match(svg2, /SHARE UPDATE EXCLUSIVE on orders — blocks schema changes only for about 16 s/);
  });

  it('draws a timeline without estimates as statement order', () => {
    const m = structuredClone(report.migrations[0]);
    for (const s of m.statements) {
      s.estimatedSeconds = null;
      s.startsAt = null;
      s.lockHoldSeconds = null;
    }
    const svg = timelineSvg(m);
    assertWellFormedXml(svg);
    assert.match(svg, /statement order \(no estimate\)/);
  });

  it('JSON carries estimatedSeconds and sql on each statement object', () => {
    const json = JSON.parse(renderJson(report)) as Report;
    const statements = json.migrations.flatMap((m) => m.statements);
    assert.ok(statements.length > 0);
    for (const s of statements) {
      assert.equal(typeof s.sql, 'string');
      assert.ok('estimatedSeconds' in s);
    }
    assert.equal(json.migrations[0].statements[1].estimatedSeconds, 24.9);
  });

  it('Markdown has the summary table, the lock spans and the verdicts', () => {
    const md = renderMarkdown(report);
    assert.match(md, /^# Migration report/);
    assert.match(
      md,
      /\| 20260201090000 \| orders_total_numeric \| pending \| 3 \| 34 s \(21 s–54 s\) \| orders: reads and writes for 34 s \| 2s \| 2 \|/,
    );
    assert.match(md, /\| orders \| ACCESS EXCLUSIVE \| blocks reads and writes \| #2 \| 5 ms \| 34 s \|/);
    assert.match(md, /❌ down does NOT restore the schema/);
    assert.match(md, /```diff\n\+ \[indexes\] CREATE INDEX orders_shipped_at_idx/);
  });
});
