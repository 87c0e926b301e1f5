// Runs inside a real VS Code whose workspace is a copy of examples/shop (see
// scripts/test-extension.mjs). The order of the tests matters: the parser check must come before
// anything opens a .sql file, and the first test file to run is this one.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor, workspaceRoot } from './helpers';
import type { PgshiftApi } from '../../src/extension/extension';

describe('pgshift in a workspace with migrations', () => {
  let ext: vscode.Extension<PgshiftApi>;

  before(() => {
    const found = vscode.extensions.getExtension<PgshiftApi>(EXTENSION_ID);
    assert.ok(found, `extension ${EXTENSION_ID} is not installed`);
    ext = found;
  });

  it('activates by itself because the workspace contains migrations', async () => {
    // Never ext.activate() here: the point is that the activation events fire on their own.
    await waitFor(`${EXTENSION_ID} to activate`, () => ext.isActive);
  });

  it('does not load the SQL parser while activating', () => {
    assert.strictEqual(
      typeof ext.exports?.parserLoaded,
      'function',
      'activate() should return { parserLoaded() }',
    );
    assert.strictEqual(ext.exports.parserLoaded(), false, 'the parser was loaded during activation');
  });

  it('activates quickly, without touching a database', () => {
    const ms = ext.exports.activationMs;
    assert.strictEqual(typeof ms, 'number');
    console.log(`    activate() took ${ms.toFixed(1)} ms`);
    assert.ok(ms < 1000, `activate() took ${ms} ms`);
    // the embedded database is created by the first run, never by activation or a read
    assert.ok(
      !fs.existsSync(path.join(workspaceRoot(), '.pgshift', 'db')),
      '.pgshift/db exists after activation',
    );
  });

  it('registers its commands', async () => {
    const commands = new Set(await vscode.commands.getCommands(true));
    for (const id of ['pgshift.refresh', 'pgshift.lintWorkspace', 'pgshift.up', 'pgshift.dryRun']) {
      assert.ok(commands.has(id), `command ${id} is not registered`);
    }
  });

  it('can show its Migrations view', async () => {
    // `<view id>.focus` exists only when the view is contributed; it rejects otherwise.
    await vscode.commands.executeCommand('pgshift.migrations.focus');
  });

  it('opens a migration file as SQL', async () => {
    const files = await vscode.workspace.findFiles('migrations/**/*.sql');
    assert.ok(files.length > 0, 'no migrations/**/*.sql in the workspace');
    const uri = files.sort((a, b) => a.path.localeCompare(b.path))[0];
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    assert.strictEqual(editor.document.languageId, 'sql');
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());
    assert.ok(editor.document.getText().trim().length > 0, `${uri.path} is empty`);
  });
});
