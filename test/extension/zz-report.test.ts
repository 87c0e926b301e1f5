// The report panel opened from the commands (runs last: the report keeps the host busy while it computes).
import * as assert from 'assert';
import * as vscode from 'vscode';
import { waitFor } from './helpers';

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
