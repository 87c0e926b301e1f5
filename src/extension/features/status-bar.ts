/**
 * The status bar item: the selected environment and how many migrations are pending on it; click to
 * switch. It shows what is known and never queries the database itself: the count appears once the
 * Migrations view or a code lens has read the state.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { migrationsDir } from '../../core/config';
import { CommandId } from '../command-ids';
import type { Ctx } from '../ctx';
import type { ProjectState } from './project-state';

export class EnvironmentStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'pgshift.environment',
    vscode.StatusBarAlignment.Left,
    50,
  );
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly ctx: Ctx,
    private readonly state: ProjectState,
  ) {
    this.item.name = 'pgshift environment';
    this.item.command = CommandId.selectEnvironment;
    this.subscriptions.push(
      state.onDidChange(() => this.update()),
      ctx.environments.onDidChange(() => this.update()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.update()),
    );
    this.update();
  }

  update(): void {
    // cheap on purpose (this runs at activation): a config file or a migrations folder makes a project
    const loaded = this.ctx.projectConfig();
    if (!loaded || (!loaded.file && !existsSync(migrationsDir(loaded)))) {
      this.item.hide();
      return;
    }
    const env = this.ctx.environments.selected();
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**pgshift** · ${env.label}\n\n`);
    if (!this.ctx.trusted) {
      this.item.text = `$(shield) ${env.label}`;
      tip.appendMarkdown('Restricted mode: nothing runs and no database is read. Linting works.');
      this.item.command = 'workbench.trust.manage';
      this.item.backgroundColor = undefined;
    } else {
      // peek only: the view or a lens is what starts the first read
      const snap = this.state.peek();
      const pending = snap?.report?.migrations.filter(
        (m) => m.state === 'pending' || m.state === 'out-of-order',
      ).length;
      const failed = snap?.report?.migrations.filter((m) => m.state === 'failed').length ?? 0;
      const icon = snap?.loading
        ? '$(sync~spin)'
        : snap?.error
          ? '$(warning)'
          : env.config?.production
            ? '$(flame)'
            : '$(database)';
      const counts = snap?.error
        ? ' · unreachable'
        : failed
          ? ` · ${failed} failed`
          : pending !== undefined
            ? ` · ${pending} pending`
            : '';
      this.item.text = `${icon} ${env.label}${counts}`;
      this.item.backgroundColor = env.config?.production
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : failed || snap?.error
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : undefined;
      if (snap?.description) tip.appendMarkdown(`${snap.description}\n\n`);
      if (snap?.error) tip.appendMarkdown(`$(warning) ${snap.error}\n\n`);
      else if (pending !== undefined)
        tip.appendMarkdown(`${pending} pending${failed ? `, ${failed} failed` : ''}\n\n`);
      if (env.config?.production) tip.appendMarkdown('production: up and down ask you to type its name\n\n');
      if (env.config?.readOnly) tip.appendMarkdown('read-only: status, history and dry runs only\n\n');
      tip.appendMarkdown('Click to switch environment');
      this.item.command = CommandId.selectEnvironment;
    }
    this.item.tooltip = tip;
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
