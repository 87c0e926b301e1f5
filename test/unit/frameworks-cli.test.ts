import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { fakeIo } from './helpers/fake-io';

const fixtures = join(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'frameworks');

describe('pgshift CLI on code-based frameworks', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgshift-fwcli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lint with no paths in a Rails project lints the SQL strings of db/migrate, at their .rb positions', async () => {
    cpSync(join(fixtures, 'rails'), dir, { recursive: true });
    const io = fakeIo(dir);
    const code = await main(['lint', '--no-cache', '--format', 'json'], io);
    assert.equal(code, 1, io.stderr);
    const out = JSON.parse(io.stdout) as
      { file: string; rule: string; line: number; column: number }[] | { results: unknown };
    const text = JSON.stringify(out);
    assert.match(text, /20120809053414_correct_indexing_on_posts\.rb/);
    assert.match(text, /unbatched-backfill/);
  });

  it('lint names an interpolated string it cannot lint', async () => {
    const f = join(dir, '001_x.js');
    writeFileSync(f, 'exports.up = (knex) => knex.raw(`DROP TABLE ${t}`);\n');
    const io = fakeIo(dir);
    const code = await main(['lint', '--no-cache', f], io);
    assert.equal(code, 0, io.stdout + io.stderr);
    assert.match(io.stdout, /001_x\.js:1:33: note: knex\.raw\(\.\.\.\) builds its SQL with interpolation/);
  });

  it('status lists a Django project from its table (none yet); up, down, redo and dry runs refuse with manage.py migrate', async () => {
    cpSync(join(fixtures, 'django'), dir, { recursive: true });
    const io = fakeIo(dir);
    assert.equal(await main(['status'], io), 0, io.stderr);
    assert.match(io.stdout, /framework {3}Django: manage\.py runs Django/);
    assert.match(io.stdout, /sites 0002_alter_domain_unique +pending/);
    for (const args of [['up'], ['down'], ['redo'], ['up', '--dry-run'], ['resolve', 'x', '--applied']]) {
      const r = fakeIo(dir);
      assert.equal(await main(args, r), 2, args.join(' '));
      assert.match(r.stderr, /pgshift does not run Django migrations/);
      assert.match(r.stderr, /run `python manage\.py migrate`/);
    }
  });

  it('"layout": "alembic" in the config is used; a layout naming a tool that is absent says what to do', async () => {
    cpSync(join(fixtures, 'alembic'), dir, { recursive: true });
    writeFileSync(join(dir, 'pgshift.config.json'), '{"layout": "alembic"}');
    const io = fakeIo(dir);
    assert.equal(await main(['status', '--format', 'json'], io), 0, io.stderr);
    const s = JSON.parse(io.stdout) as {
      framework: { tool: string; reasons: string[] };
      migrations: { key: string; state: string }[];
    };
    assert.equal(s.framework.tool, 'alembic');
    assert.match(s.framework.reasons[0], /sets "layout": "alembic"/);
    assert.deepEqual(
      s.migrations.map((m) => m.key),
      ['1507a7289a2f', '13eb55f81627'],
    );
    writeFileSync(join(dir, 'pgshift.config.json'), '{"layout": "typeorm"}');
    const bad = fakeIo(dir);
    assert.equal(await main(['status'], bad), 2);
    assert.match(bad.stderr, /finds no TypeORM migrations/);
  });
});
