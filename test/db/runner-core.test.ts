import { strict as assert } from 'node:assert';
import type { Driver, PipelineStep } from '../../src/core/db/driver';
import { openDriver } from '../../src/core/db/open';
import { PgshiftError } from '../../src/core/errors';
import {
  down,
  dryRun,
  history,
  redo,
  resolve,
  schemaSnapshot,
  status,
  up,
  validate,
  type RunnerSettings,
} from '../../src/core/runner';
import { createScratchDatabase, pgliteScratchDir, type ScratchDatabase } from './server';
import { copyOfShop, databaseFingerprint, makeProject, resetDatabase, type Project } from './runner-fixtures';

interface Subject {
  driver(): Driver;
}

const CREATE_A = 'CREATE TABLE a (id serial PRIMARY KEY, note text);\n';
const settings: Partial<RunnerSettings> = { lockWaitSeconds: 5 };

async function refusal(p: Promise<unknown>): Promise<PgshiftError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PgshiftError) return e;
    throw e;
  }
  assert.fail('expected a PgshiftError');
}

async function states(d: Driver, p: Project): Promise<string[]> {
  return (await status({ driver: d, set: p.set(), settings })).migrations.map(
    (m) => `${m.version}:${m.state}`,
  );
}

async function tableExists(d: Driver, name: string): Promise<boolean> {
  const r = await d.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name]);
  return r.rows[0].t !== null;
}

/** The runner's behaviour, identical on a real server and on PGlite. */
function runnerContract(subject: Subject): void {
  const d = () => subject.driver();

  it('up applies pending migrations in order and records one history row each; status shows them applied', async () => {
    const p = makeProject({
      '1_a.up.sql': CREATE_A,
      '1_a.down.sql': 'DROP TABLE a;',
      '2_b.up.sql': "INSERT INTO a (note) VALUES ('two');",
      '2_b.down.sql': "DELETE FROM a WHERE note = 'two';",
    });
    assert.deepEqual(await states(d(), p), ['1:pending', '2:pending']);
    const r = await up({ driver: d(), set: p.set(), settings });
    assert.equal(r.ok, true);
    assert.deepEqual(
      r.steps.map((s) => `${s.version}:${s.outcome}`),
      ['1:applied', '2:applied'],
    );
    const st = await status({ driver: d(), set: p.set(), settings });
    assert.deepEqual(
      st.migrations.map((m) => m.state),
      ['applied', 'applied'],
    );
    assert.ok(
      st.migrations.every(
        (m) => m.appliedAt && /^\d{4}-\d\d-\d\dT/.test(m.appliedAt) && typeof m.executionMs === 'number',
      ),
    );
    const h = await history({ driver: d(), settings });
    assert.deepEqual(
      h.map((e) => [e.version, e.direction, e.success, e.transactional]),
      [
        ['1', 'up', true, true],
        ['2', 'up', true, true],
      ],
    );
    assert.equal(h[0].checksum, p.set().migrations[0].up.checksum);
    assert.ok(h[0].appliedBy && h[0].pgshiftVersion && h[0].host);
    const again = await up({ driver: d(), set: p.set(), settings });
    assert.equal(again.planned, 0);
  });

  it('a failing transactional migration leaves nothing behind, and the failure names the file, line and statement', async () => {
    const p = makeProject({
      '1_a.up.sql': CREATE_A,
      '2_bad.up.sql': 'CREATE TABLE b (id int);\n\nINSERT INTO no_such_table VALUES (1);\n',
    });
    const r = await up({ driver: d(), set: p.set(), settings });
    assert.equal(r.ok, false);
    assert.equal(r.failure?.version, '2');
    assert.equal(r.failure?.line, 3);
    assert.match(r.failure!.statement!, /no_such_table/);
    assert.match(r.failure!.error, /no_such_table/);
    assert.equal(r.failure?.rolledBack, true);
    assert.match(r.failure!.nextStep, /nothing of it was committed/);
    assert.equal(await tableExists(d(), 'b'), false, 'the CREATE TABLE before the failure was rolled back');
    assert.deepEqual(await states(d(), p), ['1:applied', '2:pending']);
    const h = await history({ driver: d(), settings, version: '2' });
    assert.equal(h.length, 1, 'the failed attempt is in the history');
    assert.equal(h[0].success, false);
    assert.equal(h[0].errorLine, 3);
  });

  it('the failing statement is named exactly, whether the server gives a position or not', async () => {
    const p = makeProject({
      '1_type.up.sql': 'CREATE TABLE ok1 (id int);\nCREATE TABLE a (\n  id int,\n  x no_such_type\n);\n',
      '2_dup.up.sql':
        'CREATE TABLE u (id int PRIMARY KEY);\nINSERT INTO u VALUES (1);\nINSERT INTO u VALUES (1);\nCREATE TABLE never (id int);\n',
    });
    const r1 = await up({ driver: d(), set: p.set(), settings });
    assert.equal(r1.failure?.line, 4, 'the line of the unknown type inside the statement');
    assert.match(r1.failure!.statement!, /^CREATE TABLE a/);
    p.write('1_type.up.sql', 'CREATE TABLE ok1 (id int);\n');
    const r2 = await up({ driver: d(), set: p.set(), settings });
    assert.equal(r2.failure?.version, '2');
    assert.equal(r2.failure?.code, '23505');
    assert.equal(r2.failure?.line, 3, 'the second INSERT, found by replaying the rolled-back attempt');
    assert.equal(await tableExists(d(), 'u'), false);
    const h = await history({ driver: d(), settings, version: '2' });
    assert.deepEqual([h[0].errorLine, h[0].errorStatement], [3, 'INSERT INTO u VALUES (1)']);
  });

  it('down rolls back the newest first: one by default, --to V, --all', async () => {
    const p = makeProject({
      '1_a.up.sql': CREATE_A,
      '1_a.down.sql': 'DROP TABLE a;',
      '2_b.up.sql': 'CREATE TABLE b (id int);',
      '2_b.down.sql': 'DROP TABLE b;',
      '3_c.up.sql': 'CREATE TABLE c (id int);',
      '3_c.down.sql': 'DROP TABLE c;',
    });
    await up({ driver: d(), set: p.set(), settings });
    const one = await down({ driver: d(), set: p.set(), settings });
    assert.deepEqual(
      one.steps.map((s) => `${s.version}:${s.outcome}`),
      ['3:rolled-back'],
    );
    assert.equal(await tableExists(d(), 'c'), false);
    await up({ driver: d(), set: p.set(), settings });
    const to = await down({ driver: d(), set: p.set(), settings, to: '1' });
    assert.deepEqual(
      to.steps.map((s) => s.version),
      ['3', '2'],
    );
    assert.deepEqual(await states(d(), p), ['1:applied', '2:pending', '3:pending']);
    await down({ driver: d(), set: p.set(), settings, all: true });
    assert.deepEqual(await states(d(), p), ['1:pending', '2:pending', '3:pending']);
    assert.equal(await tableExists(d(), 'a'), false);
  });

  it('down refuses a migration without a down script, naming it', async () => {
    const p = makeProject({ '1_a.up.sql': CREATE_A });
    await up({ driver: d(), set: p.set(), settings });
    const e = await refusal(down({ driver: d(), set: p.set(), settings }));
    assert.match(e.message, /1 \(a\).*no down script/);
    assert.equal(e.exitCode, 1);
  });

  it('redo rolls back the newest migration and applies it again', async () => {
    const p = makeProject({ '1_a.up.sql': CREATE_A, '1_a.down.sql': 'DROP TABLE a;' });
    await up({ driver: d(), set: p.set(), settings });
    await d().query("INSERT INTO a (note) VALUES ('gone after redo')");
    const r = await redo({ driver: d(), set: p.set(), settings });
    assert.deepEqual(
      r.steps.map((s) => `${s.direction}:${s.outcome}`),
      ['down:rolled-back', 'up:applied'],
    );
    assert.equal((await d().query('SELECT * FROM a')).rows.length, 0);
  });

  it('an applied file edited afterwards: up refuses and names it, status shows modified, validate reports it', async () => {
    const p = makeProject({ '1_a.up.sql': CREATE_A, '2_b.up.sql': 'CREATE TABLE b (id int);' });
    await up({ driver: d(), set: p.set(), settings, to: '1' });
    p.write('1_a.up.sql', CREATE_A + '-- an innocent-looking comment\n');
    const e = await refusal(up({ driver: d(), set: p.set(), settings }));
    assert.match(e.message, /edited after it ran: 1 \(a\)/);
    assert.equal(await tableExists(d(), 'b'), false, 'nothing ran');
    assert.deepEqual(await states(d(), p), ['1:modified', '2:pending']);
    const v = await validate({ driver: d(), set: p.set(), settings });
    assert.equal(v.ok, false);
    assert.ok(v.problems.some((x) => x.kind === 'modified' && x.version === '1'));
  });

  it('a pending migration older than the newest applied one is out-of-order: refused unless allowed', async () => {
    const p = makeProject({ '1_a.up.sql': CREATE_A, '3_c.up.sql': 'CREATE TABLE c (id int);' });
    await up({ driver: d(), set: p.set(), settings });
    p.write('2_b.up.sql', 'CREATE TABLE b (id int);');
    assert.deepEqual(await states(d(), p), ['1:applied', '2:out-of-order', '3:applied']);
    const e = await refusal(up({ driver: d(), set: p.set(), settings }));
    assert.match(e.message, /2 \(b\).*older than the newest applied migration \(3\)/);
    assert.match(e.hint!, /--allow-out-of-order/);
    const r = await up({ driver: d(), set: p.set(), settings, allowOutOfOrder: true });
    assert.deepEqual(
      r.steps.map((s) => s.version),
      ['2'],
    );
    assert.deepEqual(await states(d(), p), ['1:applied', '2:applied', '3:applied']);
  });

  it('an applied migration whose file is gone is missing', async () => {
    const p = makeProject({ '1_a.up.sql': CREATE_A, '2_b.up.sql': 'CREATE TABLE b (id int);' });
    await up({ driver: d(), set: p.set(), settings });
    p.remove('2_b.up.sql');
    const st = await status({ driver: d(), set: p.set(), settings });
    assert.deepEqual(
      st.migrations.map((m) => `${m.version}:${m.name}:${m.state}`),
      ['1:a:applied', '2:b:missing'],
    );
  });

  it('a non-transactional migration that fails is failed with its statement; up refuses with the resolve command; resolve clears it', async () => {
    const p = makeProject({
      '1_a.up.sql': CREATE_A,
      '2_notx.up.sql': '-- pgshift:no-transaction\nCREATE TABLE c1 (id int);\nCREATE TABLE c1 (id int);\n',
      '3_later.up.sql': 'CREATE TABLE later (id int);',
    });
    const r = await up({ driver: d(), set: p.set(), settings });
    assert.equal(r.ok, false);
    assert.equal(r.failure?.version, '2');
    assert.equal(r.failure?.line, 3);
    assert.equal(r.failure?.rolledBack, false);
    assert.match(r.failure!.nextStep, /1 of 2 statements had run/);
    assert.match(r.failure!.nextStep, /pgshift resolve 2 --rolled-back/);
    assert.equal(await tableExists(d(), 'c1'), true, 'the first statement stays applied: that is the truth');
    assert.equal(await tableExists(d(), 'later'), false);
    const st = await status({ driver: d(), set: p.set(), settings });
    const failed = st.migrations.find((m) => m.version === '2')!;
    assert.equal(failed.state, 'failed');
    assert.equal(failed.failure?.line, 3);
    assert.equal(failed.failure?.statementsApplied, 1);

    const e = await refusal(up({ driver: d(), set: p.set(), settings }));
    assert.equal(e.code, 'failed');
    assert.match(e.hint!, /pgshift resolve 2 --applied/);
    assert.match(e.hint!, /pgshift resolve 2 --rolled-back/);

    await d().exec('DROP TABLE c1');
    const res = await resolve({ driver: d(), set: p.set(), settings, version: '2', as: 'rolled-back' });
    assert.deepEqual([res.from, res.to], ['failed', 'pending']);
    p.write(
      '2_notx.up.sql',
      '-- pgshift:no-transaction\nCREATE TABLE c1 (id int);\nCREATE TABLE c2 (id int);\n',
    );
    const ok = await up({ driver: d(), set: p.set(), settings });
    assert.equal(ok.ok, true);
    assert.deepEqual(await states(d(), p), ['1:applied', '2:applied', '3:applied']);
    const h = await history({ driver: d(), settings, version: '2' });
    assert.deepEqual(
      h.map((x) => `${x.direction}:${x.success}`),
      ['up:false', 'resolve:true', 'up:true'],
    );
  });

  it('resolve --applied accepts a failed migration whose changes are in place', async () => {
    const p = makeProject({
      '1_notx.up.sql': '-- pgshift:no-transaction\nCREATE TABLE n1 (id int);\nSELECT 1/0;\n',
    });
    await up({ driver: d(), set: p.set(), settings });
    await resolve({ driver: d(), set: p.set(), settings, version: '1', as: 'applied' });
    assert.deepEqual(await states(d(), p), ['1:applied']);
    const e = await refusal(resolve({ driver: d(), set: p.set(), settings, version: '1', as: 'applied' }));
    assert.match(e.message, /is applied: it cannot be resolved as applied/);
  });

  it('a broken CREATE UNIQUE INDEX CONCURRENTLY: the invalid index is named with its DROP, in the result and in the refusal', async function () {
    const p = makeProject({
      '1_data.up.sql':
        "CREATE TABLE dup (email text);\nINSERT INTO dup VALUES ('x@example.com'), ('x@example.com');\n",
      '2_idx.up.sql':
        '-- pgshift:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY dup_email_key ON dup (email);\n',
    });
    const r = await up({ driver: d(), set: p.set(), settings });
    assert.equal(r.failure?.version, '2');
    if (!r.failure!.invalidIndexes.length) {
      // PGlite builds the index in one step: nothing is left behind to detect.
      assert.equal(d().kind, 'pglite');
      return;
    }
    assert.deepEqual(
      r.failure!.invalidIndexes.map((i) => i.drop),
      ['DROP INDEX CONCURRENTLY IF EXISTS "public"."dup_email_key";'],
    );
    assert.match(r.failure!.nextStep, /DROP INDEX CONCURRENTLY IF EXISTS "public"."dup_email_key"/);
    const st = await status({ driver: d(), set: p.set(), settings });
    assert.equal(st.invalidIndexes[0]?.name, 'dup_email_key');
    const e = await refusal(up({ driver: d(), set: p.set(), settings }));
    assert.match(e.hint!, /DROP INDEX CONCURRENTLY IF EXISTS "public"."dup_email_key"/);
  });

  it('a wrapped file with CREATE INDEX CONCURRENTLY is refused before anything runs; an outer BEGIN/COMMIT pair is absorbed', async () => {
    const p = makeProject({
      '1_a.up.sql': 'BEGIN;\n' + CREATE_A + 'COMMIT;\n',
      '2_cic.up.sql': 'CREATE TABLE t2 (id int);\nCREATE INDEX CONCURRENTLY t2_id ON t2 (id);\n',
    });
    const e = await refusal(up({ driver: d(), set: p.set(), settings }));
    assert.match(
      e.message,
      /nothing was run: 2_cic.up.sql line 2: CREATE INDEX CONCURRENTLY cannot run inside a transaction/,
    );
    assert.match(e.hint!, /-- pgshift:no-transaction/);
    assert.equal(await tableExists(d(), 'a'), false);
    p.remove('2_cic.up.sql');
    const r = await up({ driver: d(), set: p.set(), settings });
    assert.equal(r.ok, true);
    assert.equal(r.steps[0].statements, 1);
  });

  it('a file of nothing but CREATE INDEX CONCURRENTLY runs outside a transaction by itself, as status and the dry run say', async () => {
    const p = makeProject({
      '1_t.up.sql': 'CREATE TABLE t3 (id int, a int);\n',
      '2_idx.up.sql':
        '-- two indexes, nothing else\nCREATE INDEX CONCURRENTLY t3_id ON t3 (id);\nCREATE INDEX CONCURRENTLY t3_a ON t3 (a);\n',
    });
    const st = await status({ driver: d(), set: p.set(), settings });
    assert.deepEqual(
      st.migrations.map((m) => [m.version, m.noTransaction, m.onlyNonTransactional]),
      [
        ['1', false, undefined],
        ['2', true, ['CREATE INDEX CONCURRENTLY']],
      ],
    );
    const dry = await dryRun({ driver: d(), set: p.set(), settings, direction: 'up' });
    assert.equal(dry.ok, true, JSON.stringify(dry));
    assert.deepEqual(dry.migrations[1].onlyNonTransactional, ['CREATE INDEX CONCURRENTLY']);
    assert.equal(dry.migrations[1].noTransaction, true);
    const starts: boolean[] = [];
    const r = await up({
      driver: d(),
      set: p.set(),
      settings,
      onEvent: (e) => e.type === 'step-start' && starts.push(e.noTransaction),
    });
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    assert.deepEqual(starts, [false, true]);
    const idx = await d().query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 't3' AND indexname IN ('t3_id', 't3_a')",
    );
    assert.equal(idx.rows[0].n, 2);
    const h = await history({ driver: d(), settings, version: '2' });
    assert.equal(h[0].transactional, false, 'recorded as run outside a transaction');
  });

  it('an empty migration is a no-op, stated and recorded', async () => {
    const p = makeProject({ '1_empty.up.sql': '-- nothing yet\n' });
    assert.ok(p.set().problems.some((x) => /empty/.test(x.message)));
    const r = await up({ driver: d(), set: p.set(), settings });
    assert.equal(r.steps[0].empty, true);
    assert.deepEqual(await states(d(), p), ['1:applied']);
  });

  it('migration names with quotes and SQL in them are stored as data, never run', async () => {
    const evil = `x'); DROP TABLE victim; --`;
    const p = makeProject({
      '1_victim.up.sql': 'CREATE TABLE victim (id int);',
      [`2_${evil}.up.sql`]: 'SELECT 1;',
    });
    await up({ driver: d(), set: p.set(), settings });
    assert.equal(await tableExists(d(), 'victim'), true);
    const h = await history({ driver: d(), settings, version: '2' });
    assert.equal(h[0].name, evil);
  });

  it('up → down → up of examples/shop gives the same schema each time', async () => {
    const p = copyOfShop();
    const empty = await schemaSnapshot(d());
    assert.equal((await up({ driver: d(), set: p.set(), settings })).ok, true);
    const first = await schemaSnapshot(d());
    assert.match(first, /orders_shipped_at_idx/);
    assert.match(first, /CHECK \(status = ANY/);
    assert.equal((await down({ driver: d(), set: p.set(), settings, all: true })).ok, true);
    assert.equal(await schemaSnapshot(d()), empty);
    assert.equal((await up({ driver: d(), set: p.set(), settings })).ok, true);
    assert.equal(await schemaSnapshot(d()), first);
    // a partial round trip keeps column order even though the column was dropped and added again
    await down({ driver: d(), set: p.set(), settings, to: '20260110090000' });
    await up({ driver: d(), set: p.set(), settings });
    assert.equal(await schemaSnapshot(d()), first);
  });

  it('a dry run changes nothing (schema, tracking rows, relation files, sequences) and never creates the history schema', async () => {
    const p = makeProject({
      '1_a.up.sql': CREATE_A + "INSERT INTO a (note) VALUES ('one'), ('two');\n",
      '1_a.down.sql': 'DROP TABLE a;',
      '2_more.up.sql':
        "INSERT INTO a (note) VALUES ('three'), ('four'), ('five');\nALTER TABLE a ALTER COLUMN note TYPE varchar(100);\nCREATE INDEX a_note ON a (note);\n",
      '2_more.down.sql': 'DROP INDEX a_note;\nALTER TABLE a ALTER COLUMN note TYPE text;\n',
      '3_cic.up.sql':
        '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY a_id_note ON a (id, note);\nVACUUM a;\n',
    });
    const fresh = await databaseFingerprint(d());
    const r0 = await dryRun({ driver: d(), set: p.set(), settings, direction: 'up' });
    assert.equal(r0.ok, true);
    assert.deepEqual(
      r0.migrations.map((m) => m.version),
      ['1', '2', '3'],
    );
    assert.equal(await databaseFingerprint(d()), fresh);
    assert.equal(await tableExists(d(), 'pgshift.history'), false, 'no history schema after a dry run');

    await up({ driver: d(), set: p.set(), settings, to: '1' });
    const before = await databaseFingerprint(d());
    const r = await dryRun({ driver: d(), set: p.set(), settings, direction: 'up' });
    assert.equal(await databaseFingerprint(d()), before);
    const [insert, alter, index] = r.migrations[0].statements;
    assert.equal(insert.rows, 3);
    assert.deepEqual(insert.locks, [{ mode: 'ROW EXCLUSIVE', relation: 'a' }]);
    assert.ok(alter.locks.some((l) => l.mode === 'ACCESS EXCLUSIVE' && l.relation === 'a'));
    assert.ok(
      alter.rewrites.some((w) => w.relation === 'a' && w.kind === 'table'),
      JSON.stringify(alter.rewrites),
    );
    assert.ok(
      index.locks.some((l) => l.relation === 'a_note' && l.created),
      JSON.stringify(index.locks),
    );
    assert.ok(r.migrations[0].statements.every((s) => typeof s.durationMs === 'number' && s.line > 0));
    const [cic, vacuum] = r.migrations[1].statements;
    assert.equal(cic.durationMs, null);
    assert.match(cic.skipped!, /CREATE INDEX CONCURRENTLY.*would build index a_id_note on a/);
    assert.match(vacuum.skipped!, /VACUUM/);

    const rd = await dryRun({ driver: d(), set: p.set(), settings, direction: 'down' });
    assert.deepEqual(
      rd.migrations.map((m) => m.version),
      ['1'],
    );
    assert.ok(
      rd.migrations[0].statements[0].locks.some((l) => l.mode === 'ACCESS EXCLUSIVE' && l.relation === 'a'),
    );
    assert.equal(await databaseFingerprint(d()), before);
  });

  it('a dry run refuses exactly where up would (an edited applied migration)', async () => {
    const p = makeProject({ '1_a.up.sql': CREATE_A, '2_b.up.sql': 'CREATE TABLE b (id int);' });
    await up({ driver: d(), set: p.set(), settings, to: '1' });
    p.write('1_a.up.sql', CREATE_A + ' ');
    const e = await refusal(dryRun({ driver: d(), set: p.set(), settings, direction: 'up' }));
    assert.equal(e.code, 'modified');
  });

  it('adopts golang-migrate: its table decides what is applied and is kept in step', async () => {
    await d()
      .exec(`CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
                    INSERT INTO schema_migrations VALUES (1, false);
                    CREATE TABLE a (id int);`);
    const p = makeProject({
      '1_a.up.sql': 'CREATE TABLE a (id int);',
      '1_a.down.sql': 'DROP TABLE a;',
      '2_b.up.sql': 'CREATE TABLE b (id int);',
      '2_b.down.sql': 'DROP TABLE b;',
      '3_c.up.sql': '-- pgshift:no-transaction\nCREATE TABLE c (id int);',
      '3_c.down.sql': 'DROP TABLE c;',
    });
    const st = await status({ driver: d(), set: p.set(), settings });
    assert.deepEqual(
      st.migrations.map((m) => m.state),
      ['applied', 'pending', 'pending'],
    );
    assert.ok(st.tracking.some((t) => /golang-migrate table public.schema_migrations/.test(t)));
    await up({ driver: d(), set: p.set(), settings });
    const row = async () =>
      (
        await d().query<{ v: string; dirty: boolean }>(
          'SELECT version::text AS v, dirty FROM schema_migrations',
        )
      ).rows;
    assert.deepEqual(await row(), [{ v: '3', dirty: false }]);
    await down({ driver: d(), set: p.set(), settings });
    assert.deepEqual(await row(), [{ v: '2', dirty: false }]);
    // the old tool moves the version back: pgshift follows it
    await d().exec('DROP TABLE b; UPDATE schema_migrations SET version = 1');
    assert.deepEqual(await states(d(), p), ['1:applied', '2:pending', '3:pending']);
    await d().exec('UPDATE schema_migrations SET version = 2, dirty = true');
    assert.deepEqual(await states(d(), p), ['1:applied', '2:failed', '3:pending']);
  });

  it('adopts dbmate: one row per applied version, inserted and deleted in step', async () => {
    await d()
      .exec(`CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20260101000000');
                    CREATE TABLE a (id int);`);
    const p = makeProject(
      {
        '20260101000000_a.sql': '-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n',
        '20260102000000_b.sql': '-- migrate:up\nCREATE TABLE b (id int);\n\n-- migrate:down\nDROP TABLE b;\n',
      },
      { layout: 'dbmate' },
    );
    assert.deepEqual(await states(d(), p), ['20260101000000:applied', '20260102000000:pending']);
    await up({ driver: d(), set: p.set(), settings });
    const rows = async () =>
      (await d().query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY 1')).rows.map(
        (r) => r.version,
      );
    assert.deepEqual(await rows(), ['20260101000000', '20260102000000']);
    await down({ driver: d(), set: p.set(), settings });
    assert.deepEqual(await rows(), ['20260101000000']);
    assert.equal(await tableExists(d(), 'b'), false);
  });

  it('a transactional migration is one pipeline, dbmate row included: script, history row, foreign row and COMMIT sent at once', async () => {
    await d().exec(`CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);`);
    const files: Record<string, string> = {};
    for (let i = 1; i <= 4; i++)
      files[`2026010${i}000000_t${i}.sql`] =
        `-- migrate:up\nCREATE TABLE t${i} (id int);\n-- migrate:down\nDROP TABLE t${i};\n`;
    const p = makeProject(files, { layout: 'dbmate' });
    const calls: string[] = [];
    const real = d();
    const counting: Driver = Object.create(real, {
      query: {
        value: (sql: string, params?: readonly unknown[]) => (calls.push(sql), real.query(sql, params)),
      },
      exec: { value: (sql: string) => (calls.push(sql), real.exec(sql)) },
      pipeline: {
        value: (steps: readonly PipelineStep[]) => (
          calls.push(
            `PIPELINE ${steps.map((s) => s.sql.trim().split(/\s+/).slice(0, 3).join(' ')).join(' | ')}`,
          ),
          real.pipeline(steps)
        ),
      },
    });
    let start = -1;
    let end = -1;
    const r = await up({
      driver: counting,
      set: p.set(),
      settings,
      onEvent: (e) => {
        if (e.type === 'step-start' && start < 0) start = calls.length;
        if (e.type === 'step-done') end = calls.length;
      },
    });
    assert.deepEqual(
      r.steps.map((x) => x.outcome),
      ['applied', 'applied', 'applied', 'applied'],
    );
    const perMigration = calls.slice(start, end);
    assert.equal(perMigration.length, 4, perMigration.map((s) => s.slice(0, 200)).join('\n'));
    for (const call of perMigration)
      assert.match(
        call,
        /^PIPELINE BEGIN; SELECT set_config\('lock_timeout',.* \| INSERT INTO "?pgshift"?.history \| INSERT INTO "?public"?."?schema_migrations"? \| COMMIT$/,
      );
    const rows = await d().query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY 1');
    assert.deepEqual(
      rows.rows.map((x) => x.version),
      ['20260101000000', '20260102000000', '20260103000000', '20260104000000'],
    );
    await down({ driver: d(), set: p.set(), settings, all: true });
    assert.equal((await d().query('SELECT 1 FROM schema_migrations')).rows.length, 0);
    assert.equal(
      (await real.query(`SELECT count(*)::int AS n FROM pgshift.history WHERE success`)).rows[0].n,
      8,
    );
  });

  it('adopts Flyway: reads flyway_schema_history and appends rows Flyway understands', async () => {
    await d().exec(`CREATE TABLE flyway_schema_history (
        installed_rank int NOT NULL PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL, type varchar(20) NOT NULL,
        script varchar(1000) NOT NULL, checksum int, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),
        execution_time int NOT NULL, success boolean NOT NULL);
      INSERT INTO flyway_schema_history VALUES (1, '1', 'create a', 'SQL', 'V1__create_a.sql', 0, 'app', now(), 5, true);
      CREATE TABLE a (id int);`);
    const p = makeProject(
      {
        'V1__create_a.sql': 'CREATE TABLE a (id int);\n',
        'V1.1__create_b.sql': 'CREATE TABLE b (id int);\r\nINSERT INTO b VALUES (1);\n',
      },
      { layout: 'flyway' },
    );
    assert.deepEqual(await states(d(), p), ['1:applied', '1.1:pending']);
    await up({ driver: d(), set: p.set(), settings });
    const r = await d().query<{
      installed_rank: number;
      version: string;
      description: string;
      script: string;
      checksum: number;
      success: boolean;
    }>(
      'SELECT installed_rank, version, description, script, checksum, success FROM flyway_schema_history ORDER BY installed_rank',
    );
    const last = r.rows[1];
    assert.deepEqual(
      [last.installed_rank, last.version, last.description, last.script, last.success],
      [2, '1.1', 'create b', 'V1.1__create_b.sql', true],
    );
    // CRC-32 of the lines without their line breaks, as a signed int
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const zlib = require('node:zlib') as { crc32?: (b: Buffer) => number };
    if (zlib.crc32)
      assert.equal(
        last.checksum,
        zlib.crc32(Buffer.from('CREATE TABLE b (id int);INSERT INTO b VALUES (1);')) | 0,
      );
    assert.deepEqual(await states(d(), p), ['1:applied', '1.1:applied']);
    // a repeatable script runs after the versioned ones, and again whenever it changes
    p.write('R__view.sql', 'CREATE OR REPLACE VIEW b_ids AS SELECT id FROM b;\n');
    assert.deepEqual(await states(d(), p), ['1:applied', '1.1:applied', ':pending']);
    await up({ driver: d(), set: p.set(), settings });
    assert.deepEqual(await states(d(), p), ['1:applied', '1.1:applied', ':applied']);
    p.write('R__view.sql', 'CREATE OR REPLACE VIEW b_ids AS SELECT id, id * 2 AS twice FROM b;\n');
    assert.deepEqual(await states(d(), p), ['1:applied', '1.1:applied', ':pending']);
    const again = await up({ driver: d(), set: p.set(), settings });
    assert.deepEqual(
      again.steps.map((x) => `${x.name}:${x.outcome}`),
      ['view:applied'],
    );
    const fw = await d().query<{ version: string | null; description: string }>(
      "SELECT version, description FROM flyway_schema_history WHERE type = 'SQL' ORDER BY installed_rank",
    );
    assert.deepEqual(fw.rows.slice(2), [
      { version: null, description: 'view' },
      { version: null, description: 'view' },
    ]);
  });
}

describe('runner (core)', () => {
  describe('on a real PostgreSQL server', () => {
    let db: ScratchDatabase;
    let driver: Driver;
    beforeEach(async () => {
      db = await createScratchDatabase('runner');
      driver = await openDriver({ kind: 'url', url: db.url });
    });
    afterEach(async () => {
      await driver?.close();
      await db?.drop();
    });
    runnerContract({ driver: () => driver });
  });

  describe('on embedded PGlite', () => {
    let driver: Driver;
    before(async function () {
      this.timeout(120_000);
      driver = await openDriver({ kind: 'embedded', dataDir: pgliteScratchDir() });
    });
    beforeEach(async () => resetDatabase(driver));
    after(async () => driver?.close());
    runnerContract({ driver: () => driver });
  });
});
