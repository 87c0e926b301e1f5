import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { main } from '../../src/cli/main';
import { fakeIo } from './helpers/fake-io';

const root = join(__dirname, '..', '..', '..');
const shop = join(root, 'examples', 'shop');

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('pgshift lint (CLI)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgshift-cli-'));
    // exact-output tests look at one rule; keep the statement-timeout hint out of them
    writeFileSync(
      join(dir, 'pgshift.config.json'),
      '{"migrationsDir": ".", "rules": {"require-statement-timeout": "off"}}',
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lints the configured migrations directory with no arguments; exit 1 when a warning is found', async () => {
    const io = fakeIo(shop);
    // --no-cache: a unit test writes nothing into examples/ (the cache would go to its .pgshift/cache)
    const code = await main(['lint', '--no-cache'], io);
    assert.equal(code, 1);
    assert.match(
      io.stdout,
      /20260110090000_add_orders_placed_at_index\.up\.sql:2:38: warning: CREATE INDEX on orders without CONCURRENTLY/,
    );
    assert.match(
      io.stdout,
      /\n2 \| CREATE INDEX orders_placed_at_idx ON orders \(placed_at\);\n\s+\|\s+\^{6}\n/,
    );
    assert.match(io.stdout, /checked 16 files/);
  });

  it('--format json prints one object with 1-based positions', async () => {
    writeFileSync(join(dir, 'a.sql'), 'SELECT 1;\nCREATE INDEX i ON t (a);\n');
    const io = fakeIo(dir);
    const code = await main(['lint', 'a.sql', '--format', 'json'], io);
    assert.equal(code, 1);
    const out = JSON.parse(io.stdout);
    assert.equal(out.files, 1);
    assert.deepEqual(
      out.findings.map((f: Record<string, unknown>) => [
        f.file,
        f.rule,
        f.severity,
        f.line,
        f.column,
        f.endLine,
        f.endColumn,
      ]),
      [['a.sql', 'require-concurrent-index-creation', 'warning', 2, 19, 2, 20]],
    );
    assert.equal(typeof out.findings[0].help, 'string');
  });

  it('--fail-on error exits 0 when only warnings are found; a clean file exits 0', async () => {
    writeFileSync(join(dir, 'a.sql'), 'CREATE INDEX i ON t (a);');
    writeFileSync(join(dir, 'b.sql'), 'CREATE TABLE t (a int);');
    assert.equal(await main(['lint', 'a.sql', '--fail-on', 'error'], fakeIo(dir)), 0);
    const io = fakeIo(dir);
    assert.equal(await main(['lint', 'b.sql'], io), 0);
    assert.match(io.stdout, /no problems found/);
  });

  it('--format sarif validates against the SARIF 2.1.0 requirements', async () => {
    writeFileSync(join(dir, 'a b.sql'), "CREATE INDEX i ON t (a);\nSELECT 'é' FRM x;");
    const io = fakeIo(dir);
    await main(['lint', '.', '--format', 'sarif'], io);
    const sarif = JSON.parse(io.stdout) as {
      runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
    };
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(
      JSON.parse(readFileSync(join(root, 'test/unit/fixtures/sarif-2.1.0-subset.schema.json'), 'utf8')),
    );
    assert.ok(validate(sarif) as boolean, JSON.stringify(validate.errors, null, 2));
    assert.equal(sarif.runs[0].results.length, 2);
    assert.equal(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'a%20b.sql');
  });

  it('--format github prints workflow annotations', async () => {
    writeFileSync(join(dir, 'a.sql'), 'CREATE INDEX i ON t (a);');
    const io = fakeIo(dir);
    await main(['lint', 'a.sql', '--format', 'github'], io);
    assert.match(
      io.stdout,
      /^::warning file=a\.sql,line=1,col=19,endLine=1,endColumn=20,title=pgshift require-concurrent-index-creation::CREATE INDEX on t/,
    );
  });

  it('expands globs and directories with the config include/exclude', async () => {
    mkdirSync(join(dir, 'm'));
    writeFileSync(join(dir, 'm', '1.sql'), 'SELECT 1;');
    writeFileSync(join(dir, 'm', 'notes.txt'), 'not sql');
    const io = fakeIo(dir);
    await main(['lint', 'm/*.sql', '--format', 'json'], io);
    assert.equal(JSON.parse(io.stdout).files, 1);
  });

  it('exit 2 with a clear message on usage and config errors', async () => {
    let io = fakeIo(dir);
    assert.equal(await main(['lint', '--format', 'xml'], io), 2);
    assert.match(io.stderr, /unknown --format "xml"/);
    io = fakeIo(dir);
    assert.equal(await main(['lint', 'nope.sql'], io), 2);
    assert.match(io.stderr, /no such file or directory, or no match: nope\.sql/);
    io = fakeIo(dir);
    assert.equal(await main(['lint', '--bogus'], io), 2);
    writeFileSync(
      join(dir, 'pgshift.config.json'),
      '{"rules": {"require-concurrent-index-creation": "loud"}}',
    );
    io = fakeIo(dir);
    assert.equal(await main(['lint'], io), 2);
    assert.match(
      io.stderr,
      /"rules\.require-concurrent-index-creation" must be one of off, error, warning, info, hint/,
    );
    assert.doesNotMatch(io.stderr, /at .*\.js:\d+/, 'no stack trace');
  });

  it('rule severities from the config apply; "off" removes the rule', async () => {
    writeFileSync(
      join(dir, 'pgshift.config.json'),
      '{"migrationsDir": ".", "rules": {"require-concurrent-index-creation": "off", "require-statement-timeout": "off"}}',
    );
    writeFileSync(join(dir, 'a.sql'), 'CREATE INDEX i ON t (a);');
    const io = fakeIo(dir);
    assert.equal(await main(['lint'], io), 0);
  });

  it('--pg-version changes version-dependent behaviour and is validated', async () => {
    const io = fakeIo(dir);
    assert.equal(await main(['lint', '--pg-version', 'x'], io), 2);
  });

  describe('the lint cache', () => {
    const sql = 'CREATE INDEX i ON t (a);\nALTER TABLE t ADD COLUMN b int NOT NULL;\n';
    const lintJson = async (args: string[], env: NodeJS.ProcessEnv = {}, cwd = dir) => {
      const io = fakeIo(cwd, { PGSHIFT_DEBUG: '1', ...env });
      const code = await main(['lint', '--format', 'json', ...args], io);
      return { code, out: io.stdout, debug: io.stderr };
    };

    it('is on by default, in .pgshift/cache of a project with a config file, kept out of git; output and exit code unchanged', async () => {
      writeFileSync(join(dir, 'a.sql'), sql);
      const uncached = await lintJson(['--no-cache']);
      assert.match(uncached.debug, /0 from the cache \(off\), 1 linted/);
      assert.ok(!existsSync(join(dir, '.pgshift')), '--no-cache writes nothing');
      const cold = await lintJson([]);
      assert.match(
        cold.debug,
        new RegExp(`0 from the cache \\(${escape(join(dir, '.pgshift', 'cache'))}\\), 1 linted`),
      );
      const warm = await lintJson([]);
      assert.match(warm.debug, /1 from the cache .*, 0 linted/);
      for (const run of [cold, warm]) assert.deepEqual([run.code, run.out], [uncached.code, uncached.out]);
      assert.equal(uncached.code, 1);
      assert.match(readFileSync(join(dir, '.pgshift', 'cache', '.gitignore'), 'utf8'), /^\*$/m);
      // the file changes: linted again
      writeFileSync(join(dir, 'a.sql'), sql + 'SELECT 1;\n');
      assert.match((await lintJson([])).debug, /0 from the cache .*, 1 linted/);
    });

    it('--cache-location puts it elsewhere; --no-cache with it is a usage error', async () => {
      writeFileSync(join(dir, 'a.sql'), sql);
      const elsewhere = join(dir, 'ci-cache');
      const cold = await lintJson(['--cache-location', 'ci-cache']);
      assert.match(cold.debug, new RegExp(`0 from the cache \\(${escape(elsewhere)}\\)`));
      assert.ok(readdirSync(elsewhere).some((f) => f.endsWith('.v8')));
      assert.ok(!existsSync(join(dir, '.pgshift')));
      const warm = await lintJson(['--cache-location', elsewhere]);
      assert.match(warm.debug, /1 from the cache/);
      assert.equal(warm.out, cold.out);
      const io = fakeIo(dir);
      assert.equal(await main(['lint', '--no-cache', '--cache-location', 'x'], io), 2);
      assert.match(io.stderr, /--no-cache and --cache-location/);
      assert.equal(await main(['lint', '--cache-location', ''], fakeIo(dir)), 2);
    });

    it('without a config or .pgshift folder, it is in the user’s cache directory, or off when there is none', async () => {
      const bare = mkdtempSync(join(tmpdir(), 'pgshift-cli-bare-'));
      try {
        writeFileSync(join(bare, 'a.sql'), sql);
        const xdg = join(bare, 'xdg');
        const run = await lintJson(['a.sql'], { XDG_CACHE_HOME: xdg }, bare);
        assert.match(run.debug, new RegExp(`\\(${escape(join(xdg, 'pgshift', 'lint'))}\\)`));
        assert.ok(readdirSync(join(xdg, 'pgshift', 'lint')).some((f) => f.endsWith('.v8')));
        assert.match(
          (await lintJson(['a.sql'], { HOME: join(bare, 'home') }, bare)).debug,
          /home\/\.cache\/pgshift\/lint|Library/,
        );
        // no HOME, no XDG_CACHE_HOME: nowhere to keep it
        assert.match((await lintJson(['a.sql'], {}, bare)).debug, /from the cache \(off\)/);
        // a .pgshift folder makes it the project's
        mkdirSync(join(bare, '.pgshift'));
        assert.match(
          (await lintJson(['a.sql'], { XDG_CACHE_HOME: xdg }, bare)).debug,
          /\.pgshift[\\/]cache\)/,
        );
      } finally {
        rmSync(bare, { recursive: true, force: true });
      }
    });
  });

  it('pgshift rules lists every rule; an opt-in rule reads as off, with the severity it gets when enabled', async () => {
    const io = fakeIo(dir);
    assert.equal(await main(['rules'], io), 0);
    assert.match(io.stdout, /^require-table-schema\s+off \(opt-in: warning\)\s+\S/m);
    assert.match(io.stdout, /^require-concurrent-index-creation\s+warning\s+\S/m);
    const json = fakeIo(dir);
    assert.equal(await main(['rules', '--format', 'json'], json), 0);
    const list = JSON.parse(json.stdout) as { id: string; optIn?: boolean; docs: string }[];
    assert.equal(list.find((r) => r.id === 'require-table-schema')?.optIn, true);
    assert.ok(list.every((r) => r.docs === `docs/rules/${r.id}.md`));
  });
});
