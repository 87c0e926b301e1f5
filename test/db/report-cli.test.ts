import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { main } from '../../src/cli/main';
import type { Report } from '../../src/core/report/model';
import { fakeIo } from '../unit/helpers/fake-io';
import { migrationsDir } from './report-helpers';
import { createScratchDatabase, type ScratchDatabase } from './server';

describe('report: `pgshift report`', function () {
  this.timeout(180_000);
  let db: ScratchDatabase;
  const mig = migrationsDir({
    '1_create': ['CREATE TABLE things (id bigint PRIMARY KEY, n int NOT NULL);\n', 'DROP TABLE things;\n'],
    '2_index': ['CREATE INDEX things_n_idx ON things (n);\n', 'DROP INDEX things_n_idx;\n'],
  });
  let password: string;
  before(async () => {
    db = await createScratchDatabase('report_cli');
    password = decodeURIComponent(new URL(db.url).password);
    const c = new Client({ connectionString: db.url });
    await c.connect();
    await c.query('CREATE TABLE things (id bigint PRIMARY KEY, n int NOT NULL)');
    await c.query('INSERT INTO things SELECT g, g % 100 FROM generate_series(1, 30000) g');
    await c.query('ANALYZE things');
    await c.end();
  });
  after(async () => {
    await db?.drop();
    mig.remove();
  });

  it('--format json: each statement object carries its sql and estimatedSeconds; no password anywhere', async () => {
    const io = fakeIo(mig.dir);
    const code = await main(
      ['report', '--db', db.url, '--dir', mig.dir, '--migration', '2', '--format', 'json', '--verify', 'off'],
      io,
    );
    assert.equal(code, 0, io.stderr);
    const report = JSON.parse(io.stdout) as Report;
    const s = report.migrations[0].statements[0];
    assert.equal(s.sql, 'CREATE INDEX things_n_idx ON things (n)');
    assert.equal(typeof s.estimatedSeconds, 'number');
    assert.ok(s.estimatedSeconds! > 0);
    assert.equal(s.table?.rows, 30000);
    assert.ok(!io.stdout.includes(password) && !io.stderr.includes(password));
  });

  it('--out report.html writes a self-contained page; --fail-under fails below the score', async () => {
    const io = fakeIo(mig.dir);
    const out = path.join(mig.dir, 'report.html');
    const code = await main(
      [
        'report',
        '--db',
        db.url,
        '--dir',
        mig.dir,
        '--all',
        '--out',
        out,
        '--fail-under',
        '100',
        '--verify',
        'pglite',
      ],
      io,
    );
    const html = fs.readFileSync(out, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.ok(!html.includes(password));
    assert.match(io.stderr, /report written to .*report\.html: score \d+\/100/);
    const score = Number(/data-score="(\d+)"/.exec(html)?.[1]);
    assert.equal(code, score < 100 ? 1 : 0);
  });

  it('refuses an unknown migration, format or scope combination with exit 2', async () => {
    for (const args of [
      ['--migration', '9'],
      ['--format', 'pdf'],
      ['--all', '--pending'],
      ['--verify', 'maybe'],
    ]) {
      const io = fakeIo(mig.dir);
      assert.equal(await main(['report', '--dir', mig.dir, ...args], io), 2, args.join(' '));
      assert.match(io.stderr, /^pgshift report: error: /);
    }
  });

  it('a wrong password is one line on stderr, without the password', async () => {
    const u = new URL(db.url);
    u.password = 'Wr0ng-Secret';
    const io = fakeIo(mig.dir);
    const code = await main(['report', '--db', u.toString(), '--dir', mig.dir], io);
    assert.equal(code, 1);
    assert.ok(!io.stderr.includes('Wr0ng-Secret') && !io.stdout.includes('Wr0ng-Secret'));
    assert.equal(io.stderr.trim().split('\n')[0].startsWith('pgshift report: error:'), true, io.stderr);
  });
});
