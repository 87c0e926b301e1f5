/**
 * Restore Backup… from the History view: puts a backup of destroyed data back (runner `restore`, the
 * same core as `pgshift restore`), after a modal confirmation that offers a dry run first; a
 * production environment needs its name typed, a read-only one refuses. What it restored, or why it
 * could not (the down migration has not recreated the column yet, …), is said with the next step.
 */
import * as vscode from 'vscode';
import { describeObject, restore, type BackupEntry } from '../../core/runner';
import { fmtBytes, countText, errorText } from '../../core/text';
import type { Ctx } from '../ctx';
import { confirmProduction } from './confirm';
import type { Environment } from './environments';
import { BackupItem, HistoryItem } from './history-tree';
import type { ProjectState } from './project-state';

export class BackupActions {
  constructor(
    private readonly ctx: Ctx,
    private readonly state: ProjectState,
  ) {}

  /** `arg`: a backup or History item, or { env?, id } (tests). Returns whether it restored (false also for a dry run). */
  async restore(arg: unknown): Promise<boolean> {
    const picked = this.target(arg);
    if (!picked) {
      void vscode.window.showInformationMessage('pgshift: choose a backup in the History view to restore.');
      return false;
    }
    const { env, id, backup } = picked;
    if (env.config?.readOnly) {
      void vscode.window.showWarningMessage(`pgshift: ${env.label} is read-only: nothing is restored there.`);
      return false;
    }
    const holds = backup
      ? `${backup.objects.map(describeObject).join('; ')} (${countText(backup.objects.reduce((n, o) => n + o.rows, 0))} rows, ${fmtBytes(backup.objects.reduce((n, o) => n + o.bytes, 0))})`
      : `backup ${id}`;
    const what = `Restore backup ${id} into ${env.label}? It holds ${holds}. The tables and columns must exist again (run Down first); it runs in one transaction and is checked against the backup's checksum before it commits.`;
    const choice = (arg as { dryRun?: boolean })?.dryRun
      ? 'Dry Run'
      : await vscode.window.showWarningMessage(`pgshift: ${what}`, { modal: true }, 'Restore', 'Dry Run');
    if (!choice) return false;
    const dryRun = choice === 'Dry Run';
    if (
      !dryRun &&
      !(await confirmProduction(env, `pgshift: Restore Backup on production "${env.label}"`, what))
    )
      return false;
    try {
      const r = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `pgshift: ${dryRun ? 'dry run of restoring' : 'restoring'} backup ${id} on ${env.label}`,
        },
        () =>
          this.ctx.sessions.use(
            env,
            (s) =>
              restore({
                driver: s.driver!,
                set: this.state.migrations().set!,
                settings: s.settings,
                backup: s.backup,
                id,
                dryRun,
              }),
            { purpose: 'write' },
          ),
      );
      const lines = r.objects.map((o) => `${o.what}: ${countText(o.rows)} rows`).join('; ');
      const text = dryRun
        ? `dry run: backup ${id} would restore ${lines}; nothing was changed.`
        : `backup ${id} restored and verified: ${lines}.`;
      this.ctx.output.info(`${env.label}: ${text}`);
      void vscode.window.showInformationMessage(`pgshift: ${text}`);
      if (!dryRun) this.state.databaseMayHaveChanged();
      return !dryRun;
    } catch (e) {
      const msg = `pgshift: backup ${id} on ${env.label}: ${errorText(e)}`;
      this.ctx.output.error(msg);
      void vscode.window.showErrorMessage(msg);
      return false;
    }
  }

  private target(arg: unknown): { env: Environment; id: number; backup?: BackupEntry } | undefined {
    if (arg instanceof BackupItem) return { env: arg.env, id: arg.backup.id, backup: arg.backup };
    if (arg instanceof HistoryItem && arg.backup)
      return { env: arg.env, id: arg.backup.id, backup: arg.backup };
    const a = arg as { env?: string; id?: number } | undefined;
    if (a && typeof a.id === 'number') {
      const env = (a.env && this.ctx.environments.find(a.env)) || this.ctx.environments.selected();
      return { env, id: a.id };
    }
    return undefined;
  }
}
