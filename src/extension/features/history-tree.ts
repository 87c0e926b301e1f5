/**
 * The History view: every attempt the runner recorded (runner `history`), newest first — who, when,
 * where, how long, the result, and for a failure the error and the failing statement. Filterable by
 * environment (any configured one, not only the selected) and by migration. A failed entry opens its
 * file at the failing statement. Read when the view is shown, and again after every run.
 */
import * as vscode from 'vscode';
import { compareVersions } from '../../core/migrations/layouts';
import { backups, describeObject, history, type BackupEntry, type HistoryEntry } from '../../core/runner';
import { fmtBytes, countText } from '../../core/text';
import { CommandId, ContextKey } from '../command-ids';
import type { Ctx } from '../ctx';
import { settings } from '../settings';
import type { Environment } from './environments';
import { errorText, ms, oneLineSql, when } from './format';
import type { ProjectState } from './project-state';

export interface HistoryFilter {
  /** environment id; undefined = the selected environment */
  env?: string;
  version?: string;
}

export class HistoryItem extends vscode.TreeItem {
  readonly kind = 'entry';
  /** what Copy Version copies */
  readonly version: string;
  constructor(
    readonly entry: HistoryEntry,
    readonly env: Environment,
    where: string,
    file: string | undefined,
    /** the backup made of what this attempt destroyed */
    readonly backup?: BackupEntry,
  ) {
    const failed = entry.success === false;
    super(
      entry.name || entry.version,
      (failed && (entry.error || entry.errorStatement)) || backup
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None,
    );
    this.id = `history:${env.id}:${entry.id}`;
    this.version = entry.version;
    const action = entry.direction === 'resolve' ? `resolved ${entry.resolvedAs}` : entry.direction;
    const result = entry.success === true ? 'ok' : failed ? 'failed' : 'unfinished';
    const size = backup ? fmtBytes(backup.objects.reduce((n, o) => n + o.bytes, 0)) : '';
    this.description = [
      action,
      result === 'ok' ? '' : result,
      when(entry.startedAt),
      ms(entry.executionMs),
      backup ? `backup ${backup.id} (${size})${backup.restoredAt ? ' restored' : ''}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    this.iconPath =
      entry.direction === 'resolve'
        ? new vscode.ThemeIcon('person', new vscode.ThemeColor('charts.blue'))
        : entry.success === true
          ? new vscode.ThemeIcon(
              entry.direction === 'up' ? 'arrow-circle-up' : 'arrow-circle-down',
              new vscode.ThemeColor('testing.iconPassed'),
            )
          : failed
            ? new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'))
            : new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    this.contextValue = `pgshift.historyEntry result:${result}${backup?.verified ? ' backup:yes' : ''}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${entry.version} ${entry.name}** — ${action}, ${result}\n\n`);
    md.appendMarkdown(
      `- when: ${when(entry.startedAt, true)}${entry.finishedAt ? ` → ${when(entry.finishedAt, true)}` : ''}\n`,
    );
    md.appendMarkdown(`- took: ${entry.executionMs != null ? ms(entry.executionMs) : '—'}\n`);
    md.appendMarkdown(
      `- who: ${escapeMd(entry.appliedBy)}${entry.osUser ? ` (${escapeMd(entry.osUser)}@${escapeMd(entry.host ?? '?')})` : ''}, pgshift ${entry.pgshiftVersion}\n`,
    );
    md.appendMarkdown(`- where: ${escapeMd(env.label)} — ${escapeMd(where)}\n`);
    md.appendMarkdown(
      `- ${entry.transactional ? 'in a transaction' : 'outside a transaction'}${entry.statementsTotal != null ? `, ${entry.statementsApplied ?? 0}/${entry.statementsTotal} statements` : ''}\n`,
    );
    if (entry.error)
      md.appendMarkdown(
        `\n$(error) ${escapeMd(entry.error)}${entry.errorLine ? ` (line ${entry.errorLine})` : ''}\n`,
      );
    if (entry.errorStatement) md.appendCodeblock(entry.errorStatement.trim(), 'sql');
    if (backup)
      md.appendMarkdown(
        `\n$(archive) backup ${backup.id}, ${backup.verified ? 'verified' : 'unfinished'}: ${backup.objects.map((o) => escapeMd(describeObject(o))).join('; ')} — ${size}${backup.restoredAt ? `, restored ${when(backup.restoredAt, true)}` : ''}\n`,
      );
    this.tooltip = md;
    if (file) {
      const line = Math.max((entry.errorLine ?? 1) - 1, 0);
      this.command = {
        command: 'vscode.open',
        title: failed ? 'Open the failing statement' : 'Open migration',
        arguments: [vscode.Uri.file(file), failed ? { selection: new vscode.Range(line, 0, line, 0) } : {}],
      };
    }
    const backupChildren = backup ? [new BackupItem(backup, env)] : [];
    this.detailChildren = failed
      ? [
          ...backupChildren,
          ...(entry.error ? [detail(`error: ${entry.error}`, 'error', this.command)] : []),
          ...(entry.errorStatement
            ? [
                detail(
                  `line ${entry.errorLine ?? '?'}: ${oneLineSql(entry.errorStatement, 120)}`,
                  'code',
                  this.command,
                ),
              ]
            : []),
        ]
      : backupChildren;
  }
  readonly detailChildren: vscode.TreeItem[];
}

/** A backup under the History entry it belongs to; Restore Backup… acts on it (or on its entry). */
export class BackupItem extends vscode.TreeItem {
  readonly kind = 'backup';
  constructor(
    readonly backup: BackupEntry,
    readonly env: Environment,
  ) {
    const rows = backup.objects.reduce((n, o) => n + o.rows, 0);
    const bytes = backup.objects.reduce((n, o) => n + o.bytes, 0);
    super(`backup ${backup.id}: ${backup.objects.map(describeObject).join('; ')}`);
    this.id = `backup:${env.id}:${backup.id}`;
    this.description = [
      `${countText(rows)} rows`,
      fmtBytes(bytes),
      backup.verified ? 'verified' : 'unfinished',
      backup.restoredAt ? `restored ${when(backup.restoredAt)}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    this.iconPath = new vscode.ThemeIcon('archive');
    this.tooltip = `Copied into the archive before the migration destroyed it${backup.file ? `; files in ${backup.file}` : ''}. Restore Backup… puts it back (after the down migration recreated the structure).`;
    this.contextValue = `pgshift.backup${backup.verified ? ' backup:yes' : ''}`;
  }
}

function detail(label: string, icon: string, command?: vscode.Command): vscode.TreeItem {
  const t = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  t.iconPath = new vscode.ThemeIcon(icon);
  t.tooltip = label;
  t.command = command;
  t.contextValue = 'pgshift.historyDetail';
  return t;
}

export class HistoryTree implements vscode.TreeDataProvider<vscode.TreeItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private view?: vscode.TreeView<vscode.TreeItem>;
  private filter: HistoryFilter = {};

  constructor(
    private readonly ctx: Ctx,
    private readonly state: ProjectState,
  ) {
    this.subscriptions.push(
      state.onDidChangeDatabase(() => this.changed.fire()),
      ctx.environments.onDidChange(() => this.changed.fire()),
    );
  }

  attach(view: vscode.TreeView<vscode.TreeItem>): void {
    this.view = view;
  }

  refresh(): void {
    this.changed.fire();
  }

  currentFilter(): HistoryFilter {
    return { ...this.filter };
  }

  setFilter(filter: HistoryFilter): void {
    this.filter = { ...filter };
    void vscode.commands.executeCommand(
      'setContext',
      ContextKey.historyFiltered,
      !!(filter.env || filter.version),
    );
    this.changed.fire();
  }

  /** Quick picks for the environment and the migration; `args` skips them (tests, other commands). */
  async pickFilter(args?: unknown): Promise<HistoryFilter | undefined> {
    if (args && typeof args === 'object' && ('env' in args || 'version' in args)) {
      const a = args as HistoryFilter;
      this.setFilter({ env: a.env || undefined, version: a.version || undefined });
      return this.currentFilter();
    }
    const envs = this.ctx.environments.list();
    const selected = this.ctx.environments.selected();
    const env = await vscode.window.showQuickPick(
      envs.map((e) => ({
        label: e.label,
        description: e.id === selected.id ? 'selected environment' : undefined,
        id: e.id,
      })),
      { title: 'pgshift history: which environment?' },
    );
    if (!env) return undefined;
    const migrations = this.state.migrations().set?.migrations.filter((m) => !m.repeatable) ?? [];
    const mig = await vscode.window.showQuickPick(
      [
        { label: 'All migrations', version: undefined as string | undefined },
        ...[...migrations]
          .reverse()
          .map((m) => ({ label: m.version, description: m.name, version: m.version as string | undefined })),
      ],
      { title: 'pgshift history: which migration?' },
    );
    if (!mig) return undefined;
    this.setFilter({ env: env.id === selected.id ? undefined : env.id, version: mig.version });
    return this.currentFilter();
  }

  getTreeItem(item: vscode.TreeItem): vscode.TreeItem {
    return item;
  }

  async getChildren(parent?: vscode.TreeItem): Promise<vscode.TreeItem[]> {
    if (parent) return parent instanceof HistoryItem ? parent.detailChildren : [];
    const env =
      (this.filter.env && this.ctx.environments.find(this.filter.env)) || this.ctx.environments.selected();
    if (this.view) {
      this.view.description = [env.label, this.filter.version].filter(Boolean).join(' · ');
      this.view.message = undefined;
    }
    if (!this.ctx.trusted) return [];
    const set = this.state.migrations().set;
    try {
      const { entries, where, made } = await this.ctx.sessions.use(
        env,
        async (s) => ({
          entries: await history({
            driver: s.driver,
            settings: s.settings,
            version: this.filter.version,
            limit: settings.historyLimit(),
          }),
          made: await backups({ driver: s.driver, backup: s.backup }),
          where: s.target.description,
        }),
        { purpose: 'read', prompt: false },
      );
      const backupOf = (e: HistoryEntry): BackupEntry | undefined => made.find((b) => b.historyId === e.id);
      const fileOf = (e: HistoryEntry): string | undefined => {
        const m = set?.migrations.find((x) =>
          e.version ? x.version !== '' && compareVersions(x.version, e.version) === 0 : x.name === e.name,
        );
        return e.direction === 'down' ? m?.down?.file : m?.up.file;
      };
      if (this.view && !entries.length && this.filter.version)
        this.view.message = `No attempt of ${this.filter.version} on ${env.label}.`;
      return [...entries].reverse().map((e) => new HistoryItem(e, env, where, fileOf(e), backupOf(e)));
    } catch (e) {
      const msg = errorText(e);
      const item = new vscode.TreeItem(
        `Cannot read the history on ${env.label}`,
        vscode.TreeItemCollapsibleState.None,
      );
      item.description = msg;
      item.tooltip = msg;
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
      item.command = { command: CommandId.testConnection, title: 'Test connection', arguments: [env.id] };
      return [item];
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]<>#|]/g, '\\$&');
}
