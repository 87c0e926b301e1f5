// Runs inside a real VS Code whose workspace is a copy of examples/shop (see
// scripts/test-extension.mjs). The order of the tests matters: the parser check must come before
// anything opens a .sql file.
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'pgshift.pgshift';

/** What activate() returns; the contract the extension keeps for its tests. */
interface PgshiftApi {
  parserLoaded(): boolean;
}

async function waitFor(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

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

  it('registers its commands', async () => {
    const commands = new Set(await vscode.commands.getCommands(true));
    for (const id of ['pgshift.refresh', 'pgshift.lintWorkspace']) {
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
