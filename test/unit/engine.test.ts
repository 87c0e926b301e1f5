import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lint } from '../../src/core/lint/engine';
import { lintFiles } from '../../src/core/lint/lint-files';

describe('lint engine context', () => {
  it('statements in a runner-wrapped file share one transaction', async () => {
    const { statements } = await lint('CREATE TABLE a (x int);\nCREATE TABLE b (x int);');
    assert.deepEqual(
      statements.map((s) => [s.inTransaction, s.txId]),
      [
        [true, 0],
        [true, 0],
      ],
    );
  });
  it('-- pgshift:no-transaction runs each statement on its own', async () => {
    const { statements } = await lint('-- pgshift:no-transaction\nSELECT 1;\nSELECT 2;');
    assert.ok(statements.every((s) => !s.inTransaction));
    assert.notEqual(statements[0].txId, statements[1].txId);
  });
  it('transactionMode none from the config has the same effect', async () => {
    const { statements } = await lint('SELECT 1;', { transactionMode: 'none' });
    assert.equal(statements[0].inTransaction, false);
  });
  it('explicit BEGIN/COMMIT blocks define the transactions; statements outside are autocommit', async () => {
    const { statements } = await lint(
      'SELECT 0;\nBEGIN;\nSELECT 1;\nCOMMIT;\nSELECT 2;\nBEGIN;\nSELECT 3;\nCOMMIT;',
    );
    const q = statements.filter((s) => s.kind === 'SelectStmt');
    assert.deepEqual(
      q.map((s) => s.inTransaction),
      [false, true, false, true],
    );
    assert.notEqual(q[1].txId, q[3].txId);
  });
  it('lints SQL inside DO blocks, not inside function bodies', async () => {
    const res = await lint(
      'DO $$ BEGIN IF true THEN CREATE INDEX i ON t (a); END IF; END $$;\n' +
        'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN CREATE INDEX j ON t (b); END $$;',
    );
    const hits = res.findings.filter((f) => f.rule === 'require-concurrent-index-creation');
    assert.equal(hits.length, 1);
    assert.equal(res.source.slice(hits[0].range.start, hits[0].range.end), 't');
    assert.ok(
      res.statements.some((s) => s.origin === 'do-block' && s.kind === 'IndexStmt' && s.inTransaction),
    );
  });
  it('dbmate sections are linted separately, with their own transaction mode', async () => {
    const res = await lint(
      '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- migrate:down\nDROP INDEX i;',
    );
    const up = res.statements.find((s) => s.kind === 'IndexStmt')!;
    const down = res.statements.find((s) => s.kind === 'DropStmt')!;
    assert.equal(up.inTransaction, false);
    assert.equal(down.inTransaction, true);
  });
  it('never throws on garbage and still reports', async () => {
    const res = await lint('\u0000\uffff$$ unterminated');
    assert.ok(res.findings.length >= 1);
  });
});

const idx = (fs: { rule: string }[]): string[] =>
  fs.filter((f) => f.rule === 'require-concurrent-index-creation').map((f) => f.rule);

describe('lintFiles: directory context', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pgshift-lf-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a table created by an earlier migration is not new in later ones', async () => {
    writeFileSync(join(dir, '1_a.up.sql'), 'CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);');
    writeFileSync(join(dir, '2_b.up.sql'), 'CREATE INDEX t_a2 ON t (a);');
    const res = await lintFiles([join(dir, '1_a.up.sql'), join(dir, '2_b.up.sql')], {});
    assert.deepEqual(idx(res[0].findings), []);
    assert.deepEqual(idx(res[1].findings), ['require-concurrent-index-creation']);
  });
  it('migrations are ordered numerically, not by string (2 before 10)', async () => {
    writeFileSync(join(dir, '10_b.up.sql'), 'CREATE INDEX x ON t (a);');
    writeFileSync(join(dir, '2_a.up.sql'), 'CREATE TABLE t (a int);');
    const res = await lintFiles([join(dir, '10_b.up.sql'), join(dir, '2_a.up.sql')], {});
    assert.equal(res[0].file, join(dir, '10_b.up.sql'), 'results come back in the order given');
    assert.equal(idx(res[0].findings).length, 1, 'the table is old by the time 10 runs');
  });
  it('diesel folders chain the same way', async () => {
    mkdirSync(join(dir, '2020-01-01-000000_a'));
    mkdirSync(join(dir, '2020-02-01-000000_b'));
    writeFileSync(join(dir, '2020-01-01-000000_a', 'up.sql'), 'CREATE TABLE t (a int);');
    writeFileSync(join(dir, '2020-02-01-000000_b', 'up.sql'), 'CREATE INDEX x ON t (a);');
    const res = await lintFiles(
      [join(dir, '2020-01-01-000000_a', 'up.sql'), join(dir, '2020-02-01-000000_b', 'up.sql')],
      {},
    );
    assert.equal(idx(res[1].findings).length, 1);
  });
});
