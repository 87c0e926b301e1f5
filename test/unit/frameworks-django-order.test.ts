import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { main } from '../../src/cli/main';
import { djangoPlan } from '../../src/core/frameworks/django-graph';
import { parseDjangoMigration, settingIn } from '../../src/core/frameworks/django-source';
import { dependenciesFirst, findCycle } from '../../src/core/frameworks/graph';
import {
  codeMigrationFiles,
  codeStatus,
  detectCodeFrameworks,
  listCodeMigrations,
} from '../../src/core/frameworks/index';
import type { CodeMigrationSet } from '../../src/core/frameworks/model';
import { fakeIo } from './helpers/fake-io';

const fixtures = join(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'frameworks');

/** What Django 3.2.25 itself printed or raised for a fixture (record-django-plans.py wrote it). */
interface Recorded {
  django: string;
  command: string;
  cases: {
    case: string;
    applied: string[];
    plan?: string[];
    conflicts?: Record<string, string[]>;
    migrate?: string;
    error?: { class: string; message: string };
  }[];
}

function recorded(fixture: string): Recorded {
  return JSON.parse(readFileSync(join(fixtures, fixture, 'showmigrations-plan.json'), 'utf8')) as Recorded;
}

function listed(fixture: string, applied: string[] = []): CodeMigrationSet {
  const [d, ...others] = detectCodeFrameworks(join(fixtures, fixture));
  assert.equal(d?.tool, 'django');
  assert.equal(others.length, 0);
  return listCodeMigrations(d, new Set(applied));
}

/** `[X]  app.name` lines of showmigrations --plan as key and applied flag */
function planLines(plan: string[]): { key: string; applied: boolean }[] {
  return plan.map((line) => {
    const m = /^\[([ X])\] {2}(\S+)$/.exec(line);
    assert.ok(m, `a plan line: ${line}`);
    return { key: m[2], applied: m[1] === 'X' };
  });
}

const rel = (file: string): string => relative(fixtures, file).split(sep).join('/');

describe("frameworks: Django's apply order, checked against Django's own showmigrations --plan", () => {
  for (const fixture of ['django-contrib', 'django-graph'])
    for (const c of recorded(fixture).cases)
      it(`${fixture}, ${c.case}: the order and the [X] marks Django ${recorded(fixture).django} prints`, () => {
        const set = listed(fixture, c.applied);
        const expected = planLines(c.plan!);
        assert.deepEqual(
          set.migrations.map((m) => m.key),
          expected.map((e) => e.key),
        );
        const rows = codeStatus(set, {
          tool: 'django',
          table: 'public.django_migrations',
          exists: true,
          records: c.applied.map((key) => ({ key, appliedAt: null })),
        });
        assert.deepEqual(
          rows.map((r) => `${r.key} ${r.state}`),
          expected.map((e) => `${e.key} ${e.applied ? 'applied' : 'pending'}`),
          'every recorded row is explained by a listed or superseded migration',
        );
        const conflicts = Object.entries(c.conflicts ?? {});
        const said = set.problems.filter((p) => p.message.startsWith('Conflicting migrations'));
        assert.equal(said.length, conflicts.length);
        // migrate's refusal, word for word (its line break as a space)
        if (c.migrate) assert.equal(said[0].message, c.migrate.replace('\n', ' '));
        assert.equal(set.problems.length, said.length, JSON.stringify(set.problems));
      });

  it('the contrib apps cross apps as Django does (not app by app): contenttypes.0002 before auth.0002', () => {
    const keys = listed('django-contrib').migrations.map((m) => m.key);
    assert.equal(keys.length, 23);
    assert.ok(
      keys.indexOf('contenttypes.0002_remove_content_type_name') <
        keys.indexOf('auth.0002_alter_permission_name_max_length'),
    );
    assert.ok(
      keys.indexOf('admin.0003_logentry_add_action_flag_choices') <
        keys.indexOf('auth.0002_alter_permission_name_max_length'),
    );
  });

  it('a squash used: its originals are superseded, still linted; partly applied: the squash is', () => {
    const used = listed('django-graph');
    assert.deepEqual(
      (used.superseded ?? []).map((m) => m.key),
      ['shop.0001_initial', 'shop.0002_orders', 'shop.0003_order_index'],
    );
    assert.equal(codeMigrationFiles(used).length, 13, 'all 13 migration files');
    const partly = listed('django-graph', ['accounts.0001_initial', 'shop.0001_initial']);
    assert.deepEqual(
      (partly.superseded ?? []).map((m) => m.key),
      ['shop.0001_squashed_0003_order_index'],
    );
    assert.equal(codeMigrationFiles(partly).length, 13);
  });

  it("a dependency on a migration that does not exist: Django's NodeNotFoundError, that app by file name after the rest", () => {
    const err = recorded('django-missing').cases[0].error!;
    assert.equal(err.class, 'NodeNotFoundError');
    const set = listed('django-missing');
    assert.equal(set.problems.length, 1);
    const [p] = set.problems;
    assert.equal(p.severity, 'error');
    assert.equal(rel(p.file), 'django-missing/orders/migrations/0002_total.py');
    assert.ok(p.message.startsWith(`NodeNotFoundError: ${err.message} — `), p.message);
    assert.match(p.message, /restore that migration or point the dependency at one that exists/);
    // Django gives no order here (it refuses): derived from graph.py, orders left out of the walk
    assert.deepEqual(
      set.migrations.map((m) => m.key),
      [
        'accounts.0001_initial',
        'accounts.0002_email',
        'reports.0001_initial',
        'orders.0001_initial',
        'orders.0002_total',
      ],
    );
  });

  it("a cycle (run_before closing it): Django's CircularDependencyError naming its migrations, both apps by file name", () => {
    const err = recorded('django-cycle').cases[0].error!;
    assert.equal(err.class, 'CircularDependencyError');
    const set = listed('django-cycle');
    assert.equal(set.problems.length, 1);
    const m = /^CircularDependencyError: ([^—]+) — /.exec(set.problems[0].message);
    assert.ok(m, set.problems[0].message);
    // Django starts the list at whichever node its set yields first: the same members
    assert.deepEqual(m[1].split(', ').sort(), err.message.split(', ').sort());
    assert.deepEqual(
      set.migrations.map((x) => x.key),
      [
        'billing.0001_initial',
        'billing.0002_invoice',
        'billing.0003_customer_plan',
        'customers.0001_initial',
        'customers.0002_plan',
      ],
    );
  });

  it("300 random graphs (squashes, run_before, __first__/__latest__, applied rows): Django's own plan for each", () => {
    type Ref = [string, string];
    const file = join(fixtures, 'django-random-graphs.json');
    const { cases } = JSON.parse(readFileSync(file, 'utf8')) as {
      cases: {
        migrations: { app: string; name: string; dependencies: Ref[]; run_before: Ref[]; replaces: Ref[] }[];
        applied: string[];
        plan?: string[];
        error?: string;
      }[];
    };
    assert.equal(cases.length, 300);
    const refs = (rs: Ref[]) => rs.map(([app, name]) => ({ app, name }));
    let planned = 0;
    for (const [i, c] of cases.entries()) {
      const got = djangoPlan(
        c.migrations.map((m) => ({
          app: m.app,
          name: m.name,
          dependencies: refs(m.dependencies),
          runBefore: refs(m.run_before),
          replaces: refs(m.replaces),
        })),
        new Set(c.applied),
      );
      if (c.plan) {
        assert.deepEqual(got.plan, c.plan, `case ${i}`);
        assert.deepEqual(got.problems, [], `case ${i}`);
        planned++;
      } else {
        assert.equal(c.error, 'CircularDependencyError');
        assert.ok(got.problems.length && got.brokenApps.size, `case ${i}: the cycle is said`);
      }
    }
    assert.ok(planned > 200, `${planned} planned`);
  });

  it('reads dependencies, run_before, replaces and initial from the text, without running it', () => {
    const src = parseDjangoMigration(
      [
        'from django.conf import settings',
        'from django.db import migrations',
        '',
        'class Migration(migrations.Migration):',
        '    initial = True',
        '    replaces = [("shop", "0001_initial"), (\'shop\', \'0002_x\'),]',
        '    dependencies = (',
        "        migrations.swappable_dependency(settings.AUTH_USER_MODEL),  # ('x', 'not this')",
        "        ('contenttypes', '__latest__'),",
        "        ('blog', '0002_)tricky'),",
        "        migrations.swappable_dependency('accounts.Customer'),",
        '    )',
        "    run_before = [('shop', '0003_y')]",
        "    operations = [migrations.RunSQL('SELECT 1')]",
      ].join('\n'),
    );
    assert.deepEqual(src, {
      initial: true,
      replaces: [
        { app: 'shop', name: '0001_initial' },
        { app: 'shop', name: '0002_x' },
      ],
      dependencies: [
        { swappable: 'AUTH_USER_MODEL' },
        { app: 'contenttypes', name: '__latest__' },
        { app: 'blog', name: '0002_)tricky' },
        { app: 'accounts', name: '__first__' },
      ],
      runBefore: [{ app: 'shop', name: '0003_y' }],
    });
    assert.deepEqual(parseDjangoMigration('class Migration(migrations.Migration):\n    operations = []\n'), {
      dependencies: [],
      runBefore: [],
      replaces: [],
      initial: false,
    });
    assert.equal(settingIn('AUTH_USER_MODEL = \'a.B\'\nAUTH_USER_MODEL = "c.D"\n', 'AUTH_USER_MODEL'), 'c.D');
    assert.equal(settingIn("# AUTH_USER_MODEL = 'a.B'\n", 'AUTH_USER_MODEL'), undefined);
  });

  it("ties: parents walked in reverse sorted order, leaves in sorted order (Django's forwards_plan)", () => {
    const m = (app: string, name: string, deps: [string, string][] = []) => ({
      app,
      name,
      dependencies: deps.map(([a, n]) => ({ app: a, name: n })),
      runBefore: [],
      replaces: [],
    });
    // Django's MigrationGraph on these three nodes gives b.0001, a.0001, a.0002 (checked with its real
    // class): a.0002 is the first leaf, and of its parents a.0001 < b.0001 the last sorted is walked first
    const plan = djangoPlan(
      [
        m('a', '0001'),
        m('a', '0002', [
          ['a', '0001'],
          ['b', '0001'],
        ]),
        m('b', '0001'),
      ],
      new Set(),
    );
    assert.deepEqual(plan.plan, ['b.0001', 'a.0001', 'a.0002']);
    const only = djangoPlan(
      [
        m('c', '0001'),
        m('b', '0001', [['c', '0001']]),
        m('b', '0002', [
          ['b', '0001'],
          ['a', '0001'],
        ]),
        m('a', '0001'),
      ],
      new Set(),
    );
    // leaves a.0001, b.0002, c.0001; b.0002's parents b.0001 (c first) then a
    assert.deepEqual(only.plan, ['a.0001', 'c.0001', 'b.0001', 'b.0002']);
    const rev = djangoPlan(
      [
        m('b', '0001'),
        m('b', '0002', [
          ['b', '0001'],
          ['a', '0002'],
        ]),
        m('a', '0001'),
        m('a', '0002', [['a', '0001']]),
      ],
      new Set(),
    );
    assert.deepEqual(rev.plan, ['a.0001', 'a.0002', 'b.0001', 'b.0002']);
  });

  it('graph walks: ten thousand migrations in a chain, and a cycle found the same way every run', () => {
    const n = 10_000;
    const order = dependenciesFirst([n - 1], (i) => (i > 0 ? [i - 1] : []));
    assert.equal(order.length, n);
    assert.equal(order[0], 0);
    const edges: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['a', 'd'], d: [] };
    assert.deepEqual(
      findCycle(['d', 'a', 'b', 'c'], (k) => edges[k]),
      ['a', 'b', 'c'],
    );
    assert.equal(
      findCycle(['d'], (k) => edges[k]),
      undefined,
    );
  });

  it('pgshift status on the Django graph project prints the plan order and the conflict with its next step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgshift-django-'));
    try {
      cpSync(join(fixtures, 'django-graph'), dir, { recursive: true });
      const io = fakeIo(dir);
      assert.equal(await main(['status'], io), 0, io.stderr);
      const labels = io.stdout
        .split('\n')
        .map((l) => /^(\w+ \d{4}_\w+) +pending/.exec(l)?.[1])
        .filter(Boolean)
        .map((l) => l!.replace(' ', '.'));
      const expected = planLines(recorded('django-graph').cases[0].plan!).map((e) => e.key);
      assert.deepEqual(labels, expected);
      assert.match(
        io.stdout,
        /error: legacy\/migrations\/0002_note_text\.py: Conflicting migrations detected; multiple leaf nodes in the migration graph: \(0002_note_text, 0002_note_title in legacy\)\. To fix them run 'python manage\.py makemigrations --merge'/,
      );
      const json = fakeIo(dir);
      assert.equal(await main(['status', '--format', 'json'], json), 0, json.stderr);
      const s = JSON.parse(json.stdout) as { migrations: { key: string }[]; superseded: string[] };
      assert.deepEqual(
        s.migrations.map((m) => m.key),
        expected,
      );
      assert.deepEqual(s.superseded, ['shop.0001_initial', 'shop.0002_orders', 'shop.0003_order_index']);
      const lint = fakeIo(dir);
      await main(['lint', '--no-cache', '--format', 'json'], lint);
      // the originals a squash stands in for are linted too
      assert.match(lint.stdout + lint.stderr, /0003_order_index\.py/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
