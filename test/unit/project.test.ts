import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/core/errors';
import { openProject } from '../../src/core/project';

describe('openProject', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgshift-project-'));
    mkdirSync(join(dir, 'migrations'));
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'migrations', '1_a.up.sql'), 'SELECT 1;\n');
    writeFileSync(join(dir, 'other', '1_a.up.sql'), 'SELECT 1;\n');
    writeFileSync(join(dir, 'other', '2_b.up.sql'), 'SELECT 2;\n');
    writeFileSync(
      join(dir, 'pgshift.config.json'),
      JSON.stringify({
        layout: 'golang-migrate',
        runner: { lockTimeout: '5s', statementTimeout: '1min', lockRetries: 2 },
        environments: {
          staging: { host: 'db.staging', database: 'shop', lockTimeout: '2s' },
          ci: { urlEnv: 'CI_DATABASE_URL', statementTimeout: null },
        },
        defaultEnvironment: 'ci',
      }),
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves the target as the CLI does and applies that environment’s overrides to the runner settings', () => {
    const p = openProject({
      cwd: dir,
      target: { kind: 'resolve', env: 'staging', environ: { DATABASE_URL: 'postgres://x@elsewhere/db' } },
    });
    assert.equal(p.target.source, 'environment "staging"');
    assert.equal(p.environment?.name, 'staging');
    assert.equal(p.settings.lockTimeout, '2s');
    assert.equal(p.settings.statementTimeout, '1min');
    assert.equal(p.settings.lockRetries, 2);
    assert.equal(p.set.migrations.length, 1);
  });

  it('DATABASE_URL beats defaultEnvironment, and then no environment’s overrides apply', () => {
    const p = openProject({
      cwd: dir,
      target: { kind: 'resolve', environ: { DATABASE_URL: 'postgres://x@elsewhere/db' } },
    });
    assert.equal(p.target.source, 'DATABASE_URL');
    assert.equal(p.environment, undefined);
    assert.equal(p.settings.statementTimeout, '1min');
  });

  it('--dir is relative to cwd; a missing folder is reported before a target problem', () => {
    const p = openProject({ cwd: dir, dir: 'other', target: { kind: 'embedded' } });
    assert.equal(p.set.migrations.length, 2);
    assert.throws(
      () => openProject({ cwd: dir, dir: 'nope', target: { kind: 'resolve', env: 'nope', environ: {} } }),
      /migrations directory not found/,
    );
  });

  it('embedded (the editor’s Local sandbox): neither DATABASE_URL nor defaultEnvironment redirect it', () => {
    const p = openProject({ cwd: dir, target: { kind: 'embedded' } });
    assert.equal(p.target.target.kind, 'embedded');
    assert.equal(p.target.source, 'embedded database');
    assert.equal(p.environment, undefined);
    assert.deepEqual(
      p.settings,
      openProject({ cwd: dir, target: { kind: 'resolve', db: 'postgres://x@h/db', environ: {} } }).settings,
      'the sandbox runs with the settings of a run that names no environment',
    );
  });

  it('settings-only (verify): the chosen environment’s overrides, without reading its URL variable', () => {
    // defaultEnvironment "ci" reads $CI_DATABASE_URL, which is not set: a connection would fail
    const byDefault = openProject({ cwd: dir, target: { kind: 'settings-only', environ: {} } });
    assert.equal(byDefault.target, undefined);
    assert.equal(byDefault.environment?.name, 'ci');
    assert.equal(byDefault.settings.statementTimeout, null);
    const named = openProject({ cwd: dir, target: { kind: 'settings-only', env: 'staging', environ: {} } });
    assert.equal(named.settings.lockTimeout, '2s');
    const ambient = openProject({
      cwd: dir,
      target: { kind: 'settings-only', environ: { DATABASE_URL: 'postgres://x@h/db' } },
    });
    assert.equal(ambient.environment, undefined);
    assert.equal(ambient.settings.statementTimeout, '1min');
    assert.throws(
      () => openProject({ cwd: dir, target: { kind: 'settings-only', env: 'nope', environ: {} } }),
      (e: unknown) => e instanceof ConfigError && /no environment named "nope"/.test(e.message),
    );
  });

  it('discover: false lists the migrations on the first read of set only', () => {
    const p = openProject({ cwd: dir, dir: 'missing', discover: false, target: { kind: 'embedded' } });
    assert.equal(p.target.target.kind, 'embedded');
    assert.throws(() => p.set, /migrations directory not found/);
  });

  it('takes a config the caller already holds (the editor’s, with its own environments merged in)', () => {
    const base = openProject({ cwd: dir, target: { kind: 'embedded' } }).loaded;
    const loaded = {
      ...base,
      config: { ...base.config, environments: { mine: { host: 'h', statementTimeout: '9s' } } },
    };
    const p = openProject({ cwd: dir, loaded, target: { kind: 'resolve', env: 'mine', environ: {} } });
    assert.equal(p.settings.statementTimeout, '9s');
  });
});
