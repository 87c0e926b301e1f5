/**
 * The report panel: a WebviewPanel showing the same Report the CLI renders (buildReport from
 * src/core/report), with Refresh and Export (HTML, Markdown). The page gets a strict CSP with a
 * per-load nonce, may load nothing but dist/ (localResourceRoots), takes its colours from the
 * --vscode-* theme variables, and talks to this host only through webview-ui/src/protocol.ts.
 * retainContextWhenHidden stays off: the page keeps its last report in its webview state and this
 * host answers its 'ready' with the current one, so hide/show (and a window reload, through the
 * serializer) costs nothing.
 */
import * as vscode from 'vscode';
import type { BackupSettings } from '../../core/runner';
import { randomBytes } from 'node:crypto';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Driver } from '../../core/db/driver';
import { PgshiftError } from '../../core/errors';
import { buildReport, renderHtml, renderMarkdown } from '../../core/report';
import type { Report, ReportScope } from '../../core/report/model';
import { REPORT_CSS } from '../../core/report/render-html';
import { runnerSettings, type RunnerSettings } from '../../core/runner';
import {
  isWebviewToHost,
  type ExportFormat,
  type HostToWebview,
  type WebviewToHost,
} from '../../../webview-ui/src/protocol';
import { PANEL_CSS } from '../../../webview-ui/src/styles';
import type { Ctx } from '../ctx';
import type { ProjectState } from './project-state';

export const REPORT_VIEW_TYPE = 'pgshift.report';

/** An open session on the database the report is about, and how to describe it (never with a password). */
interface ReportTarget {
  driver?: Driver;
  description?: string;
  settings: RunnerSettings;
  backup?: BackupSettings;
  dispose(): Promise<void>;
}

/** What a panel shows now, for the extension's test API. */
export interface ReportPanelState {
  scope: ReportScope;
  /** the database the last report was built against (describeTarget); absent when built from the files */
  target?: string;
  error?: string;
  computing: boolean;
}

/**
 * Panels by scope: asking twice for the same report reveals the open panel. Every panel, the ones
 * restored after a window reload included, reads the migrations from ProjectState and the database
 * of the environment selected in the status bar, through its session.
 */
export class ReportPanels implements vscode.Disposable {
  private readonly open = new Map<string, ReportPanel>();
  /** for vscode.window.registerWebviewPanelSerializer(REPORT_VIEW_TYPE, ...): a panel restored after a reload */
  readonly serializer: vscode.WebviewPanelSerializer = {
    deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
      const scope = (state as { report?: Report } | undefined)?.report?.scope ?? { kind: 'pending' };
      panel.webview.options = panelOptions(this.ctx);
      this.adopt(panel, scope);
    },
  };

  constructor(
    private readonly ctx: Ctx,
    private readonly state: ProjectState,
  ) {}

  showPending(): ReportPanel {
    return this.show({ kind: 'pending' });
  }

  showAll(): ReportPanel {
    return this.show({ kind: 'all' });
  }

  /**
   * The report of one migration, named by what the lens, the tree or the palette gives: a version
   * string, a file Uri, a tree item with a `file` or `resourceUri`, or nothing (the active editor's).
   */
  showMigration(arg?: unknown): ReportPanel | undefined {
    const version = this.migrationVersionOf(arg);
    if (!version) {
      void vscode.window.showWarningMessage(
        'pgshift: open a migration file (or pick one in the Migrations view) to see its report.',
      );
      return undefined;
    }
    return this.show({ kind: 'migration', version });
  }

  /** What every open panel shows (for tests). */
  states(): ReportPanelState[] {
    return [...this.open.values()].map((p) => p.state());
  }

  private show(scope: ReportScope): ReportPanel {
    const existing = this.open.get(scopeKey(scope));
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      REPORT_VIEW_TYPE,
      titleOf(scope),
      vscode.ViewColumn.Beside,
      panelOptions(this.ctx),
    );
    return this.adopt(panel, scope);
  }

  private adopt(panel: vscode.WebviewPanel, scope: ReportScope): ReportPanel {
    const key = scopeKey(scope);
    const p = new ReportPanel(this.ctx, panel, scope, (signal, progress) =>
      computeReport(this.ctx, this.state, scope, signal, progress),
    );
    p.onDidDispose(() => {
      if (this.open.get(key) === p) this.open.delete(key);
    });
    this.open.set(key, p);
    return p;
  }

  private migrationVersionOf(arg: unknown): string | undefined {
    if (typeof arg === 'string' && arg.trim()) return arg.trim();
    let file: string | undefined;
    if (arg instanceof vscode.Uri) file = arg.fsPath;
    else if (arg && typeof arg === 'object') {
      const a = arg as { file?: unknown; resourceUri?: unknown; version?: unknown };
      if (typeof a.version === 'string') return a.version;
      if (typeof a.file === 'string') file = a.file;
      else if (a.resourceUri instanceof vscode.Uri) file = a.resourceUri.fsPath;
    }
    file ??= vscode.window.activeTextEditor?.document.uri.fsPath;
    if (!file) return undefined;
    const found = this.state.findByFile(resolve(file))?.migration;
    return found && !found.repeatable ? found.version : undefined;
  }

  dispose(): void {
    for (const p of [...this.open.values()]) p.dispose();
  }
}

function panelOptions(ctx: Ctx): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist')],
  };
}

type Compute = (signal: AbortSignal, progress: (m: string) => void) => Promise<Report>;

export class ReportPanel implements vscode.Disposable {
  private report?: Report;
  private error?: string;
  private running?: AbortController;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;

  constructor(
    private readonly ctx: Ctx,
    private readonly panel: vscode.WebviewPanel,
    private readonly scope: ReportScope,
    private readonly compute: Compute,
  ) {
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        // the page is untrusted input: anything that is not a protocol message is dropped
        if (isWebviewToHost(m)) void this.receive(m);
        else ctx.output.warn(`report panel: ignored an unknown message`);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  state(): ReportPanelState {
    return {
      scope: this.scope,
      target: this.report?.target?.description,
      error: this.error,
      computing: !!this.running,
    };
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
    void this.refresh();
  }

  private async receive(m: WebviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        // a page shown again already displays its saved report; send ours only when it is newer
        if (this.report) {
          if (m.generatedAt !== this.report.generatedAt) this.post({ type: 'report', report: this.report });
        } else if (!this.running) await this.refresh();
        break;
      case 'refresh':
        await this.refresh();
        break;
      case 'export':
        await this.export(m.format);
        break;
      case 'openFile':
        await this.openFile(m.file, m.line);
        break;
    }
  }

  /** Computes the report again (cancelling one still running) through the same core call as `pgshift report`. */
  async refresh(): Promise<void> {
    this.running?.abort();
    const ac = new AbortController();
    this.running = ac;
    try {
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'pgshift report' },
        (progress) =>
          this.compute(ac.signal, (message) => {
            progress.report({ message });
            this.post({ type: 'progress', message });
          }),
      );
      if (ac.signal.aborted) return;
      this.report = report;
      this.error = undefined;
      this.panel.title = titleOf(this.scope, report);
      this.post({ type: 'report', report });
    } catch (e) {
      if (ac.signal.aborted) return;
      const err = e as Error;
      const hint = e instanceof PgshiftError ? e.hint : undefined;
      this.error = err.message;
      this.ctx.output.error(`report: ${err.message}${hint ? ` (${hint})` : ''}`);
      this.post({ type: 'error', message: err.message, ...(hint ? { hint } : {}) });
    } finally {
      if (this.running === ac) this.running = undefined;
    }
  }

  private async export(format: ExportFormat): Promise<void> {
    const report = this.report;
    if (!report) return;
    const root = this.ctx.workspaceRoot;
    const name = `pgshift-report-${report.generatedAt.slice(0, 10)}.${format === 'html' ? 'html' : 'md'}`;
    const uri = await vscode.window.showSaveDialog({
      defaultUri: root ? vscode.Uri.file(resolve(root, name)) : undefined,
      filters: format === 'html' ? { HTML: ['html'] } : { Markdown: ['md'] },
      saveLabel: 'Export report',
    });
    if (!uri) return;
    const text = format === 'html' ? renderHtml(report) : renderMarkdown(report);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
    this.post({ type: 'exported', format, path: uri.fsPath });
    const open = await vscode.window.showInformationMessage(
      `pgshift: report exported to ${vscode.workspace.asRelativePath(uri)}`,
      'Open',
    );
    if (open) await vscode.commands.executeCommand('vscode.open', uri);
  }

  /** Opens a migration file the page names: only files inside the report's migrations directory. */
  private async openFile(file: string, line?: number): Promise<void> {
    const dir = this.report?.project.migrationsDir;
    if (!dir) return;
    const full = resolve(dir, file);
    const rel = relative(dir, full);
    if (rel.startsWith('..') || isAbsolute(rel)) return;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(full));
    const pos = new vscode.Position(Math.max((line ?? 1) - 1, 0), 0);
    await vscode.window.showTextDocument(doc, {
      viewColumn: vscode.ViewColumn.One,
      selection: new vscode.Range(pos, pos),
    });
  }

  private post(m: HostToWebview): void {
    void this.panel.webview.postMessage(m);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(
      vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'dist', 'webview.js'),
    );
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
      `style-src 'nonce-${nonce}'`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pgshift report</title>
<style nonce="${nonce}">${REPORT_CSS}${PANEL_CSS}</style>
</head>
<body>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.running?.abort();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
    this.disposed.fire();
    this.disposed.dispose();
  }
}

/**
 * The report for the workspace, exactly as `pgshift report` builds it, on the migrations ProjectState
 * lists and the environment selected in the status bar. In an untrusted workspace nothing runs: no
 * database is opened and no migration is applied to a scratch database, so the report holds the lint
 * findings and the static lock analysis only.
 */
async function computeReport(
  ctx: Ctx,
  state: ProjectState,
  scope: ReportScope,
  signal: AbortSignal,
  progress: (m: string) => void,
): Promise<Report> {
  const loaded = ctx.projectConfig();
  const discovery = state.migrations();
  if (!loaded)
    throw new PgshiftError('no pgshift project in this workspace', {
      hint: 'open a folder with a pgshift.config.json or a migrations directory',
    });
  if (discovery.error) throw new PgshiftError(discovery.error);
  const set = discovery.set;
  if (!set)
    throw new PgshiftError(
      `migrations directory not found: ${discovery.dir ?? loaded.config.migrationsDir}`,
      { hint: 'create it, or set "migrationsDir" in pgshift.config.json to where your migrations are' },
    );
  const trusted = ctx.trusted;
  const target: ReportTarget = trusted
    ? await selectedEnvironmentTarget(ctx)
    : { settings: runnerSettings(loaded.config.runner), dispose: async () => undefined };
  try {
    if (!trusted) progress('untrusted workspace: files only, no database and no scratch run');
    return await buildReport({
      set,
      config: loaded.config,
      scope,
      driver: target.driver,
      targetDescription: target.description,
      settings: target.settings,
      backup: target.backup,
      verify: trusted ? { kind: 'pglite' } : false,
      estimate: trusted,
      preflight: trusted,
      signal,
      onProgress: progress,
    });
  } finally {
    await target.dispose();
  }
}

/**
 * The environment selected in the status bar, on its session (password from SecretStorage and the
 * rest, as for runs); the session is held for the report's duration. An embedded database that does
 * not exist yet is not created: the report is then built from the files alone.
 */
function selectedEnvironmentTarget(ctx: Ctx): Promise<ReportTarget> {
  return new Promise((resolveTarget, reject) => {
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    ctx.sessions
      .use(
        ctx.environments.selected(),
        async (s) => {
          resolveTarget({
            driver: s.driver,
            description: s.target.description,
            settings: s.settings,
            backup: s.backup,
            dispose: async () => release(),
          });
          await done;
        },
        { purpose: 'read', timeoutMs: 60 * 60 * 1000 },
      )
      .catch(reject);
  });
}

function scopeKey(s: ReportScope): string {
  return s.kind === 'migration' ? `migration:${s.version}` : s.kind;
}

function titleOf(s: ReportScope, report?: Report): string {
  const base =
    s.kind === 'migration'
      ? `Report ${s.version}`
      : s.kind === 'pending'
        ? 'Report: pending'
        : 'Report: all migrations';
  return report ? `${base} (${report.score.score})` : base;
}
