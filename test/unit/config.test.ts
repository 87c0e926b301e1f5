import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, loadConfig, validateConfig } from '../../src/core/config';
import { ConfigError } from '../../src/core/errors';
import { lintOptionsFromConfig } from '../../src/core/lint/lint-files';

describe('config loader', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pgshift-cfg-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds pgshift.config.json walking up, and the "pgshift" key of package.json', () => {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'pgshift.config.json'), '{"postgresVersion": 13}');
    const l = loadConfig(join(dir, 'a', 'b'));
    assert.equal(l.root, dir);
    assert.equal(l.config.postgresVersion, 13);
    assert.equal(l.config.runner.lockTimeout, '5s');
    rmSync(join(dir, 'pgshift.config.json'));
    writeFileSync(join(dir, 'package.json'), '{"name": "x", "pgshift": {"migrationsDir": "db/migrations"}}');
    assert.equal(loadConfig(join(dir, 'a')).config.migrationsDir, 'db/migrations');
  });
  it('defaults when there is no config', () => {
    assert.deepEqual(loadConfig(dir).config, DEFAULT_CONFIG);
  });
  it('names the key in every error', () => {
    const bad: [unknown, RegExp][] = [
      [{ migrationDir: 'x' }, /"migrationDir" is not a pgshift setting/],
      [{ postgresVersion: '15' }, /"postgresVersion" must be a major version/],
      [{ layout: 'hibernate' }, /"layout" must be one of/],
      [{ runner: { lockTimeout: 'soon' } }, /"runner\.lockTimeout" must be a duration/],
      [{ runner: { retries: 1 } }, /"runner\.retries" is not a runner setting/],
      [
        { environments: { prod: { password: 'x' } } },
        /"environments\.prod\.password" is not allowed: keep passwords out of files/,
      ],
      [
        { environments: { prod: { url: 'postgres://u:secret@h/db' } } },
        /"environments\.prod\.url" contains a password/,
      ],
      [{ environments: { prod: { port: 99999 } } }, /"environments\.prod\.port" must be a whole number/],
      [{ defaultEnvironment: 'x' }, /"defaultEnvironment" names no environment/],
      [[], /must be a JSON object/],
    ];
    for (const [raw, re] of bad) {
      assert.throws(
        () => validateConfig(raw, 'cfg'),
        (e: unknown) => e instanceof ConfigError && re.test(e.message) && e.exitCode === 2,
      );
    }
  });
  it('reports invalid JSON with the file name', () => {
    writeFileSync(join(dir, 'pgshift.config.json'), '{"a": ');
    assert.throws(() => loadConfig(dir), /pgshift\.config\.json is not valid JSON/);
  });
  it('accepts a full valid config', () => {
    const c = validateConfig(
      {
        migrationsDir: 'm',
        layout: 'dbmate',
        postgresVersion: 16,
        rules: { 'ban-drop-table': 'error', 'prefer-text-field': 'off' },
        runner: {
          lockTimeout: null,
          statementTimeout: '30s',
          lockRetries: 3,
          lockWaitSeconds: 10,
          historySchema: 'ops',
          transactionMode: 'none',
          maxLag: '2s',
          waitForVacuum: false,
          maxBlockingMs: 500,
          maxQueued: 10,
        },
        environments: {
          staging: { host: 'localhost', port: 5432, database: 'shop', user: 'app', production: false },
          prod: { urlEnv: 'DATABASE_URL', production: true },
        },
        defaultEnvironment: 'staging',
      },
      'cfg',
    );
    assert.equal(c.runner.lockTimeout, null);
    assert.equal(c.runner.waitForVacuum, false);
    assert.equal(c.runner.maxBlockingMs, '500ms');
    assert.equal(c.runner.maxQueued, 10);
    assert.equal(c.environments.prod.production, true);
  });
  it('waits for a vacuum by default, and takes only a boolean for runner.waitForVacuum', () => {
    assert.equal(validateConfig({}, 'cfg').runner.waitForVacuum, true);
    assert.throws(
      () => validateConfig({ runner: { waitForVacuum: 'no' } }, 'cfg'),
      /runner\.waitForVacuum.*must be true or false/,
    );
  });
});

describe('lint options from the config', () => {
  it('counts runner.maxBlockingMs as protection, as runner.lockTimeout is', () => {
    const off = validateConfig({ runner: { lockTimeout: null } }, 'cfg');
    assert.equal(lintOptionsFromConfig(off).runnerSetsLockTimeout, false);
    const policy = validateConfig({ runner: { lockTimeout: null, maxBlockingMs: '2s' } }, 'cfg');
    assert.equal(lintOptionsFromConfig(policy).runnerSetsLockTimeout, true);
  });
});

describe('runner.monitor', () => {
  it('is on by default, may be turned off, but not while a policy needs it', () => {
    assert.equal(validateConfig({}, 'cfg').runner.monitor, true);
    assert.equal(validateConfig({ runner: { monitor: false } }, 'cfg').runner.monitor, false);
    assert.throws(
      () => validateConfig({ runner: { maxQueued: 5, monitor: false } }, 'cfg'),
      /runner\.monitor.*the policy needs the monitor/,
    );
  });
});
