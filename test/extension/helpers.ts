// Shared by the extension-host tests: the extension's test API, waiting for what a user would see,
// and reading tree items and code lenses the way VS Code does.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { PgshiftApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'pgshift.pgshift';

export async function pgshift(): Promise<PgshiftApi> {
  const ext = vscode.extensions.getExtension<PgshiftApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
  return ext.isActive ? ext.exports : await ext.activate();
}

/** Polls `probe` until it returns something truthy; fails with `what` and the last value seen. */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${describe(last)})`);
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function describe(v: unknown): string {
  if (v instanceof Error) return v.message;
  try {
    return JSON.stringify(v)?.slice(0, 500) ?? String(v);
  } catch {
    return String(v);
  }
}

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  return folder.uri.fsPath;
}

export function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

export function descriptionOf(item: vscode.TreeItem): string {
  return typeof item.description === 'string' ? item.description : '';
}

/** The migration rows of the Migrations view: name → description. */
export function migrationRows(
  api: PgshiftApi,
): Map<string, { description: string; contextValue: string; icon: string }> {
  const rows = new Map<string, { description: string; contextValue: string; icon: string }>();
  for (const item of api.inspect.migrations()) {
    if (!item.contextValue?.startsWith('pgshift.migration ')) continue;
    const icon = item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : '';
    rows.set(labelOf(item), { description: descriptionOf(item), contextValue: item.contextValue, icon });
  }
  return rows;
}

/** The titles of every code lens on a file, as the editor would show them. */
export async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  await vscode.workspace.openTextDocument(uri); // the provider runs on open documents only
  const lenses =
    (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  return lenses.map((l) => l.command?.title ?? '');
}

/** Closes whatever input box or quick pick a command opened (a test cannot type into it). */
export async function dismissInput(afterMs = 800): Promise<void> {
  await sleep(afterMs);
  await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
}
