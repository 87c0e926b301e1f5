import assert from 'node:assert/strict';
import { lint } from '../../../src/core/lint/engine';

describe('rule syntax-error', () => {
  it('reports one finding at the error position and still lints the other statements', async () => {
    const sql = 'CREATE INDEX a ON t (x);\nSELECT 1 FRM t;\nCREATE INDEX b ON t (y);';
    const res = await lint(sql);
    const syntax = res.findings.filter((f) => f.rule === 'syntax-error');
    assert.equal(syntax.length, 1);
    assert.match(syntax[0].message, /syntax error at or near "t"/);
    assert.equal(Buffer.from(sql).toString('utf8', syntax[0].range.start, syntax[0].range.end), 't');
    assert.deepEqual(res.source.positionAt(syntax[0].range.start), { line: 1, character: 13 });
    assert.equal(res.findings.filter((f) => f.rule === 'require-concurrent-index-creation').length, 2);
  });
  it('places the error correctly after non-ASCII text (character cursor → byte offset)', async () => {
    const sql = "SELECT 'éé' FRM t;";
    const [f] = (await lint(sql)).findings.filter((x) => x.rule === 'syntax-error');
    assert.equal(Buffer.from(sql).toString('utf8', f.range.start, f.range.end), 't');
  });
  it('points at the end for a truncated statement', async () => {
    const [f] = (await lint('ALTER TABLE t ADD COLUMN')).findings;
    assert.equal(f.rule, 'syntax-error');
    assert.match(f.message, /end of input/);
  });
  it('cannot be silenced by pgshift-ignore', async () => {
    const res = await lint('-- pgshift-ignore syntax-error: no\nSELEC 1;');
    assert.ok(res.findings.some((f) => f.rule === 'syntax-error'));
  });
});
