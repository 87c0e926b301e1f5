// The migrations folder is watched: New Migration, renames, deletions and edits show up in the tree,
// the lenses and the diagnostics without a manual refresh.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { PgshiftApi } from '../../src/extension/extension';
import { lensTitles, migrationRows, pgshift, waitFor, workspaceRoot } from './helpers';

describe('the migrations folder is watched', function () {
  this.timeout(60_000);
  let api: PgshiftApi;
  let created: string[] = [];

  before(async () => {
    api = await pgshift();
    await vscode.commands.executeCommand('pgshift.selectEnvironment', '$sandbox');
  });

  after(() => {
    for (const f of created) fs.rmSync(f, { force: true });
  });

  it('New Migration creates the files in the folder’s layout and opens the up script', async () => {
    created =
      (await vscode.commands.executeCommand<string[]>('pgshift.newMigration', 'Add customer notes')) ?? [];
    assert.strictEqual(created.length, 2, JSON.stringify(created));
    const [up, down] = created;
    assert.match(path.basename(up), /^\d{14}_add_customer_notes\.up\.sql$/);
    assert.match(path.basename(down), /^\d{14}_add_customer_notes\.down\.sql$/);
    assert.strictEqual(path.dirname(up), path.join(workspaceRoot(), 'migrations'));
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, up);
    await waitFor(
      'the new migration in the tree',
      () => migrationRows(api).get('add_customer_notes')?.description === 'pending',
    );
    const titles = await waitFor('lenses on the new file', async () => {
      const t = await lensTitles(vscode.Uri.file(up));
      return t.includes('▶ Up') ? t : undefined;
    });
    assert.ok(titles.includes('Dry run'));
  });

  it('follows a rename', async () => {
    const [up, down] = created;
    const renamed = created.map((f) => f.replace('add_customer_notes', 'add_customer_remarks'));
    await vscode.workspace.fs.rename(vscode.Uri.file(up), vscode.Uri.file(renamed[0]));
    await vscode.workspace.fs.rename(vscode.Uri.file(down), vscode.Uri.file(renamed[1]));
    created = renamed;
    await waitFor('the renamed migration in the tree', () => {
      const rows = migrationRows(api);
      return rows.has('add_customer_remarks') && !rows.has('add_customer_notes');
    });
  });

  it('follows edits: diagnostics and the risk badge', async () => {
    const [up] = created;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(up));
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) =>
      e.insert(
        new vscode.Position(doc.lineCount, 0),
        'CREATE INDEX customers_notes_idx ON customers (id);\n',
      ),
    );
    await doc.save();
    const diags = await waitFor('a lint diagnostic on the new statement', () =>
      vscode.languages
        .getDiagnostics(doc.uri)
        .filter(
          (d) =>
            d.source === 'pgshift' &&
            String((d.code as { value: string })?.value) === 'require-concurrent-index-creation',
        ),
    );
    assert.ok(
      diags.every((d) => d.range.start.line === doc.lineCount - 2),
      JSON.stringify(diags.map((d) => [d.range.start.line, d.message])),
    );
    await waitFor('the risk badge of the edited migration', () =>
      api.inspect
        .migrations()
        .find(
          (i) =>
            i.label === 'add_customer_remarks' &&
            /require-concurrent-index-creation/.test(i.resourceUri?.query ?? ''),
        ),
    );
  });

  it('follows a deletion', async () => {
    for (const f of created) await vscode.workspace.fs.delete(vscode.Uri.file(f));
    created = [];
    await waitFor(
      'the deleted migration to leave the tree',
      () => !migrationRows(api).has('add_customer_remarks'),
    );
  });
});
