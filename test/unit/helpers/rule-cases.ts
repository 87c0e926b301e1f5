/**
 * The table-driven test every rule has: SQL that must pass and SQL that must be flagged, each with the
 * context that decides it (options such as postgresVersion / transactionMode, or preceding statements).
 */
import assert from 'node:assert/strict';
import { lint } from '../../../src/core/lint/engine';
import type { Finding, LintOptions } from '../../../src/core/lint/types';

export interface Case {
  sql: string;
  options?: LintOptions;
  /** why this case matters (shown in the test name) */
  why?: string;
}
export interface InvalidCase extends Case {
  /** exact number of findings of this rule (default: at least one) */
  count?: number;
  /** every finding's message must match */
  message?: RegExp;
  /** the text after applying the first finding's fix, or its first suggestion */
  output?: string;
  /** the flagged text (of the first finding) must equal this */
  flagged?: string;
}

export function applyEdits(
  text: string,
  edits: { range: { start: number; end: number }; newText: string }[],
): string {
  const buf = Buffer.from(text, 'utf8');
  const sorted = [...edits].sort((a, b) => b.range.start - a.range.start);
  let out = buf;
  for (const e of sorted) {
    out = Buffer.concat([
      out.subarray(0, e.range.start),
      Buffer.from(e.newText, 'utf8'),
      out.subarray(e.range.end),
    ]);
  }
  return out.toString('utf8');
}

export async function findingsOf(rule: string, sql: string, options: LintOptions = {}): Promise<Finding[]> {
  const res = await lint(sql, options);
  return res.findings.filter((f) => f.rule === rule);
}

export function ruleCases(rule: string, cases: { valid: (string | Case)[]; invalid: InvalidCase[] }): void {
  describe(`rule ${rule}`, () => {
    for (const c of cases.valid) {
      const vc: Case = typeof c === 'string' ? { sql: c } : c;
      it(`valid: ${vc.why ?? oneLine(vc.sql)}`, async () => {
        const found = await findingsOf(rule, vc.sql, vc.options);
        assert.deepEqual(
          found.map((f) => f.message),
          [],
          `expected no ${rule} findings for:\n${vc.sql}`,
        );
      });
    }
    for (const c of cases.invalid) {
      it(`invalid: ${c.why ?? oneLine(c.sql)}`, async () => {
        const found = await findingsOf(rule, c.sql, c.options);
        if (c.count !== undefined)
          assert.equal(found.length, c.count, `expected ${c.count} ${rule} findings for:\n${c.sql}`);
        else assert.ok(found.length > 0, `expected a ${rule} finding for:\n${c.sql}`);
        for (const f of found) {
          if (c.message) assert.match(f.message, c.message);
          assert.ok(f.help.length > 20, 'every finding explains itself in help');
          assert.ok(f.range.end >= f.range.start);
        }
        if (c.flagged !== undefined) {
          const b = Buffer.from(c.sql, 'utf8');
          assert.equal(b.toString('utf8', found[0].range.start, found[0].range.end), c.flagged);
        }
        if (c.output !== undefined) {
          const fix = found[0].fix ?? found[0].suggestions?.[0];
          assert.ok(fix, 'expected a fix or suggestion');
          assert.equal(applyEdits(c.sql, fix.edits), c.output);
        }
      });
    }
  });
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 90 ? t.slice(0, 87) + '...' : t;
}
