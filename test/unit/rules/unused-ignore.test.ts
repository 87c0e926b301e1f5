import assert from 'node:assert/strict';
import { lint } from '../../../src/core/lint/engine';

// only the rules these tests are about: other rules may legitimately add hints to the same SQL
const ABOUT = new Set([
  'require-concurrent-index-creation',
  'unused-ignore',
  'ignore-without-reason',
  'syntax-error',
]);
const rules = async (sql: string): Promise<string[]> =>
  (await lint(sql)).findings.filter((f) => ABOUT.has(f.rule)).map((f) => f.rule);

describe('rule unused-ignore and suppressions', () => {
  it('a statement ignore silences the rule on the next statement only', async () => {
    const sql =
      '-- pgshift-ignore require-concurrent-index-creation: tiny table\nCREATE INDEX a ON t (x);\nCREATE INDEX b ON t (y);';
    const res = await lint(sql);
    const hits = res.findings.filter((f) => f.rule === 'require-concurrent-index-creation');
    assert.equal(hits.length, 1);
    assert.match(res.source.slice(hits[0].range.start, res.source.length), /^t \(y\)/);
    assert.ok(!res.findings.some((f) => f.rule === 'unused-ignore'));
  });
  it('a block-comment ignore and several rules separated by commas work', async () => {
    assert.deepEqual(
      await rules(
        '/* pgshift-ignore require-concurrent-index-creation, syntax-error: ok */ CREATE INDEX a ON t (x);',
      ),
      ['unused-ignore'],
    );
  });
  it('a file ignore silences the rule everywhere in the file', async () => {
    assert.deepEqual(
      await rules(
        '-- pgshift-ignore-file require-concurrent-index-creation: maintenance window\nCREATE INDEX a ON t (x);\nCREATE INDEX b ON t (y);',
      ),
      [],
    );
  });
  it('reports an ignore that silences nothing', async () => {
    const res = await lint(
      '-- pgshift-ignore require-concurrent-index-creation: tiny\nCREATE INDEX CONCURRENTLY a ON t (x);',
    );
    const f = res.findings.filter((x) => x.rule === 'unused-ignore');
    assert.equal(f.length, 1);
    assert.match(f[0].message, /silences nothing/);
  });
  it('reports an unknown rule id', async () => {
    const res = await lint(
      '-- pgshift-ignore require-concurent-index-creation: typo\nCREATE INDEX a ON t (x);',
    );
    assert.ok(
      res.findings.some(
        (f) =>
          f.rule === 'unused-ignore' && /unknown rule "require-concurent-index-creation"/.test(f.message),
      ),
    );
    assert.ok(res.findings.some((f) => f.rule === 'require-concurrent-index-creation'));
  });
  it('an ignore applies to the statement after it, not one further away', async () => {
    assert.deepEqual(
      (
        await rules(
          '-- pgshift-ignore require-concurrent-index-creation: tiny\nSELECT 1;\nCREATE INDEX a ON t (x);',
        )
      ).sort(),
      ['require-concurrent-index-creation', 'unused-ignore'],
    );
  });
});
