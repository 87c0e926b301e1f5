// The report panel opened from the commands (runs last: the report keeps the host busy while it computes).
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { describeTarget, targetFromUrl } from '../../src/core/db/open';
import type { PgshiftApi } from '../../src/extension/extension';
import { startTestServer, stopTestServer, testServerUrl } from '../db/server';
import { pgshift, waitFor } from './helpers';

const PASSWORD_ENV = 'PGSHIFT_REPORT_TEST_PASSWORD';
// nothing listens there: a report that follows DATABASE_URL fails to connect
const AMBIENT_URL = 'postgres://nobody@127.0.0.1:1/not_the_selected_environment';

function reportTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('pgshift.report'));
}

describe('report panel', () => {
  afterEach(async () => {
    for (const t of reportTabs()) await vscode.window.tabGroups.close(t);
  });

  it('pgshift.showReportAll opens the report webview, and asking again reveals the same panel', async () => {
    await vscode.commands.executeCommand('pgshift.showReportAll');
    await waitFor('a report tab', () => reportTabs().length === 1);
    assert.match(reportTabs()[0].label, /report/i);
    await vscode.commands.executeCommand('pgshift.showReportAll');
    assert.strictEqual(reportTabs().length, 1);
  });

  it('the Report lens command opens a report for one migration', async () => {
    await vscode.commands.executeCommand('pgshift.report', '20260110090000');
    await waitFor('a migration report tab', () => reportTabs().some((t) => /20260110090000/.test(t.label)));
  });
});

// A report panel VS Code restores after a window reload must probe the database the status bar shows,
// not DATABASE_URL or the config's default: the registered serializer is what VS Code calls then.
describe('report panel restored after a reload', function () {
  this.timeout(180_000);
  let api: PgshiftApi;
  let selected = '';
  let tmp = '';
  const saved = { DATABASE_URL: process.env.DATABASE_URL, password: process.env[PASSWORD_ENV] };

  before(async () => {
    api = await pgshift();
    // postgres runs as its own user when we are root: its temp dir must be reachable
    const savedTmp = process.env.TMPDIR;
    tmp = fs.mkdtempSync('/tmp/pgs-rtest-');
    fs.chmodSync(tmp, 0o755);
    process.env.TMPDIR = tmp;
    try {
      await startTestServer();
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
    const url = new URL(testServerUrl());
    process.env[PASSWORD_ENV] = decodeURIComponent(url.password);
    const noPassword = `postgres://${url.username}@${url.host}${url.pathname}`;
    selected = describeTarget(targetFromUrl(noPassword));
    await vscode.workspace
      .getConfiguration('pgshift')
      .update(
        'environments',
        { 'report-env': { url: noPassword, passwordEnv: PASSWORD_ENV } },
        vscode.ConfigurationTarget.Workspace,
      );
    // what the extension host's environment says, which the panel must not follow
    process.env.DATABASE_URL = AMBIENT_URL;
    assert.strictEqual(
      await vscode.commands.executeCommand('pgshift.selectEnvironment', 'report-env'),
      'report-env',
    );
  });

  after(async () => {
    for (const t of reportTabs()) await vscode.window.tabGroups.close(t);
    await vscode.commands.executeCommand('pgshift.selectEnvironment', '$sandbox');
    await vscode.workspace
      .getConfiguration('pgshift')
      .update('environments', undefined, vscode.ConfigurationTarget.Workspace);
    for (const [k, v] of [
      ['DATABASE_URL', saved.DATABASE_URL],
      [PASSWORD_ENV, saved.password],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await stopTestServer();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('builds its report on the selected environment, not on DATABASE_URL or the default', async () => {
    assert.strictEqual(api.inspect.environment(), 'report-env');
    const panel = vscode.window.createWebviewPanel(
      'pgshift.report',
      'Report 20260101090000',
      vscode.ViewColumn.One,
      { enableScripts: true },
    );
    // the webview state the page saved before the reload
    await api.inspect.restoreReport(panel, {
      report: { scope: { kind: 'migration', version: '20260101090000' } },
    });
    const shown = await waitFor(
      'the restored panel to finish its report',
      () =>
        api.inspect
          .reports()
          .find((r) => r.scope.kind === 'migration' && !r.computing && (r.target || r.error)),
      150_000,
    );
    assert.strictEqual(shown.error, undefined, `the report failed: ${shown.error}`);
    assert.strictEqual(shown.target, selected);
    assert.notStrictEqual(shown.target, describeTarget(targetFromUrl(AMBIENT_URL)));
  });
});
