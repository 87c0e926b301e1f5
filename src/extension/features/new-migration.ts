/** `pgshift new <name>` in the editor: the same core call, then the new up script opens. */
import * as vscode from 'vscode';
import { chooseMigrations } from '../../core/migrations/choose';
import { PgshiftError } from '../../core/errors';
import { createMigration, sanitizeMigrationName } from '../../core/migrations/new';
import type { Ctx } from '../ctx';
import type { ProjectState } from './project-state';

export async function newMigration(
  ctx: Ctx,
  state: ProjectState,
  name?: unknown,
): Promise<string[] | undefined> {
  const loaded = ctx.projectConfig();
  if (!loaded)
    throw new PgshiftError('no pgshift project in this workspace', {
      hint: 'open the folder that holds your migrations',
    });
  const given =
    typeof name === 'string'
      ? name
      : await vscode.window.showInputBox({
          title: 'pgshift: new migration',
          prompt: 'What does it do? It becomes the file name, e.g. add_customers_email',
          placeHolder: 'add_customers_email',
          validateInput: (v) => (v.trim() && !sanitizeMigrationName(v) ? 'use letters or digits' : undefined),
        });
  if (!given?.trim()) return undefined;
  const choice = chooseMigrations(loaded);
  const files = createMigration(choice.dir, choice.layout, given);
  ctx.output.info(`created ${files.map((f) => vscode.workspace.asRelativePath(f)).join(', ')}`);
  state.filesChanged();
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(files[0]));
  const editor = await vscode.window.showTextDocument(doc);
  // the cursor where the SQL goes: under dbmate's `-- migrate:up`, else at the end of the template
  const at = /^--\s*migrate:up/.test(doc.lineAt(0).text)
    ? doc.lineAt(1).range.end
    : doc.lineAt(doc.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(at, at);
  return files;
}
