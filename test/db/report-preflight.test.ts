import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import type { Driver } from '../../src/core/db/driver';
import { buildReport } from '../../src/core/report';
import type { PreflightCheck, Report } from '../../src/core/report/model';
import { CONFIG, migrationsDir, open } from './report-helpers';
import { createScratchDatabase, type ScratchDatabase } from './server';

describe('report: pre-flight data checks', function () {
  this.timeout(120_000);
  let db: ScratchDatabase;
  let admin: Client;
  let driver: Driver;
  let report: Report;
  const mig = migrationsDir({
    '1_constraints': [
      [
        'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        'CREATE UNIQUE INDEX users_email_key ON users (lower(email));',
        'ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0 AND age < 150) NOT VALID;',
        'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
        'ALTER TABLE orders ALTER COLUMN code TYPE int;',
        'ALTER TABLE orders ADD COLUMN region text NOT NULL;',
        'ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE (name);',
      ].join('\n'),
      null,
    ],
    '2_validate': [
      'ALTER TABLE users VALIDATE CONSTRAINT users_age_check;\nCREATE TABLE fresh (id int);\nALTER TABLE fresh ALTER COLUMN id SET NOT NULL;\n',
      null,
    ],
  });

  before(async () => {
    db = await createScratchDatabase('report_preflight');
    admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`
      CREATE TABLE users (id int PRIMARY KEY, email text, name text NOT NULL, age int);
      INSERT INTO users VALUES (1, 'a@x.io', 'ann', 30), (2, NULL, 'bob', 40), (3, 'A@X.io', 'cy', -1), (4, 'd@x.io', 'dee', 200), (5, NULL, 'eve', 20);
      CREATE TABLE orders (id int PRIMARY KEY, user_id int, code text);
      INSERT INTO orders VALUES (10, 1, '7'), (11, 99, '8'), (12, NULL, 'x9'), (13, 98, '10');`);
    driver = await open(db.url);
    report = await buildReport({
      set: mig.set(),
      config: CONFIG,
      scope: { kind: 'pending' },
      driver,
      verify: false,
      estimate: true,
    });
  });
  after(async () => {
    await driver?.close();
    await admin?.end();
    await db?.drop();
    mig.remove();
  });

  const check = (kind: PreflightCheck['kind'], match: RegExp): PreflightCheck => {
    const c = report.preflight.checks.find((x) => x.kind === kind && match.test(x.constraint));
    assert.ok(
      c,
      `no ${kind} check matching ${match}: ${JSON.stringify(report.preflight.checks.map((x) => x.constraint))}`,
    );
    return c;
  };

  it('counts the rows that break a new NOT NULL, with examples', () => {
    const c = check('not-null', /users\.email NOT NULL/);
    assert.equal(c.status, 'violations');
    assert.equal(c.violations, 2);
    assert.deepEqual(c.examples.map((e) => e.id).sort(), ['2', '5']);
    assert.match(c.message, /the migration fails on this statement/);
  });

  it('counts duplicates of a new unique index on an expression, and of a unique constraint', () => {
    const c = check('unique', /UNIQUE INDEX users_email_key/);
    assert.equal(c.violations, 1, 'a@x.io and A@X.io collide under lower()');
    assert.equal(c.examples[0].copies, '2');
    const ok = check('unique', /UNIQUE \(name\)/);
    assert.equal(ok.status, 'ok');
  });

  it('counts the rows a CHECK rejects, added NOT VALID now and validated in the next migration', () => {
    const added = check('check', /users_age_check/);
    assert.equal(added.violations, 2);
    assert.match(added.message, /NOT VALID: the ALTER succeeds, a later VALIDATE CONSTRAINT fails/);
    const validate = report.preflight.checks.filter((x) => x.kind === 'check' && x.version === '2');
    assert.equal(validate.length, 1);
    assert.equal(validate[0].violations, 2);
    assert.match(validate[0].message, /the migration fails on this statement/);
  });

  it('counts orphans of a new foreign key, ignoring NULLs', () => {
    const c = check('foreign-key', /orders_user_fk/);
    assert.equal(c.violations, 2);
    assert.deepEqual(c.examples.map((e) => e.user_id).sort(), ['98', '99']);
  });

  it('counts values a type change cannot convert', () => {
    const c = check('type-cast', /orders\.code TYPE int4/);
    assert.equal(c.violations, 1);
    assert.equal(c.examples[0].code, 'x9');
  });

  it('flags a NOT NULL column without a default on a table with rows', () => {
    const c = check('required-column', /region/);
    assert.equal(c.status, 'violations');
    assert.equal(c.violations, 4);
  });

  it('skips tables created earlier in the set', () => {
    const c = check('not-null', /fresh\.id/);
    assert.equal(c.status, 'skipped');
  });

  it('takes points off the score for each statement that would fail', () => {
    const pre = report.score.breakdown.find((x) => x.id === 'preflight')!;
    assert.ok(pre.items.filter((i) => i.severity === 'critical').length >= 5);
  });

  it('wrote nothing', async () => {
    const r = await admin.query(
      `SELECT (SELECT count(*) FROM users WHERE email IS NULL)::int AS nulls, (SELECT count(*) FROM pg_constraint WHERE conname IN ('users_age_check', 'orders_user_fk'))::int AS cons, to_regclass('fresh') IS NULL AS no_fresh`,
    );
    assert.deepEqual(r.rows[0], { nulls: 2, cons: 0, no_fresh: true });
  });
});
