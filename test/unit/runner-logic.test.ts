/* The runner's pure parts: deriving state from history rows, foreign tables, batching and classification. */
import { strict as assert } from 'node:assert';
import type { Migration, MigrationSet } from '../../src/core/migrations/model';
import { buildBatch, locateByPosition } from '../../src/core/runner/batch';
import { flywayChecksum, foreignVerdict, type ForeignSnapshot } from '../../src/core/runner/foreign';
import type { HistoryEntry } from '../../src/core/runner/history';
import { lockKey } from '../../src/core/runner/lock';
import { runnerSettings } from '../../src/core/runner/settings';
import { deriveState } from '../../src/core/runner/state';
import { classifyStatement } from '../../src/core/runner/statements';
import { validateConfig } from '../../src/core/config';
import { DbError } from '../../src/core/db/driver';
import { ConfigError } from '../../src/core/errors';
import { assertMayWrite, resolveTarget } from '../../src/core/runner/connect';

function migration(version: string, checksum = `sum-${version}`): Migration {
  return {
    version,
    name: `m${version}`,
    up: { file: `/m/${version}.up.sql`, sql: 'SELECT 1', offset: 0, checksum, noTransaction: false },
  };
}

function set(...versions: string[]): MigrationSet {
  return { dir: '/m', layout: 'golang-migrate', migrations: versions.map((v) => migration(v)), problems: [] };
}

let nextId = 1;
function row(version: string, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id: nextId++,
    version,
    name: `m${version}`,
    direction: 'up',
    resolvedAs: null,
    checksum: `sum-${version}`,
    transactional: true,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    executionMs: 5,
    success: true,
    error: null,
    errorStatement: null,
    errorLine: null,
    errorPosition: null,
    statementsApplied: 1,
    statementsTotal: 1,
    appliedBy: 'app',
    osUser: 'me',
    host: 'box',
    pgshiftVersion: '0.1.0',
    ...over,
  };
}

const states = (s: ReturnType<typeof deriveState>) => s.migrations.map((m) => `${m.version}:${m.state}`);

describe('runner state', () => {
  it('a failed transactional attempt changes nothing; a failed or unfinished non-transactional one is failed', () => {
    const h = [
      row('1'),
      row('2', { success: false, error: 'boom' }),
      row('3', { transactional: false, success: false, error: 'half', errorLine: 7 }),
      row('4', { transactional: false, success: null, finishedAt: null }),
    ];
    const s = deriveState(set('1', '2', '3', '4', '5'), h);
    assert.deepEqual(states(s), ['1:applied', '2:out-of-order', '3:failed', '4:failed', '5:pending']);
    assert.deepEqual([s.migrations[2].failure?.line, s.migrations[2].failure?.interrupted], [7, false]);
    assert.equal(s.migrations[3].failure?.interrupted, true);
    assert.equal(
      deriveState(
        set('1', '4'),
        [row('1'), row('4', { transactional: false, success: null })],
        undefined,
        true,
      ).migrations[1].state,
      'running',
    );
  });

  it('down and resolve rows move the state; the newest row wins', () => {
    const h = [
      row('1'),
      row('2'),
      row('2', { direction: 'down' }),
      row('3', { transactional: false, success: false }),
      row('3', { direction: 'resolve', resolvedAs: 'applied' }),
    ];
    assert.deepEqual(states(deriveState(set('1', '2', '3'), h)), [
      '1:applied',
      '2:out-of-order',
      '3:applied',
    ]);
  });

  it('modified, missing and out-of-order', () => {
    const s = deriveState(
      { ...set('1', '2', '4'), migrations: [migration('1', 'edited'), migration('2'), migration('4')] },
      [row('1'), row('3'), row('4')],
    );
    assert.deepEqual(states(s), ['1:modified', '2:out-of-order', '3:missing', '4:applied']);
  });

  it('a foreign table decides what is applied: golang-migrate counts every version up to its own', () => {
    const golang: ForeignSnapshot = {
      table: { kind: 'golang-migrate', schema: 'public', table: 'schema_migrations' },
      records: [{ version: '20', appliedAt: null, executionMs: null, success: true }],
      upTo: '20',
    };
    assert.deepEqual(states(deriveState(set('10', '20', '30'), [row('30')], golang)), [
      '10:applied',
      '20:applied',
      '30:pending',
    ]);
    const dirty = { ...golang, records: [{ ...golang.records[0], success: false }] };
    assert.deepEqual(states(deriveState(set('10', '20'), [], dirty)), ['10:applied', '20:failed']);
    assert.deepEqual(states(deriveState(set('10'), [], golang)), ['10:applied', '20:missing']);
  });

  it('Flyway versions compare the way Flyway compares them', () => {
    const fw: ForeignSnapshot = {
      table: { kind: 'flyway', schema: 'public', table: 'flyway_schema_history' },
      records: [{ version: '1.01', appliedAt: null, executionMs: null, success: true }],
    };
    assert.equal(foreignVerdict(fw, '1.1').state, 'applied');
    assert.equal(foreignVerdict(fw, '1.1.0').state, 'applied');
    assert.equal(foreignVerdict(fw, '1.2').state, 'absent');
  });

  it('Flyway checksum: CRC-32 of the lines without line breaks, signed', () => {
    assert.equal(flywayChecksum(''), 0);
    assert.equal(flywayChecksum('a\r\nb\n'), flywayChecksum('ab'));
    assert.equal(flywayChecksum('\uFEFFSELECT 1;\n'), flywayChecksum('SELECT 1;'));
    // CRC-32("123456789") = 0xCBF43926, as a Java int
    assert.equal(flywayChecksum('123456789'), 0xcbf43926 | 0);
  });

  it('the lock key is stable, positive and per history schema', () => {
    assert.deepEqual(lockKey('pgshift'), lockKey('pgshift'));
    assert.notDeepEqual(lockKey('pgshift'), lockKey('other'));
    for (const k of [...lockKey('pgshift'), ...lockKey('x')]) assert.ok(k > 0 && k < 2 ** 31);
  });
});

describe('runner batches', () => {
  const stmts = [
    { sql: 'CREATE TABLE a (id int)', line: 1 },
    { sql: 'CREATE TABLE b (\n  x nosuchtype\n)', line: 3 },
  ];

  it('puts BEGIN, the timeouts and the statements in one message', () => {
    const b = buildBatch(runnerSettings({ lockTimeout: '5s', statementTimeout: null }), stmts);
    assert.equal(b.selfContained, true);
    assert.equal(
      b.sql,
      "BEGIN;\nSELECT set_config('lock_timeout', '5s', true);\nCREATE TABLE a (id int);\nCREATE TABLE b (\n  x nosuchtype\n);\n",
    );
    const notPlain = buildBatch(runnerSettings({ lockTimeout: "5s'; DROP TABLE x; --" }), stmts);
    assert.equal(notPlain.selfContained, false);
    assert.doesNotMatch(notPlain.sql, /DROP TABLE x/);
  });

  it('maps a server error position back to its statement', () => {
    const b = buildBatch(runnerSettings({}), stmts);
    const pos = b.sql.indexOf('nosuchtype') + 1;
    const at = locateByPosition(b, new DbError('type "nosuchtype" does not exist', '42704', pos));
    assert.equal(at?.stmt.line, 3);
    assert.equal(at?.stmt.sql.slice(at.position! - 1).startsWith('nosuchtype'), true);
    assert.equal(
      locateByPosition(b, new DbError('x', '42601', 3)),
      undefined,
      'a position inside BEGIN is no statement',
    );
  });
});

describe('statement classification', () => {
  const cases: [string, string][] = [
    ['CREATE INDEX CONCURRENTLY i ON t (x)', 'no-transaction'],
    ['create unique index concurrently if not exists i on t (x)', 'no-transaction'],
    ['DROP INDEX CONCURRENTLY i', 'no-transaction'],
    ['REINDEX INDEX CONCURRENTLY i', 'no-transaction'],
    ['VACUUM t', 'no-transaction'],
    ['ANALYZE t', 'plain'],
    ['CREATE DATABASE x', 'no-transaction'],
    ['BEGIN', 'transaction-control'],
    ['COMMIT', 'transaction-control'],
    ['START TRANSACTION', 'transaction-control'],
    ['CREATE INDEX i ON t (x)', 'plain'],
    ['SELECT \'CREATE INDEX CONCURRENTLY\' AS "end"', 'plain'],
    ['CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$', 'plain'],
    ['CREATE TABLE t (start int, "end" int)', 'plain'],
  ];
  for (const [sql, kind] of cases) {
    it(`${sql} → ${kind}`, async () => assert.equal((await classifyStatement(sql)).kind, kind));
  }
});

describe('target resolution', () => {
  const loaded = (raw: Record<string, unknown>) => ({
    config: validateConfig(raw, 'test config'),
    root: '/proj',
  });
  const envs = {
    environments: {
      staging: { host: 'db.internal', database: 'shop', user: 'app', passwordEnv: 'STAGING_PW' },
      prod: { urlEnv: 'PROD_URL', production: true },
      ro: { url: 'postgres://app@ro.internal/shop', readOnly: true },
    },
  };

  it('--db, then --env, then DATABASE_URL, then defaultEnvironment, then the embedded database', () => {
    const l = loaded({ ...envs, defaultEnvironment: 'ro' });
    const environ = { DATABASE_URL: 'postgres://u@from-env/db', PROD_URL: 'postgres://u@prod/db' };
    assert.equal(resolveTarget({ db: 'postgres://u@cli/db', environ, loaded: l }).source, '--db');
    assert.equal(resolveTarget({ env: 'prod', environ, loaded: l }).source, 'environment "prod"');
    assert.equal(resolveTarget({ environ, loaded: l }).source, 'DATABASE_URL');
    assert.equal(resolveTarget({ environ: {}, loaded: l }).source, 'environment "ro"');
    const embedded = resolveTarget({ environ: {}, loaded: loaded({}) });
    assert.deepEqual(embedded.target, { kind: 'embedded', dataDir: '/proj/.pgshift/db' });
    assert.throws(
      () => resolveTarget({ db: 'postgres://x@y/z', env: 'prod', environ, loaded: l }),
      ConfigError,
    );
    assert.throws(() => resolveTarget({ env: 'nope', environ, loaded: l }), /no environment named "nope".*/);
    assert.throws(
      () => resolveTarget({ env: 'prod', environ: {}, loaded: l }),
      /\$PROD_URL, which is not set/,
    );
  });

  it('takes the password from passwordEnv (or the editor) and never shows it', () => {
    const t = resolveTarget({ env: 'staging', environ: { STAGING_PW: 's3cret!' }, loaded: loaded(envs) });
    assert.equal(t.target.kind === 'params' && t.target.password, 's3cret!');
    assert.doesNotMatch(t.description, /s3cret/);
    const fromEditor = resolveTarget({ env: 'ro', environ: {}, password: 'p@ss:word', loaded: loaded(envs) });
    assert.equal(
      fromEditor.target.kind === 'url' && decodeURIComponent(new URL(fromEditor.target.url).password),
      'p@ss:word',
    );
    assert.doesNotMatch(fromEditor.description, /p@ss/);
  });

  it('read-only environments refuse writes; production ones need --yes', () => {
    const l = loaded(envs);
    const ro = resolveTarget({ env: 'ro', environ: {}, loaded: l });
    assert.throws(() => assertMayWrite(ro, 'up', true), /read-only/);
    const prod = resolveTarget({ env: 'prod', environ: { PROD_URL: 'postgres://u@prod/db' }, loaded: l });
    assert.throws(() => assertMayWrite(prod, 'down', false), /marked production.*needs --yes/);
    assert.doesNotThrow(() => assertMayWrite(prod, 'down', true));
  });
});
