import assert from 'node:assert/strict';
import { lint } from '../../../src/core/lint/engine';

describe('rule ignore-without-reason', () => {
  it('flags an ignore without a reason, and the ignore still works', async () => {
    const res = await lint('-- pgshift-ignore require-concurrent-index-creation\nCREATE INDEX a ON t (x);');
    assert.deepEqual(res.findings.map((f) => f.rule), ['ignore-without-reason']);
    assert.match(res.findings[0].message, /needs a reason/);
  });
  it('flags an empty reason after the colon and a file ignore without reason', async () => {
    const res = await lint('-- pgshift-ignore-file require-concurrent-index-creation:\nCREATE INDEX a ON t (x);');
    assert.deepEqual(res.findings.map((f) => f.rule), ['ignore-without-reason']);
  });
  it('accepts a reason', async () => {
    const res = await lint('-- pgshift-ignore require-concurrent-index-creation: 50 rows, no traffic\nCREATE INDEX a ON t (x);');
    assert.deepEqual(res.findings, []);
  });
});
