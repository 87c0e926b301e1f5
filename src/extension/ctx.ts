/**
 * Everything one activation owns: the output channel, the project configuration, the environments and
 * their database sessions, the views and their disposables. Created in activate(), disposed with the
 * extension; no module-level mutable state. Sessions are the connection-long part: opened on first use,
 * closed when idle or when the extension goes.
 */
import * as vscode from 'vscode';
import { loadConfig, type LoadedConfig } from '../core/config';
import { PgshiftError } from '../core/errors';
import { Environments } from './features/environments';
import { Sessions } from './features/sessions';
import { settings } from './settings';

export class Ctx implements vscode.Disposable {
  readonly output: vscode.LogOutputChannel;
  private readonly disposables: vscode.Disposable[] = [];
  private config?: LoadedConfig;
  private readonly configChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeConfig = this.configChanged.event;
  readonly environments: Environments;
  readonly sessions: Sessions;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('pgshift', { log: true });
    this.environments = new Environments(this);
    this.sessions = new Sessions(this, this.environments);
    this.push(this.output, this.configChanged, this.environments, this.sessions);
  }

  /** Whether anything may run: in an untrusted workspace pgshift lints and never connects or executes. */
  get trusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  push(...d: vscode.Disposable[]): void {
    this.disposables.push(...d);
  }

  /** The first workspace folder: pgshift works on one project root. */
  get workspaceRoot(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  /** The project configuration, read through the same loader as the CLI (cached until it changes). */
  projectConfig(): LoadedConfig | undefined {
    const root = this.workspaceRoot;
    if (!root) return undefined;
    if (!this.config) {
      try {
        const loaded = loadConfig(root);
        const dir = settings.migrationsDirOverride();
        const pg = settings.postgresVersionOverride();
        if (dir) {
          loaded.config.migrationsDir = dir;
          loaded.given = [...(loaded.given ?? []), 'migrationsDir'];
        }
        if (pg) loaded.config.postgresVersion = pg;
        this.config = loaded;
      } catch (e) {
        const msg = e instanceof PgshiftError ? `${e.message}${e.hint ? ` (${e.hint})` : ''}` : String(e);
        this.output.error(`pgshift config: ${msg}`);
        void vscode.window.showErrorMessage(`pgshift: ${msg}`);
        return undefined;
      }
    }
    return this.config;
  }

  invalidateConfig(): void {
    this.config = undefined;
    this.configChanged.fire();
    this.environments.definitionsChanged();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
