import { strict as assert } from 'node:assert';
import { validateConfig, DEFAULT_CONFIG } from '../../src/core/config';
import { ConfigError } from '../../src/core/errors';
import { backupSettings } from '../../src/core/project';
import { backupCall, planBackups, type BackupTarget } from '../../src/core/runner/backup-plan';
import { buildBatch } from '../../src/core/runner/batch';
import { runnerSettings } from '../../src/core/runner/settings';

async function targets(sql: string, columnType?: string): Promise<BackupTarget[]> {
  const plans = await planBackups([{ sql, line: 1 }], {
    postgresVersion: 16,
    columnType: columnType ? () => columnType : undefined,
  });
  return plans.flatMap((p) => p.targets);
}

describe('backups: what each statement needs copied', () => {
  const t = { name: 'users' };
  const cases: [string, BackupTarget[], string?][] = [
    ['DROP TABLE users', [{ kind: 'table', table: t, how: 'drop' }]],
    ['TRUNCATE users', [{ kind: 'table', table: t, how: 'truncate' }]],
    ['TRUNCATE users CASCADE', [{ kind: 'table', table: t, how: 'truncate', cascade: true }]],
    ['ALTER TABLE users DROP COLUMN email', [{ kind: 'column', table: t, column: 'email', how: 'drop' }]],
    [
      'ALTER TABLE users ALTER COLUMN n TYPE int2',
      [{ kind: 'column', table: t, column: 'n', how: 'type-change' }],
      'integer',
    ],
    ['ALTER TABLE users ALTER COLUMN n TYPE bigint', [], 'integer'],
    // the old type unknown: backed up, the runner asks the catalog first
    [
      'ALTER TABLE users ALTER COLUMN n TYPE bigint',
      [{ kind: 'column', table: t, column: 'n', how: 'type-change' }],
    ],
    [
      "UPDATE users u SET email = lower(u.email), n = 0 WHERE u.n > 5 AND u.email LIKE '%;%'",
      [
        {
          kind: 'rows',
          table: t,
          how: 'update',
          set: ['email', 'n'],
          select: `SELECT "u".* FROM "users" AS "u" WHERE u.n > 5 AND u.email LIKE '%;%'`,
        },
      ],
    ],
    [
      'DELETE FROM app.events WHERE created_at < now() - interval $$90 days$$',
      [
        {
          kind: 'rows',
          table: { schema: 'app', name: 'events' },
          how: 'delete',
          set: undefined,
          select: `SELECT "events".* FROM "app"."events" AS "events" WHERE created_at < now() - interval $$90 days$$`,
        },
      ],
    ],
    // a join: the rows it touches cannot be cut from the text alone, so the whole table
    [
      'DELETE FROM users USING bans WHERE bans.user_id = users.id',
      [{ kind: 'rows', table: t, how: 'delete', set: undefined }],
    ],
    ['DROP SCHEMA app CASCADE', [{ kind: 'schema', schema: 'app' }]],
    ['DROP SCHEMA app', []],
    ['DROP VIEW users', []],
    ['CREATE TABLE users (id int)', []],
    ["COMMENT ON TABLE users IS 'drop table users; truncate'", []],
  ];
  for (const [sql, want, type] of cases)
    it(`${sql}${type ? ` (was ${type})` : ''}`, async () => {
      assert.deepEqual(
        JSON.parse(JSON.stringify(await targets(sql, type))),
        JSON.parse(JSON.stringify(want)),
      );
    });

  it('a script without a destroying word is answered without the parser', async () => {
    assert.deepEqual(
      await planBackups([{ sql: 'CREATE INDEX i ON users (a)', line: 1 }], { postgresVersion: 16 }),
      [],
    );
  });

  it('the calls quote what they are given: a name or a condition holding quotes stays one literal', () => {
    const call = backupCall('pgshift_archive', {
      kind: 'rows',
      table: { name: "o'brien" },
      how: 'delete',
      select: `SELECT "o'brien".* FROM "o'brien" WHERE a = 'x'`,
    });
    assert.equal(
      call,
      `SELECT "pgshift_archive".backup_rows('"o''brien"', 'delete', NULL::text[], 'SELECT "o''brien".* FROM "o''brien" WHERE a = ''x''')`,
    );
  });

  it("the backup calls go before their statement in the batch, and the statements' offsets stay theirs", () => {
    const stmts = [
      { sql: 'SELECT 1', line: 1 },
      { sql: 'DROP TABLE t', line: 2 },
    ];
    const b = buildBatch(runnerSettings({}), stmts, (i) => (i === 1 ? 'SELECT backup()' : undefined));
    assert.equal(b.sql.slice(b.starts[0], b.starts[0] + 8), 'SELECT 1');
    assert.equal(b.sql.slice(b.starts[1], b.starts[1] + 12), 'DROP TABLE t');
    assert.ok(b.sql.indexOf('SELECT backup()') < b.starts[1]);
    assert.ok(b.sql.indexOf('SELECT backup()') > b.starts[0]);
  });
});

describe('backups: configuration', () => {
  it('defaults: auto, pgshift_archive, .pgshift/backups, 30 days, 1 GiB', () => {
    assert.deepEqual(DEFAULT_CONFIG.backup, {
      mode: 'auto',
      schema: 'pgshift_archive',
      dir: '.pgshift/backups',
      retentionDays: 30,
      maxBytes: 1024 ** 3,
    });
  });

  it('reads sizes as PostgreSQL writes them, and null', () => {
    const c = validateConfig({ backup: { mode: 'file', maxBytes: '500MB', retentionDays: null } }, 'x');
    assert.equal(c.backup.maxBytes, 500 * 1024 ** 2);
    assert.equal(c.backup.retentionDays, null);
    assert.equal(validateConfig({ backup: { maxBytes: null } }, 'x').backup.maxBytes, null);
    assert.equal(validateConfig({ backup: { maxBytes: 2048 } }, 'x').backup.maxBytes, 2048);
  });

  for (const [raw, key] of [
    [{ mode: 'always' }, 'backup.mode'],
    [{ schema: 'Archive' }, 'backup.schema'],
    [{ maxBytes: '5 pages' }, 'backup.maxBytes'],
    [{ retentionDays: 0 }, 'backup.retentionDays'],
    [{ keep: 3 }, 'backup.keep'],
  ] as const)
    it(`refuses ${JSON.stringify(raw)} naming ${key}`, () => {
      assert.throws(
        () => validateConfig({ backup: raw }, 'pgshift.config.json'),
        (e: unknown) => e instanceof ConfigError && e.message.includes(`"${key}"`),
      );
    });

  it("'auto' is off on the embedded database (the Local sandbox) and on everywhere else; --no-backup turns it off", () => {
    const loaded = { config: structuredClone(DEFAULT_CONFIG), root: '/p' };
    const embedded = { target: { kind: 'embedded', dataDir: '/p/.pgshift/db' } } as never;
    const server = { target: { kind: 'url', url: 'postgres://h/db' } } as never;
    assert.equal(backupSettings(loaded, embedded).enabled, false);
    assert.equal(backupSettings(loaded, server).enabled, true);
    assert.equal(backupSettings(loaded, server, true).enabled, false);
    assert.equal(backupSettings(loaded, server).dir, '/p/.pgshift/backups');
    loaded.config.backup.mode = 'file';
    assert.deepEqual(
      [backupSettings(loaded, embedded).enabled, backupSettings(loaded, embedded).file],
      [true, true],
    );
    loaded.config.backup.mode = 'off';
    assert.equal(backupSettings(loaded, server).enabled, false);
  });
});
