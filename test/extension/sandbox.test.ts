// The Migrations view, the code lenses, History and the runs, on the Local sandbox (the embedded
// PGlite database the workspace copy of examples/shop starts without): states before and after ▶ Up,
// a dry run that changes nothing, ◀ Down, and a failing migration.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DryRunReport, RunResult } from '../../src/core/runner';
import type { PgshiftApi } from '../../src/extension/extension';
import {
  descriptionOf,
  labelOf,
  lensTitles,
  migrationRows,
  pgshift,
  waitFor,
  workspaceRoot,
} from './helpers';

const NAMES = [
  'create_customers',
  'create_orders',
  'add_orders_placed_at_index',
  'add_customer_phone',
  'orders_status_check',
  'validate_orders_status_check',
  'orders_total_numeric',
  'orders_shipped_at_index_concurrently',
];
const APPLIED = /^applied \d{4}-\d\d-\d\d · [\d.]+ (ms|s)$/;

describe('Migrations view, lenses, History and runs on the Local sandbox', function () {
  this.timeout(120_000);
  let api: PgshiftApi;
  const dir = (): string => path.join(workspaceRoot(), 'migrations');
  const file = (name: string): vscode.Uri => vscode.Uri.file(path.join(dir(), name));

  before(async () => {
    api = await pgshift();
    await vscode.commands.executeCommand('pgshift.selectEnvironment', '$sandbox');
  });

  it('lists every migration in version order, all pending on a sandbox not created yet', async () => {
    await api.inspect.statusLoaded();
    const rows = migrationRows(api);
    assert.deepStrictEqual([...rows.keys()], NAMES);
    for (const [name, r] of rows) {
      assert.strictEqual(r.description, 'pending', `${name}: ${r.description}`);
      assert.match(r.contextValue, /state:pending/);
      assert.strictEqual(r.icon, 'circle-large-outline');
    }
    assert.ok(
      !fs.existsSync(path.join(workspaceRoot(), '.pgshift', 'db')),
      'reading the state created the sandbox',
    );
  });

  it('shows the risk badge of each migration from the linter', async () => {
    const risky = await waitFor('a risk badge on orders_total_numeric', () =>
      api.inspect
        .migrations()
        .find((i) => labelOf(i) === 'orders_total_numeric' && i.resourceUri?.scheme === 'pgshift-risk'),
    );
    assert.match(risky.resourceUri!.query, /worst=(error|warning)/);
    assert.match(risky.resourceUri!.query, /changing-column-type/);
  });

  it('puts ▶ Up, Dry run, Report and the state above an up script, ◀ Down and Dry run above a down script', async () => {
    const up = file('20260102090000_create_orders.up.sql');
    await vscode.window.showTextDocument(up);
    const titles = await waitFor('the lenses to show the state', async () => {
      const t = await lensTitles(up);
      return t.includes('Local sandbox: pending') ? t : undefined;
    });
    assert.deepStrictEqual(titles, ['▶ Up', 'Dry run', 'Report', 'Local sandbox: pending']);
    const down = await lensTitles(file('20260102090000_create_orders.down.sql'));
    assert.deepStrictEqual(down, ['◀ Down', 'Dry run', 'Local sandbox: pending']);
    assert.deepStrictEqual(
      await lensTitles(vscode.Uri.file(path.join(workspaceRoot(), 'pgshift.config.json'))),
      [],
    );
  });

  it('▶ Up applies up to a migration; the tree, the lenses and History follow', async () => {
    const result = await vscode.commands.executeCommand<RunResult>('pgshift.up', {
      version: '20260102090000',
    });
    assert.ok(result, 'up returned nothing (see the notification in the screenshot/log)');
    assert.strictEqual(result.ok, true, JSON.stringify(result.failure));
    assert.deepStrictEqual(
      result.steps.map((s) => s.name),
      ['create_customers', 'create_orders'],
    );
    const rows = await waitFor('the tree to show two applied migrations', () => {
      const r = migrationRows(api);
      return APPLIED.test(r.get('create_orders')?.description ?? '') ? r : undefined;
    });
    assert.match(rows.get('create_customers')!.description, APPLIED);
    assert.strictEqual(rows.get('create_orders')!.icon, 'pass-filled');
    assert.match(rows.get('create_orders')!.contextValue, /state:applied/);
    for (const name of NAMES.slice(2)) assert.strictEqual(rows.get(name)!.description, 'pending', name);

    const lens = await lensTitles(file('20260102090000_create_orders.up.sql'));
    // an applied migration offers its rollback where it offered ▶ Up
    assert.deepStrictEqual(lens.slice(0, 3), ['◀ Down', 'Dry run', 'Report'], JSON.stringify(lens));
    assert.match(lens[3], /^Local sandbox: applied \d{4}-\d\d-\d\d · [\d.]+ m?s$/);

    const history = await api.inspect.history();
    assert.deepStrictEqual(history.map(labelOf), ['create_orders', 'create_customers'], 'newest first');
    assert.match(descriptionOf(history[0]), /^up · \d{4}-\d\d-\d\d \d\d:\d\d · /);
    assert.match(
      String((history[0].tooltip as vscode.MarkdownString).value),
      /who: .*\n- where: Local sandbox — embedded PGlite/,
    );
  });

  it('reveals a migration in History: the filter keeps its attempts only', async () => {
    await vscode.commands.executeCommand('pgshift.revealInHistory', { version: '20260101090000' });
    const only = await api.inspect.history();
    assert.deepStrictEqual(only.map(labelOf), ['create_customers']);
    await vscode.commands.executeCommand('pgshift.clearHistoryFilter');
    assert.strictEqual((await api.inspect.history()).length, 2);
  });

  it('filters History by environment: the sandbox’s attempts while another environment is selected', async () => {
    await vscode.commands.executeCommand('pgshift.selectEnvironment', 'staging'); // nothing listens there
    const [error] = await api.inspect.history();
    assert.match(labelOf(error), /^Cannot read the history on staging/);
    await vscode.commands.executeCommand('pgshift.filterHistory', {
      env: '$sandbox',
      version: '20260102090000',
    });
    assert.deepStrictEqual((await api.inspect.history()).map(labelOf), ['create_orders']);
    await vscode.commands.executeCommand('pgshift.clearHistoryFilter');
    await vscode.commands.executeCommand('pgshift.selectEnvironment', '$sandbox');
    assert.strictEqual((await api.inspect.history()).length, 2);
  });

  it('Dry run traces what Up would do, marks each statement with its locks, and changes nothing', async () => {
    const report = await vscode.commands.executeCommand<DryRunReport>('pgshift.dryRun', {
      version: '20260201090000',
    });
    assert.ok(report, 'dry run returned nothing');
    assert.strictEqual(report.ok, true, JSON.stringify(report));
    assert.deepStrictEqual(
      report.migrations.map((m) => m.name),
      NAMES.slice(2, 7),
    );
    // one transaction: the CHECK constraint takes ACCESS EXCLUSIVE on orders, the type change rewrites it
    const [check] = report.migrations.find((m) => m.name === 'orders_status_check')!.statements;
    assert.ok(
      check.locks.some((l) => l.mode === 'ACCESS EXCLUSIVE' && l.relation === 'orders'),
      JSON.stringify(check.locks),
    );
    const [numeric] = report.migrations.find((m) => m.name === 'orders_total_numeric')!.statements;
    assert.ok(
      numeric.rewrites.some((r) => r.relation === 'orders'),
      JSON.stringify(numeric.rewrites),
    );
    const marksOf = (name: string) => api.inspect.dryRunMarks(path.join(dir(), name));
    const checkMarks = marksOf('20260120090000_orders_status_check.up.sql');
    assert.ok(
      checkMarks.some((m) => m.line === 1 && /^dry run · ACCESS EXCLUSIVE on orders · /.test(m.text)),
      JSON.stringify(checkMarks),
    );
    const marks = marksOf('20260201090000_orders_total_numeric.up.sql');
    // ACCESS EXCLUSIVE on orders is already held from the CHECK constraint, so only the rewrite is new
    assert.ok(
      marks.some((m) => m.line === 1 && /^dry run · rewrites orders · [\d.]+ m?s$/.test(m.text)),
      JSON.stringify(marks),
    );
    // rolled back: no state changed, no history written
    await api.inspect.statusLoaded();
    assert.strictEqual(migrationRows(api).get('orders_total_numeric')!.description, 'pending');
    assert.strictEqual((await api.inspect.history()).length, 2);
    await vscode.commands.executeCommand('pgshift.clearDryRun');
    assert.deepStrictEqual(
      api.inspect.dryRunMarks(path.join(dir(), '20260201090000_orders_total_numeric.up.sql')),
      [],
    );
  });

  it('◀ Down rolls back the newest applied migration; the tree and History follow', async () => {
    const result = await vscode.commands.executeCommand<RunResult>('pgshift.down', {
      version: '20260102090000',
    });
    assert.ok(result?.ok, JSON.stringify(result?.failure));
    assert.deepStrictEqual(
      result.steps.map((s) => `${s.direction} ${s.name}`),
      ['down create_orders'],
    );
    await waitFor(
      'create_orders to be pending again',
      () => migrationRows(api).get('create_orders')?.description === 'pending',
    );
    assert.match(migrationRows(api).get('create_customers')!.description, APPLIED);
    const history = await api.inspect.history();
    assert.strictEqual(history.length, 3);
    assert.match(descriptionOf(history[0]), /^down · /);
  });

  it('a failing migration: its error on the failing statement, and in History opening the file there', async () => {
    const up = path.join(dir(), '20260301090000_broken.up.sql');
    const down = path.join(dir(), '20260301090000_broken.down.sql');
    fs.writeFileSync(up, '-- fails on purpose\nSELECT 1;\nALTER TABLE no_such_table ADD COLUMN x int;\n');
    fs.writeFileSync(down, 'SELECT 1;\n');
    try {
      await waitFor('the new migration in the tree', () => migrationRows(api).has('broken'));
      const result = await vscode.commands.executeCommand<RunResult>('pgshift.up', {
        version: '20260301090000',
      });
      assert.ok(result, 'up returned nothing');
      assert.strictEqual(result.ok, false);
      assert.strictEqual(result.failure?.version, '20260301090000');
      assert.strictEqual(result.failure?.line, 3);
      assert.match(result.failure!.error, /no_such_table/);

      const diags = await waitFor('the run diagnostic', () =>
        vscode.languages.getDiagnostics(vscode.Uri.file(up)).filter((d) => d.source === 'pgshift run'),
      );
      assert.strictEqual(diags[0].range.start.line, 2);
      assert.match(diags[0].message, /no_such_table/);

      const [newest] = await api.inspect.history();
      assert.strictEqual(labelOf(newest), 'broken');
      assert.match(descriptionOf(newest), /^up · failed · /);
      assert.strictEqual(newest.command?.command, 'vscode.open');
      const [uri, opts] = newest.command!.arguments as [vscode.Uri, { selection: vscode.Range }];
      assert.strictEqual(uri.fsPath, up);
      assert.strictEqual(opts.selection.start.line, 2);
      assert.strictEqual(newest.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);

      // it ran in a transaction: nothing of it remains, so it is still pending; the ones before it applied
      await api.inspect.statusLoaded();
      const rows = migrationRows(api);
      assert.strictEqual(rows.get('broken')!.description, 'pending');
      assert.match(rows.get('orders_total_numeric')!.description, APPLIED);
    } finally {
      fs.rmSync(up, { force: true });
      fs.rmSync(down, { force: true });
    }
    await waitFor('the deleted migration to leave the tree', () => !migrationRows(api).has('broken'));
  });
});
