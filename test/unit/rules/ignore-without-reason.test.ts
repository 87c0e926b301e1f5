import assert from 'node:assert/strict';
import { lint } from '../../../src/core/lint/engine';

const ABOUT = new Set(['require-concurrent-index-creation', 'unused-ignore', 'ignore-without-reason']);
const relevant = (fs: { rule: string }[]): string[] => fs.filter((f) => ABOUT.has(f.rule)).map((f) => f.rule);

describe('rule ignore-without-reason', () => {
  it('flags an ignore without a reason, and the ignore still works', async () => {
    const res = await lint('-- pgshift-ignore require-concurrent-index-creation\nCREATE INDEX a ON t (x);');
    assert.deepEqual(relevant(res.findings), ['ignore-without-reason']);
    assert.match(res.findings.find((f) => f.rule === 'ignore-without-reason')!.message, /needs a reason/);
  });
  it('flags an empty reason after the colon and a file ignore without reason', async () => {
    const res = await lint(
      '-- pgshift-ignore-file require-concurrent-index-creation:\nCREATE INDEX a ON t (x);',
    );
    assert.deepEqual(relevant(res.findings), ['ignore-without-reason']);
  });
  it('accepts a reason', async () => {
    const res = await lint(
      '-- pgshift-ignore require-concurrent-index-creation: 50 rows, no traffic\nCREATE INDEX a ON t (x);',
    );
    assert.deepEqual(relevant(res.findings), []);
  });
});
