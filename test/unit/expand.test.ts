import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandMigration, findCandidates, plan } from '../../src/core/expand';
import { groupSummaries, unsoakedContracts } from '../../src/core/expand/phases';
import { lint } from '../../src/core/lint/engine';
import { main } from '../../src/cli/main';
import { discoverMigrations } from '../../src/core/migrations/discover';
import { fakeIo } from './helpers/fake-io';
import { sampleReport } from './helpers/report-fixture';
import { renderMarkdown } from '../../src/core/report/render-md';
import { renderHtml } from '../../src/core/report/render-html';
import { SchemaModel } from '../../src/core/lint/schema';
import { loadParser } from '../../src/core/sql/parser';

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-expand-'));
  for (const [f, sql] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), sql);
  return dir;
}

const USERS = 'CREATE TABLE users (id bigint PRIMARY KEY, name text, email varchar(200) NOT NULL);';

describe('pgshift expand: the generated plans', () => {
  it('RENAME COLUMN: expand with a two-way trigger, a batched backfill, validate steps, contract, each marked', () => {
    const p = plan({
      kind: 'rename-column',
      table: { name: 'users' },
      from: 'email',
      to: 'email_address',
      type: 'varchar(200)',
      notNull: true,
    });
    assert.equal(p.group, 'rename_users_email');
    assert.deepEqual(
      p.migrations.map((m) => m.phase),
      ['expand', 'backfill', 'validate', 'validate', 'validate', 'contract'],
    );
    for (const m of p.migrations)
      assert.ok(m.up.startsWith(`-- pgshift:phase ${m.phase} group=rename_users_email\n`));
    const [expand, backfill, check, validate, setNotNull, contract] = p.migrations;
    assert.match(expand.up, /ALTER TABLE users ADD COLUMN email_address varchar\(200\);/);
    assert.match(expand.up, /NEW\.email_address := NEW\.email;/);
    assert.match(expand.up, /NEW\.email := NEW\.email_address;/);
    assert.match(expand.up, /BEFORE INSERT OR UPDATE ON users/);
    assert.match(
      expand.down,
      /DROP TRIGGER IF EXISTS rename_users_email_sync ON users;[\s\S]*DROP COLUMN IF EXISTS email_address/,
    );
    assert.match(
      backfill.up,
      /-- pgshift:batch\nUPDATE users SET email_address = email WHERE email_address IS DISTINCT FROM email;/,
    );
    assert.match(check.up, /CHECK \(email_address IS NOT NULL\) NOT VALID;/);
    assert.match(validate.up, /VALIDATE CONSTRAINT users_email_address_not_null_check;/);
    assert.doesNotMatch(validate.up, /SET NOT NULL/, 'VALIDATE in its own migration');
    assert.match(
      setNotNull.up,
      /SET NOT NULL;\nALTER TABLE users DROP CONSTRAINT users_email_address_not_null_check;/,
    );
    assert.match(contract.up, /DEPLOY FIRST: every application instance must read and write email_address/);
    assert.match(contract.up, /ALTER TABLE users DROP COLUMN email;/);
    assert.match(contract.down, /ADD COLUMN email varchar\(200\);\nUPDATE users SET email = email_address;/);
  });

  it('ALTER COLUMN TYPE: a new column converted both ways by the trigger, USING applied, the swap in the contract', () => {
    const p = plan({
      kind: 'change-type',
      table: { schema: 'app', name: 'accounts' },
      column: 'amount',
      from: 'int4',
      to: 'numeric(12,2)',
      using: 'amount / 100.0',
      notNull: false,
    });
    assert.deepEqual(
      p.migrations.map((m) => m.phase),
      ['expand', 'backfill', 'contract'],
    );
    const [expand, backfill, contract] = p.migrations;
    assert.match(expand.up, /ALTER TABLE app\.accounts ADD COLUMN amount_new numeric\(12,2\);/);
    assert.match(expand.up, /NEW\.amount_new := \(NEW\.amount \/ 100\.0\);/);
    assert.match(expand.up, /NEW\.amount := \(NEW\.amount_new\)::int4;/);
    assert.match(
      backfill.up,
      /SET amount_new = \(amount \/ 100\.0\) WHERE amount_new IS NULL AND amount IS NOT NULL;/,
    );
    assert.match(contract.up, /DROP COLUMN amount;\n[\s\S]*RENAME COLUMN amount_new TO amount;/);
    assert.match(
      contract.down,
      /RENAME COLUMN amount TO amount_new;\nALTER TABLE app\.accounts ADD COLUMN amount int4;/,
    );
  });

  it('SET NOT NULL: check NOT VALID, VALIDATE, SET NOT NULL + drop the check; RENAME TABLE: a view under the old name', () => {
    const nn = plan({ kind: 'set-not-null', table: { name: 'notes' }, column: 'body' });
    assert.deepEqual(
      nn.migrations.map((m) => m.name),
      ['not_null_notes_body_check', 'not_null_notes_body_validate', 'not_null_notes_body_set_not_null'],
    );
    const rt = plan({ kind: 'rename-table', table: { name: 'customers' }, to: 'clients' });
    assert.match(
      rt.migrations[0].up,
      /ALTER TABLE customers RENAME TO clients;\nCREATE VIEW customers AS SELECT \* FROM clients;/,
    );
    assert.equal(rt.migrations[1].up.split('\n').pop(), '');
    assert.match(rt.migrations[1].up, /DROP VIEW customers;/);
    assert.match(
      rt.migrations[0].down,
      /DROP VIEW IF EXISTS customers;\nALTER TABLE clients RENAME TO customers;/,
    );
  });

  it('quotes names that need it', () => {
    const p = plan({
      kind: 'rename-column',
      table: { name: 'User' },
      from: 'e-mail',
      to: 'order',
      type: 'text',
      notNull: false,
    });
    assert.match(p.migrations[0].up, /ALTER TABLE "User" ADD COLUMN "order" text;/);
    assert.match(p.migrations[0].up, /NEW\."order" := NEW\."e-mail";/);
  });

  it('the generated up migrations of every pattern lint without errors or warnings of their own', async () => {
    const t = { name: 'users' };
    const plans = [
      plan({
        kind: 'rename-column',
        table: t,
        from: 'email',
        to: 'email_address',
        type: 'text',
        notNull: true,
      }),
      plan({
        kind: 'change-type',
        table: t,
        column: 'email',
        from: 'varchar(200)',
        to: 'text',
        notNull: true,
      }),
      plan({ kind: 'set-not-null', table: t, column: 'name' }),
      plan({ kind: 'add-required-column', table: t, column: 'region', type: 'text', fill: "'eu'" }),
      plan({ kind: 'rename-table', table: t, to: 'accounts' }),
    ];
    // the earlier migrations as the linter sees them: the table exists, it is not new
    const parser = await loadParser();
    const model = new SchemaModel();
    const parsed = parser.parse(USERS);
    if (parsed.ok) for (const st of parsed.statements) model.apply(st.node, false);
    for (const m of plans.flatMap((p) => p.migrations)) {
      const res = await lint(m.up, { priorSchema: model.clone(true) });
      const bad = res.findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
      assert.deepEqual(
        bad.map((f) => `${m.name}: ${f.rule} ${f.message}`),
        [],
      );
    }
  });
});

describe('pgshift expand: finding the statement, writing the files', () => {
  it('reads the column type from the earlier migrations and writes the next versions in the layout', async () => {
    const dir = project({
      '000001_users.up.sql': USERS,
      '000001_users.down.sql': 'DROP TABLE users;',
      '000002_rename.up.sql': 'SELECT 1;\nALTER TABLE users RENAME COLUMN email TO email_address;',
      '000002_rename.down.sql': 'SELECT 1;',
    });
    const set = discoverMigrations(dir, 'golang-migrate');
    const found = await findCandidates(path.join(dir, '000002_rename.up.sql'), set);
    assert.equal(found.length, 1);
    assert.equal(found[0].statement, 2);
    assert.deepEqual(found[0].change, {
      kind: 'rename-column',
      table: { schema: undefined, name: 'users' },
      from: 'email',
      to: 'email_address',
      type: 'varchar(200)',
      notNull: true,
    });
    const dry = await expandMigration({ file: path.join(dir, '000002_rename.up.sql'), set, dryRun: true });
    assert.deepEqual(dry.created, []);
    assert.equal(fs.readdirSync(dir).length, 4, 'a dry run writes nothing');
    const r = await expandMigration({ file: path.join(dir, '000002_rename.up.sql'), set });
    assert.equal(r.created.length, 12);
    assert.ok(fs.existsSync(path.join(dir, '000003_rename_users_email_expand.up.sql')));
    assert.ok(fs.existsSync(path.join(dir, '000008_rename_users_email_contract.down.sql')));
    assert.ok(fs.existsSync(path.join(dir, '000002_rename.up.sql')), 'the original stays by default');
    assert.equal(r.otherStatements, 1);
  });

  it('dbmate: one file per migration with both sections; a moved original is kept', async () => {
    const dir = project({
      '20260101000000_users.sql': `-- migrate:up\n${USERS}\n-- migrate:down\nDROP TABLE users;\n`,
      '20260102000000_nn.sql':
        '-- migrate:up\nALTER TABLE users ALTER COLUMN name SET NOT NULL;\n-- migrate:down\nSELECT 1;\n',
    });
    const set = discoverMigrations(dir, 'dbmate');
    const keep = fs.mkdtempSync(path.join(os.tmpdir(), 'pgshift-kept-'));
    const r = await expandMigration({
      file: path.join(dir, '20260102000000_nn.sql'),
      set,
      moveOriginalTo: keep,
      now: new Date('2026-02-01T00:00:00Z'),
    });
    assert.deepEqual(
      r.created.map((f) => path.basename(f)),
      [
        '20260201000000_not_null_users_name_check.sql',
        '20260201000001_not_null_users_name_validate.sql',
        '20260201000002_not_null_users_name_set_not_null.sql',
      ],
    );
    const text = fs.readFileSync(r.created[0], 'utf8');
    assert.match(
      text,
      /^-- migrate:up\n-- pgshift:phase validate group=not_null_users_name\n[\s\S]*-- migrate:down\nALTER TABLE users DROP CONSTRAINT/,
    );
    assert.ok(!fs.existsSync(path.join(dir, '20260102000000_nn.sql')));
    assert.ok(fs.existsSync(path.join(keep, '20260102000000_nn.sql')));
  });

  it('says what to do when there is nothing, or too much, to plan', async () => {
    const dir = project({
      '000001_a.up.sql': 'CREATE TABLE t (id int PRIMARY KEY, a int);',
      '000002_b.up.sql': 'ALTER TABLE t RENAME COLUMN a TO b;\nALTER TABLE t RENAME TO u;',
      '000003_c.up.sql': 'CREATE INDEX ON t (a);',
      '000004_d.up.sql': 'ALTER TABLE missing RENAME COLUMN x TO y;',
    });
    const set = discoverMigrations(dir, 'golang-migrate');
    await assert.rejects(
      expandMigration({ file: path.join(dir, '000002_b.up.sql'), set, dryRun: true }),
      (e: Error & { hint?: string }) =>
        /has 2 statements/.test(e.message) && /--statement 1 \| 2/.test(e.hint ?? ''),
    );
    const second = await expandMigration({
      file: path.join(dir, '000002_b.up.sql'),
      set,
      statement: 2,
      dryRun: true,
    });
    assert.equal(second.plan.group, 'rename_t');
    await assert.rejects(
      expandMigration({ file: path.join(dir, '000003_c.up.sql'), set, dryRun: true }),
      /no statement pgshift expand can plan/,
    );
    await assert.rejects(
      expandMigration({ file: path.join(dir, '000004_d.up.sql'), set, dryRun: true }),
      /do not show the type of missing\.x/,
    );
  });
});

describe('pgshift expand: phases in status and up', () => {
  const sql = (phase: string) => `-- pgshift:phase ${phase} group=g\nSELECT 1;`;
  it('one line per group: a phase is applied when all its migrations are', () => {
    const s = groupSummaries([
      { version: '1', name: 'a', state: 'applied', appliedAt: 'x', phase: 'expand', group: 'g' },
      { version: '2', name: 'b', state: 'applied', appliedAt: 'x', phase: 'validate', group: 'g' },
      { version: '3', name: 'c', state: 'pending', appliedAt: null, phase: 'validate', group: 'g' },
      { version: '4', name: 'd', state: 'pending', appliedAt: null, phase: 'contract', group: 'g' },
      { version: '5', name: 'e', state: 'pending', appliedAt: null },
    ]);
    assert.deepEqual(
      s.map((g) => g.text),
      ['g: expand applied, validate pending, contract pending'],
    );
  });

  it('a contract waits for minSoak after its expand, and says when the soak ends', () => {
    const all = [
      {
        version: '1',
        name: 'x',
        state: 'applied',
        appliedAt: '2026-01-01T10:00:00.000Z',
        phase: 'expand' as const,
        group: 'g',
      },
      { version: '2', name: 'y', state: 'pending', appliedAt: null, phase: 'contract' as const, group: 'g' },
    ];
    const toRun = [{ version: '2', name: 'y', sql: sql('contract') }];
    const early = unsoakedContracts(toRun, all, 3_600_000, new Date('2026-01-01T10:30:00Z'));
    assert.equal(early.length, 1);
    assert.equal(early[0].soakEndsAt, '2026-01-01T11:00:00.000Z');
    assert.deepEqual(unsoakedContracts(toRun, all, 3_600_000, new Date('2026-01-01T11:00:01Z')), []);
    const notYet = unsoakedContracts(toRun, [{ ...all[0], state: 'pending', appliedAt: null }, all[1]], 1000);
    assert.equal(notYet[0].soakEndsAt, null);
    assert.match(notYet[0].message, /expand 1 is not applied yet/);
    assert.deepEqual(
      unsoakedContracts([{ version: '1', name: 'x', sql: sql('expand') }], all, 3_600_000),
      [],
    );
  });
});

describe('pgshift expand (CLI)', () => {
  it('--dry-run prints every migration and writes nothing; --format json lists the phases; usage errors exit 2', async () => {
    const root = project({ 'pgshift.config.json': JSON.stringify({ layout: 'golang-migrate' }) });
    fs.mkdirSync(path.join(root, 'migrations'));
    fs.writeFileSync(path.join(root, 'migrations', '000001_a.up.sql'), USERS);
    fs.writeFileSync(
      path.join(root, 'migrations', '000002_b.up.sql'),
      'ALTER TABLE users ALTER COLUMN name TYPE varchar(50);',
    );
    const dry = fakeIo(root);
    assert.equal(await main(['expand', 'migrations/000002_b.up.sql', '--dry-run'], dry), 0, dry.stderr);
    assert.match(dry.stdout, /group retype_users_name: expand → backfill → contract/);
    assert.match(
      dry.stdout,
      /== retype_users_name_expand \(up\)\n-- pgshift:phase expand group=retype_users_name/,
    );
    assert.equal(fs.readdirSync(path.join(root, 'migrations')).length, 2);
    const json = fakeIo(root);
    assert.equal(
      await main(['expand', 'migrations/000002_b.up.sql', '--format', 'json'], json),
      0,
      json.stderr,
    );
    const out = JSON.parse(json.stdout) as {
      group: string;
      created: string[];
      migrations: { phase: string }[];
    };
    assert.deepEqual(
      out.migrations.map((m) => m.phase),
      ['expand', 'backfill', 'contract'],
    );
    assert.equal(out.created.length, 6);
    assert.match(out.created[0], /^migrations\/000003_retype_users_name_expand\.up\.sql$/);
    for (const args of [['expand'], ['expand', 'migrations/000002_b.up.sql', '--statement', 'x']]) {
      const io = fakeIo(root);
      assert.equal(await main(args, io), 2, args.join(' '));
      assert.match(io.stderr, /give one migration file|write the statement's number/);
    }
  });
});

describe('pgshift expand: the phase in the report', () => {
  it('the markdown and HTML reports name the phase and group of a migration', () => {
    const r = sampleReport();
    r.migrations[0].phase = { phase: 'contract', group: 'rename_users_email' };
    assert.match(renderMarkdown(r), /Phase: \*\*contract\*\* of expand\/contract group `rename_users_email`/);
    assert.match(
      renderHtml(r),
      /<dt>Phase<\/dt><dd>contract of expand\/contract group <code>rename_users_email<\/code>/,
    );
  });
});
