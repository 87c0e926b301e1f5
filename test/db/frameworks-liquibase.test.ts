import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Driver } from '../../src/core/db/driver';
import { openDriver } from '../../src/core/db/open';
import { PgshiftError } from '../../src/core/errors';
import { discoverMigrations } from '../../src/core/migrations/discover';
import { down, status, up, type RunnerSettings } from '../../src/core/runner';
import { main } from '../../src/cli/main';
import { fakeIo } from '../unit/helpers/fake-io';
import { createScratchDatabase, type ScratchDatabase } from './server';

const allow: Partial<RunnerSettings> = { lockWaitSeconds: 5, runFrameworkMigrations: true };

// Liquibase's own checksum of a sql change holding `select 1` (UpgradeChecksumVersionIntegrationTest,
// changelogs/h2/checksum/dbms-filter-changelog.xml, changeset fl:3): what MD5SUM must hold
const SELECT_1 = '9:3b78b9910981c62ca27148640fad7bc2';

const CHANGELOG = `--liquibase formatted sql

--changeset alice:1 context:"a, b" labels:X,y
--comment: the people
CREATE TABLE person (id bigint PRIMARY KEY, name text);
--rollback DROP TABLE person;

--changeset alice:2
select 1
--rollback select 1;

--changeset bob:3 runInTransaction:false
CREATE INDEX CONCURRENTLY person_name ON person (name);
--rollback DROP INDEX CONCURRENTLY person_name;
`;

/** databasechangelog and databasechangeloglock as Liquibase creates them on PostgreSQL, column by column (CreateDatabaseChangeLogTableGenerator, CreateDatabaseChangeLogLockTableGenerator). */
const LIQUIBASE_COLUMNS = [
  'databasechangelog.id character varying(255) NO',
  'databasechangelog.author character varying(255) NO',
  'databasechangelog.filename character varying(255) NO',
  'databasechangelog.dateexecuted timestamp without time zone NO',
  'databasechangelog.orderexecuted integer NO',
  'databasechangelog.exectype character varying(10) NO',
  'databasechangelog.md5sum character varying(35) YES',
  'databasechangelog.description character varying(255) YES',
  'databasechangelog.comments character varying(255) YES',
  'databasechangelog.tag character varying(255) YES',
  'databasechangelog.liquibase character varying(20) YES',
  'databasechangelog.contexts character varying(255) YES',
  'databasechangelog.labels character varying(255) YES',
  'databasechangelog.deployment_id character varying(10) YES',
  'databasechangeloglock.id integer NO',
  'databasechangeloglock.locked boolean NO',
  'databasechangeloglock.lockgranted timestamp without time zone YES',
  'databasechangeloglock.lockedby character varying(255) YES',
];

/** The tables as `liquibase update` leaves them after its first run, typed out from Liquibase's generators. */
async function liquibaseInit(d: Driver): Promise<void> {
  await d.exec(
    'CREATE TABLE public.databasechangeloglock (ID INTEGER NOT NULL, LOCKED BOOLEAN NOT NULL, LOCKGRANTED TIMESTAMP WITHOUT TIME ZONE, LOCKEDBY VARCHAR(255), CONSTRAINT databasechangeloglock_pkey PRIMARY KEY (ID))',
  );
  await d.exec('INSERT INTO public.databasechangeloglock (ID, LOCKED) VALUES (1, FALSE)');
  await d.exec(
    'CREATE TABLE public.databasechangelog (ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL, FILENAME VARCHAR(255) NOT NULL, DATEEXECUTED TIMESTAMP WITHOUT TIME ZONE NOT NULL, ORDEREXECUTED INTEGER NOT NULL, EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35), DESCRIPTION VARCHAR(255), COMMENTS VARCHAR(255), TAG VARCHAR(255), LIQUIBASE VARCHAR(20), CONTEXTS VARCHAR(255), LABELS VARCHAR(255), DEPLOYMENT_ID VARCHAR(10))',
  );
}

/** A row as MarkChangeSetRanGenerator inserts it. */
async function liquibaseRan(
  d: Driver,
  row: { id: string; author: string; filename: string; order: number; md5: string | null; exectype?: string },
): Promise<void> {
  await d.query(
    `INSERT INTO databasechangelog (ID, AUTHOR, FILENAME, DATEEXECUTED, ORDEREXECUTED, MD5SUM, DESCRIPTION, COMMENTS, EXECTYPE, CONTEXTS, LABELS, LIQUIBASE, DEPLOYMENT_ID)
     VALUES ($1, $2, $3, NOW(), $4, $5, 'sql', '', $6, NULL, NULL, '4.29.2', '2345678901')`,
    [row.id, row.author, row.filename, row.order, row.md5, row.exectype ?? 'EXECUTED'],
  );
}

describe('Liquibase: databasechangelog kept as Liquibase keeps it', function () {
  this.timeout(60_000);
  let db: ScratchDatabase;
  let driver: Driver;
  let dir: string;
  beforeEach(async () => {
    db = await createScratchDatabase('liquibase');
    driver = await openDriver({ kind: 'url', url: db.url });
    dir = mkdtempSync(path.join(tmpdir(), 'pgshift-liquibase-'));
    mkdirSync(path.join(dir, 'changes'));
    writeFileSync(path.join(dir, 'changes', 'people.sql'), CHANGELOG);
  });
  afterEach(async () => {
    await driver?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const set = () => discoverMigrations(dir, 'liquibase');
  const states = async (): Promise<string[]> =>
    (await status({ driver, set: set(), settings: allow })).migrations.map(
      (m) => `${m.version} ${m.name}:${m.state}`,
    );

  it('a table as Liquibase wrote it is read: rows by FILENAME/ID/AUTHOR (any case), a changed checksum is modified, a version-8 checksum is not compared', async () => {
    await liquibaseInit(driver);
    await driver.exec('CREATE TABLE person (id bigint PRIMARY KEY, name text)');
    const people = set().migrations;
    await liquibaseRan(driver, {
      id: '1',
      author: 'ALICE',
      filename: 'changes/people.sql',
      order: 1,
      md5: people[0].changeSet!.checksum,
    });
    await liquibaseRan(driver, {
      id: '2',
      author: 'alice',
      filename: 'changes/people.sql',
      order: 2,
      md5: SELECT_1,
    });
    assert.deepEqual(await states(), ['1.1 alice:1:applied', '1.2 alice:2:applied', '1.3 bob:3:pending']);

    // the file edited after Liquibase ran it: its MD5SUM no longer fits
    await driver.exec(
      `UPDATE databasechangelog SET MD5SUM = '9:00000000000000000000000000000000' WHERE ID = '2'`,
    );
    assert.deepEqual((await states())[1], '1.2 alice:2:modified');
    // an 8: checksum (Liquibase before 4.22) is not version 9's: pgshift cannot compare it, as Liquibase upgrades it
    await driver.exec(
      `UPDATE databasechangelog SET MD5SUM = '8:0a36c7b201a287dd3348e8dd19e44be7' WHERE ID = '2'`,
    );
    assert.deepEqual((await states())[1], '1.2 alice:2:applied');
    // MARK_RAN counts as ran; a row of a changeset no longer in the files is missing
    await liquibaseRan(driver, {
      id: 'gone',
      author: 'carol',
      filename: 'changes/old.sql',
      order: 3,
      md5: null,
      exectype: 'MARK_RAN',
    });
    assert.deepEqual((await states()).slice(-1), ['changes/old.sql::gone::carol carol:gone:missing']);
  });

  it('pgshift up writes the rows Liquibase writes (MD5SUM, ORDEREXECUTED, CONTEXTS, LABELS, one DEPLOYMENT_ID), on tables created as Liquibase creates them, and down deletes the row', async () => {
    const r = await up({ driver, set: set(), settings: allow });
    assert.equal(r.ok, true, JSON.stringify(r));
    const cols = await driver.query<{ c: string }>(
      `SELECT table_name || '.' || column_name || ' ' || data_type ||
              coalesce('(' || character_maximum_length || ')', '') || ' ' || is_nullable AS c
         FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name IN ('databasechangelog', 'databasechangeloglock')
        ORDER BY table_name, ordinal_position`,
    );
    assert.deepEqual(
      cols.rows.map((x) => x.c),
      LIQUIBASE_COLUMNS,
    );
    const pk = await driver.query<{ name: string }>(
      `SELECT conname AS name FROM pg_constraint WHERE conrelid = 'databasechangeloglock'::regclass AND contype = 'p'`,
    );
    assert.deepEqual(
      pk.rows.map((x) => x.name),
      ['databasechangeloglock_pkey'],
    );
    const rows = await driver.query<Record<string, string | number | null>>(
      `SELECT id, author, filename, orderexecuted, exectype, md5sum, description, comments, tag, contexts, labels,
              liquibase, deployment_id, dateexecuted IS NOT NULL AS dated
         FROM databasechangelog ORDER BY orderexecuted`,
    );
    const deployment = rows.rows[0].deployment_id as string;
    assert.match(deployment, /^\d{10}$/);
    assert.deepEqual(
      rows.rows.map((x) => ({ ...x, deployment_id: x.deployment_id === deployment })),
      [
        {
          id: '1',
          author: 'alice',
          filename: 'changes/people.sql',
          orderexecuted: 1,
          exectype: 'EXECUTED',
          md5sum: set().migrations[0].changeSet!.checksum,
          description: 'sql',
          comments: 'the people',
          tag: null,
          contexts: '(a, b)',
          labels: 'x,y',
          liquibase: '5.0.4',
          deployment_id: true,
          dated: true,
        },
        {
          id: '2',
          author: 'alice',
          filename: 'changes/people.sql',
          orderexecuted: 2,
          exectype: 'EXECUTED',
          md5sum: SELECT_1,
          description: 'sql',
          comments: '',
          tag: null,
          contexts: null,
          labels: null,
          liquibase: '5.0.4',
          deployment_id: true,
          dated: true,
        },
        {
          id: '3',
          author: 'bob',
          filename: 'changes/people.sql',
          orderexecuted: 3,
          exectype: 'EXECUTED',
          md5sum: set().migrations[2].changeSet!.checksum,
          description: 'sql',
          comments: '',
          tag: null,
          contexts: null,
          labels: null,
          liquibase: '5.0.4',
          deployment_id: true,
          dated: true,
        },
      ],
    );
    // runInTransaction:false: the index was built outside a transaction, and is valid
    const idx = await driver.query<{ valid: boolean }>(
      `SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'person_name'::regclass`,
    );
    assert.equal(idx.rows[0].valid, true);
    // the lock was taken and given back as Liquibase gives it back
    const lock = await driver.query(`SELECT id, locked, lockgranted, lockedby FROM databasechangeloglock`);
    assert.deepEqual(lock.rows, [{ id: 1, locked: false, lockgranted: null, lockedby: null }]);

    const back = await down({ driver, set: set(), settings: allow });
    assert.equal(back.ok, true, JSON.stringify(back));
    const left = await driver.query<{ id: string }>(
      `SELECT id FROM databasechangelog ORDER BY orderexecuted`,
    );
    assert.deepEqual(
      left.rows.map((x) => x.id),
      ['1', '2'],
    );
    assert.equal(
      (await driver.query(`SELECT 1 FROM pg_class WHERE relname = 'person_name'`)).rows.length,
      0,
      'the rollback ran',
    );
    // applied again: ORDEREXECUTED counts on from the table's highest
    assert.equal((await up({ driver, set: set(), settings: allow })).ok, true);
    const again = await driver.query<{ o: number }>(
      `SELECT orderexecuted AS o FROM databasechangelog WHERE id = '3'`,
    );
    assert.equal(again.rows[0].o, 3);
  });

  it('a held databasechangeloglock refuses the run, naming liquibase release-locks, and nothing runs', async () => {
    await liquibaseInit(driver);
    await driver.exec(
      `UPDATE databasechangeloglock SET LOCKED = TRUE, LOCKGRANTED = NOW(), LOCKEDBY = 'ci-runner (10.0.0.7)' WHERE ID = 1`,
    );
    let refused: PgshiftError | undefined;
    try {
      await up({ driver, set: set(), settings: allow });
    } catch (e) {
      refused = e as PgshiftError;
    }
    assert.ok(refused instanceof PgshiftError, 'up must refuse while Liquibase holds its lock');
    assert.match(refused.message, /held by ci-runner \(10\.0\.0\.7\)/);
    assert.match(refused.hint ?? '', /liquibase release-locks/);
    assert.equal((await driver.query(`SELECT 1 FROM databasechangelog`)).rows.length, 0);
    assert.equal((await driver.query(`SELECT 1 FROM pg_class WHERE relname = 'person'`)).rows.length, 0);
    // the lock is still Liquibase's
    assert.equal((await driver.query(`SELECT 1 FROM databasechangeloglock WHERE locked`)).rows.length, 1);
  });

  it('a databasechangeloglock Liquibase created and holds before its first changelog table is kept, lock and all', async () => {
    // Liquibase creates and takes the lock before it creates databasechangelog
    await driver.exec(
      'CREATE TABLE public.databasechangeloglock (ID INTEGER NOT NULL, LOCKED BOOLEAN NOT NULL, LOCKGRANTED TIMESTAMP WITHOUT TIME ZONE, LOCKEDBY VARCHAR(255), CONSTRAINT databasechangeloglock_pkey PRIMARY KEY (ID))',
    );
    await driver.exec(`INSERT INTO databasechangeloglock VALUES (1, TRUE, NOW(), 'first-run (10.0.0.8)')`);
    await assert.rejects(up({ driver, set: set(), settings: allow }), (e: PgshiftError) =>
      /liquibase release-locks/.test(e.hint ?? ''),
    );
    const lock = await driver.query(`SELECT id, locked, lockedby FROM databasechangeloglock`);
    assert.deepEqual(lock.rows, [{ id: 1, locked: true, lockedby: 'first-run (10.0.0.8)' }]);
    assert.equal((await driver.query(`SELECT 1 FROM pg_class WHERE relname = 'person'`)).rows.length, 0);
  });

  it('pgshift status (the CLI, as the editor’s tree reads it) finds the project and lists its changesets with their states', async () => {
    writeFileSync(path.join(dir, 'liquibase.properties'), 'changeLogFile=changes/people.sql\n');
    await liquibaseInit(driver);
    await liquibaseRan(driver, { id: '2', author: 'alice', filename: 'people.sql', order: 1, md5: SELECT_1 });
    const io = fakeIo(dir);
    assert.equal(await main(['status', '--db', db.url, '--format', 'json'], io), 0, io.stderr);
    const json = JSON.parse(io.stdout) as { migrations: { key: string; name: string; state: string }[] };
    assert.deepEqual(
      json.migrations.map((m) => `${m.name}:${m.state}`),
      ['alice:1:pending', 'alice:2:applied', 'bob:3:pending'],
    );
    const text = fakeIo(dir);
    assert.equal(await main(['status', '--db', db.url], text), 0, text.stderr);
    assert.match(text.stdout, /liquibase table public\.databasechangelog/);
    assert.match(text.stdout, /found liquibase in changes/);
    // a changeset before one already run is simply run next, as `liquibase update` runs it
    const r = await up({
      driver,
      set: discoverMigrations(path.join(dir, 'changes'), 'liquibase'),
      settings: allow,
    });
    assert.equal(r.ok, true, JSON.stringify(r));
    const order = await driver.query<{ id: string }>(
      `SELECT id FROM databasechangelog ORDER BY orderexecuted`,
    );
    assert.deepEqual(
      order.rows.map((x) => x.id),
      ['2', '1', '3'],
    );
  });

  it('by default running stays Liquibase’s: refused, naming liquibase update and the key that allows it', async () => {
    let refused: PgshiftError | undefined;
    try {
      await up({ driver, set: set(), settings: { lockWaitSeconds: 5 } });
    } catch (e) {
      refused = e as PgshiftError;
    }
    assert.ok(refused instanceof PgshiftError);
    assert.match(refused.hint ?? '', /liquibase update/);
    assert.match(refused.hint ?? '', /runFrameworkMigrations/);
  });
});
