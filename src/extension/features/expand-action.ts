/**
 * "Generate expand/contract migrations": the code action on the linter's finding for a rename, a type
 * change, SET NOT NULL, a table rename or a required column, calling the same core as `pgshift expand`.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import { PgshiftError } from '../../core/errors';
import { expandMigration } from '../../core/expand';
import type { Ctx } from '../ctx';
import type { ProjectState } from './project-state';

/** The rules whose finding offers the action (the statements pgshift expand plans). */
export const EXPANDABLE_RULES: ReadonlySet<string> = new Set([
  'renaming-column',
  'changing-column-type',
  'set-not-null',
  'renaming-table',
  'adding-required-field',
]);

export async function expandFromEditor(
  ctx: Ctx,
  state: ProjectState,
  file?: unknown,
  at?: unknown,
): Promise<string[] | undefined> {
  const loaded = ctx.projectConfig();
  if (!loaded)
    throw new PgshiftError('no pgshift project in this workspace', {
      hint: 'open the folder that holds your migrations',
    });
  const path = typeof file === 'string' ? file : vscode.window.activeTextEditor?.document.uri.fsPath;
  if (!path) throw new PgshiftError('open the migration to expand first');
  const d = state.migrations();
  if (d.error || !d.set) throw new PgshiftError(d.error ?? 'no migrations in this workspace');
  const set = d.set;
  if (!set.migrations.some((m) => m.up.file === path))
    throw new PgshiftError(
      `${vscode.workspace.asRelativePath(path)} is not an up migration of this project`,
      {
        hint: 'expand works on the up script of a migration in the migrations folder',
      },
    );
  const offset = typeof at === 'number' ? at : undefined;
  const preview = await expandMigration({ file: path, set, at: offset, dryRun: true });
  const keep = 'Keep the original (I will delete it)';
  const move = 'Move the original to .pgshift/replaced/';
  const pick = await vscode.window.showQuickPick([keep, move], {
    title: `pgshift: ${preview.plan.group}: ${preview.plan.migrations.map((m) => m.phase).join(' → ')}`,
    placeHolder: 'The original migration still holds the one-step change: keep it or move it away?',
  });
  if (!pick) return undefined;
  const result = await expandMigration({
    file: path,
    set,
    at: offset,
    moveOriginalTo: pick === move ? join(loaded.root, '.pgshift', 'replaced') : undefined,
  });
  ctx.output.info(
    `expand ${result.plan.group}: created ${result.created.map((f) => vscode.workspace.asRelativePath(f)).join(', ')}`,
  );
  for (const n of result.plan.notes) ctx.output.info(`expand ${result.plan.group}: note: ${n}`);
  state.filesChanged();
  await vscode.window.showTextDocument(
    await vscode.workspace.openTextDocument(vscode.Uri.file(result.created[0])),
  );
  void vscode.window.showInformationMessage(
    `pgshift: wrote ${result.plan.migrations.length} migrations for ${result.plan.group}.` +
      (result.movedOriginal
        ? ' The original is in .pgshift/replaced/.'
        : ` Delete ${vscode.workspace.asRelativePath(path)} (it still holds the one-step change).`),
  );
  return result.created;
}
