/** Switch environment, configure environments, set or forget a password, test a connection. */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE } from '../../core/config';
import { describeTarget } from '../../core/db/open';
import { PgshiftError } from '../../core/errors';
import { targetIsAbsent } from '../../core/runner';
import type { Ctx } from '../ctx';
import { isSandbox, SANDBOX_LABEL, type Environment } from './environments';
import { errorText, ms } from './format';

export interface ConnectionCheck {
  ok: boolean;
  environment: string;
  /** 'PostgreSQL 16.4' */
  server?: string;
  connectMs?: number;
  roundTripMs?: number;
  /** the embedded database does not exist yet (nothing was created by the check) */
  notCreated?: boolean;
  error?: string;
}

export class EnvironmentCommands {
  constructor(
    private readonly ctx: Ctx,
    private readonly onSwitched: () => void,
  ) {}

  private get environments() {
    return this.ctx.environments;
  }

  private describe(env: Environment): string {
    if (isSandbox(env)) return 'embedded PGlite in .pgshift/db: nothing to install, nothing shared';
    const c = env.config ?? {};
    if (c.urlEnv) return `URL from $${c.urlEnv}`;
    try {
      if (c.url) return describeTarget({ kind: 'url', url: c.url });
      return describeTarget({
        kind: 'params',
        host: c.host,
        port: c.port,
        database: c.database,
        user: c.user,
      });
    } catch {
      return '';
    }
  }

  private async pick(
    title: string,
    filter: (e: Environment) => boolean = () => true,
  ): Promise<Environment | undefined> {
    const current = this.environments.selected();
    const items = this.environments
      .list()
      .filter(filter)
      .map((e) => ({
        label: `${e.id === current.id ? '$(check) ' : ''}${e.label}`,
        description: this.describe(e),
        detail: [
          e.source === 'sandbox' ? 'always available' : `from ${e.source}`,
          e.config?.production ? 'production: writes ask you to type its name' : '',
          e.config?.readOnly ? 'read-only: no up or down' : '',
        ]
          .filter(Boolean)
          .join(' · '),
        env: e,
      }));
    if (!items.length) {
      void vscode.window
        .showInformationMessage(
          'pgshift: no database environments are configured (the Local sandbox needs no password).',
          'Configure Environments',
        )
        .then((p) => {
          if (p) void this.configure();
        });
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(items, { title, matchOnDescription: true });
    return pick?.env;
  }

  private named(id: unknown): Environment | undefined {
    if (typeof id !== 'string' || !id) return undefined;
    const env = this.environments.find(id);
    if (!env)
      throw new PgshiftError(`no environment named "${id}"`, {
        hint: `known: ${this.environments
          .list()
          .map((e) => e.label)
          .join(', ')}`,
      });
    return env;
  }

  async select(id?: unknown): Promise<string | undefined> {
    const env = this.named(id) ?? (await this.pick('pgshift: switch environment'));
    if (!env) return undefined;
    await this.environments.select(env.id);
    this.ctx.output.info(`environment: ${env.label}`);
    this.onSwitched();
    return env.id;
  }

  /** Opens pgshift.config.json (the project's environments), or the user setting when there is none. */
  async configure(): Promise<void> {
    const root = this.ctx.workspaceRoot;
    const file = this.ctx.projectConfig()?.file ?? (root ? join(root, CONFIG_FILE) : undefined);
    if (file && existsSync(file)) {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      const at = doc.getText().indexOf('"environments"');
      const pos = doc.positionAt(Math.max(at, 0));
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos) });
      return;
    }
    await vscode.commands.executeCommand('workbench.action.openSettings', 'pgshift.environments');
  }

  async setPassword(id?: unknown, password?: unknown): Promise<boolean> {
    const env = this.named(id) ?? (await this.pick('pgshift: set the password of', (e) => !isSandbox(e)));
    if (!env) return false;
    if (isSandbox(env)) throw new PgshiftError(`the ${SANDBOX_LABEL} needs no password`);
    const value =
      typeof password === 'string'
        ? password
        : await vscode.window.showInputBox({
            title: `pgshift: password for ${env.label}`,
            prompt: `Kept in VS Code's secret storage for this project, never in settings, files or logs. Leave empty to forget it.`,
            password: true,
            ignoreFocusOut: true,
          });
    if (value === undefined) return false;
    if (value === '') {
      await this.clearPassword(env.id);
      return false;
    }
    await this.environments.passwords.set(env.id, value);
    await this.ctx.sessions.close(env.id); // the next use signs in with it
    this.ctx.output.info(`password for ${env.label} saved in secret storage`);
    void vscode.window
      .showInformationMessage(
        `pgshift: password for ${env.label} saved in secret storage.`,
        'Test Connection',
      )
      .then((p) => {
        if (p) void vscode.commands.executeCommand('pgshift.testConnection', env.id);
      });
    return true;
  }

  async clearPassword(id?: unknown): Promise<boolean> {
    const env = this.named(id) ?? (await this.pick('pgshift: forget the password of', (e) => !isSandbox(e)));
    if (!env) return false;
    const had = await this.environments.passwords.delete(env.id);
    await this.ctx.sessions.close(env.id);
    this.ctx.output.info(
      had
        ? `password for ${env.label} removed from secret storage`
        : `no password was stored for ${env.label}`,
    );
    void vscode.window.showInformationMessage(
      `pgshift: ${had ? `forgot the password of ${env.label}` : `no password was stored for ${env.label}`}.`,
    );
    return had;
  }

  /** Connects afresh and reports the server version and latency; an error is one line. */
  async testConnection(id?: unknown, options?: { prompt?: boolean }): Promise<ConnectionCheck> {
    const env = this.named(id) ?? this.environments.selected();
    const label = env.label;
    try {
      const { target } = await this.environments.resolve(env);
      if (targetIsAbsent(target)) {
        const msg = `${label}: not created yet — the first ▶ Up or Dry run creates it (${target.description})`;
        void vscode.window.showInformationMessage(`pgshift: ${msg}`);
        return { ok: true, environment: env.id, notCreated: true };
      }
      const started = performance.now();
      const check = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `pgshift: connecting to ${label}`,
          cancellable: true,
        },
        (_p, token) => {
          const ac = new AbortController();
          token.onCancellationRequested(() => ac.abort());
          return this.ctx.sessions.use(
            env,
            async (s) => {
              const connectMs = performance.now() - started;
              const v = await s.driver!.serverVersion();
              const t = performance.now();
              await s.driver!.query('SELECT 1');
              const roundTripMs = performance.now() - t;
              const server = v.text.split(' ').slice(0, 2).join(' ') || `PostgreSQL ${v.major}`;
              return { ok: true, environment: env.id, server, connectMs, roundTripMs };
            },
            { purpose: 'read', fresh: true, signal: ac.signal, prompt: options?.prompt ?? true },
          );
        },
      );
      const msg = `${label}: ${check.server} · connected in ${ms(check.connectMs)} · round trip ${ms(check.roundTripMs)}`;
      this.ctx.output.info(`test connection ${msg}`);
      void vscode.window.showInformationMessage(`pgshift: ${msg}`);
      return check;
    } catch (e) {
      const error = errorText(e);
      this.ctx.output.error(`test connection ${label}: ${error}`);
      void vscode.window.showErrorMessage(`pgshift: ${label}: ${error}`);
      return { ok: false, environment: env.id, error };
    }
  }
}
