/**
 * No input makes the linter throw, hang or report out-of-range positions: random bytes, random SQL-ish
 * token soup, truncated real migrations, invalid UTF-8, a huge file, and PostgreSQL's own regression SQL.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { lintWith } from '../../src/core/lint/engine';
import { lintFiles, readSql } from '../../src/core/lint/lint-files';
import { loadParser, type SqlParser } from '../../src/core/sql/parser';
import { walkFiles } from '../../src/core/files';
import type { Finding } from '../../src/core/lint/types';

const corpus = join(__dirname, '..', '..', '..', '..', 'shared', 'corpus');

function checkFindings(text: string, findings: Finding[]): void {
  const len = Buffer.byteLength(text, 'utf8');
  for (const f of findings) {
    assert.ok(
      f.range.start >= 0 && f.range.end <= len && f.range.start <= f.range.end,
      `range out of bounds: ${JSON.stringify(f.range)} of ${len}`,
    );
    assert.ok(!f.message.startsWith('internal error'), f.message);
  }
}

describe('robustness', function () {
  this.timeout(120_000);
  let parser: SqlParser;
  before(async () => {
    parser = await loadParser();
  });

  it('random bytes (as UTF-8, invalid sequences included)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const text = Buffer.from(bytes).toString('utf8');
        checkFindings(text, lintWith(parser, text).findings);
      }),
      { numRuns: 400 },
    );
  });

  it('SQL-ish token soup: quotes, dollar quotes, comments, semicolons, parentheses', () => {
    const tokens = [
      'CREATE',
      'INDEX',
      'ON',
      't',
      '(',
      ')',
      ';',
      "'",
      '"',
      '$$',
      '$a$',
      '--',
      '/*',
      '*/',
      'BEGIN',
      'ATOMIC',
      'END',
      'DO',
      'ALTER TABLE',
      'ADD COLUMN',
      'é',
      '\\',
      'COPY t FROM stdin',
      '\n',
      ' ',
      "E'",
      'CONCURRENTLY',
      'NOT VALID',
      'pgshift-ignore',
      ':',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 80 }), (parts) => {
        const text = parts.join(' ');
        checkFindings(text, lintWith(parser, text).findings);
      }),
      { numRuns: 500 },
    );
  });

  it('real migrations cut at random places', () => {
    const files = walkFiles(join(corpus, 'lemmy'))
      .filter((f) => f.endsWith('.sql'))
      .slice(0, 200);
    assert.ok(files.length > 50, 'corpus present');
    const texts = files.map((f) => readFileSync(f, 'utf8'));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: texts.length - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (i, cut) => {
          const t = texts[i].slice(0, Math.floor(texts[i].length * cut));
          checkFindings(t, lintWith(parser, t).findings);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('invalid UTF-8 files are read with replacement characters and linted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgshift-utf8-'));
    try {
      const f = join(dir, 'bad.sql');
      writeFileSync(f, Buffer.from([0x43, 0x52, 0x45, 0x41, 0x54, 0x45, 0x20, 0xff, 0xfe, 0x3b]));
      const text = readSql(f);
      checkFindings(text, lintWith(parser, text).findings);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a 5 MB file lints in bounded time', () => {
    const stmt =
      'ALTER TABLE orders ADD COLUMN note_x text;\nCREATE INDEX orders_note_idx ON orders (note_x);\n';
    const text = stmt.repeat(Math.ceil((5 * 1024 * 1024) / stmt.length));
    const t0 = performance.now();
    const res = lintWith(parser, text);
    const ms = performance.now() - t0;
    checkFindings(text, res.findings);
    assert.ok(res.statements.length > 100_000);
    assert.ok(ms < 60_000, `took ${ms} ms`);
    console.log(`      5 MB, ${res.statements.length} statements: ${(ms / 1000).toFixed(1)} s`);
  });

  it("PostgreSQL's regression SQL (223 files, many deliberately invalid) lints in one run without a crash", async () => {
    const files = walkFiles(join(corpus, 'pg-regress')).filter((f) => f.endsWith('.sql'));
    assert.equal(files.length, 223);
    const t0 = performance.now();
    const results = await lintFiles(files, {});
    const ms = performance.now() - t0;
    let findings = 0;
    for (const r of results) {
      checkFindings(r.source.text, r.findings);
      findings += r.findings.length;
    }
    const syntax = results.reduce(
      (n, r) => n + r.findings.filter((f) => f.rule === 'syntax-error').length,
      0,
    );
    console.log(
      `      223 files, ${findings} findings (${syntax} syntax errors) in ${(ms / 1000).toFixed(1)} s`,
    );
  });

  it('re-lint of a 2,000-line migration after a keystroke takes under 50 ms', () => {
    // real migration SQL (lemmy's up migrations, in order) until 2,000 lines
    const files = walkFiles(join(corpus, 'lemmy')).filter((f) => f.endsWith('up.sql'));
    const lines: string[] = [];
    for (const f of files) {
      if (lines.length >= 2000) break;
      lines.push(...readFileSync(f, 'utf8').split('\n'));
    }
    const text = lines.slice(0, 2000).join('\n');
    const first = performance.now();
    const base = lintWith(parser, text);
    const firstMs = performance.now() - first;
    const times: number[] = [];
    const mid = base.statements[Math.floor(base.statements.length / 2)].range.end;
    for (let i = 0; i < 21; i++) {
      // a keystroke inside one statement: only that statement changes
      const edited = Buffer.concat([
        Buffer.from(text).subarray(0, mid),
        Buffer.from(' '.repeat(i + 1)),
        Buffer.from(text).subarray(mid),
      ]).toString();
      const t0 = performance.now();
      lintWith(parser, edited);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    console.log(
      `      2,000 lines, ${base.statements.length} statements, ${base.findings.length} findings: first lint ${firstMs.toFixed(1)} ms, re-lint median ${median.toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms`,
    );
    assert.ok(median < 50, `median ${median} ms`);
  });

  it('10,000 ALTER TABLEs on distinct tables (SET NOT NULL, ALTER COLUMN TYPE) lint in linear time', () => {
    // rules that look back at earlier statements of the same table must use per-file indexes, not rescan the file
    const n = 10_000;
    const cases = [
      { rule: 'set-not-null', sql: (i: number) => `ALTER TABLE t${i} ALTER COLUMN c SET NOT NULL;` },
      { rule: 'changing-column-type', sql: (i: number) => `ALTER TABLE t${i} ALTER COLUMN c TYPE bigint;` },
    ];
    for (const { rule, sql } of cases) {
      const text = Array.from({ length: n }, (_, i) => sql(i)).join('\n');
      const t0 = performance.now();
      const res = lintWith(parser, text);
      const ms = performance.now() - t0;
      assert.equal(res.statements.length, n);
      assert.equal(res.findings.filter((f) => f.rule === rule).length, n);
      console.log(`      ${n} statements, ${rule}: ${(ms / 1000).toFixed(2)} s`);
      assert.ok(ms < 5_000, `${rule}: took ${ms} ms`);
    }
  });

  it('linting the same text twice gives the same findings (parse trees are cached and shared)', () => {
    const text = readFileSync(
      join(corpus, 'lemmy', 'migrations', '2020-06-30-135809_remove_mat_views', 'up.sql'),
      'utf8',
    );
    const a = lintWith(parser, text).findings;
    const b = lintWith(parser, text).findings;
    assert.deepEqual(b, a);
  });
});
