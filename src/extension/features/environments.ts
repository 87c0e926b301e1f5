/**
 * The databases a user can pick: the environments of pgshift.config.json, the user's own from the
 * `pgshift.environments` setting (merged over the project's), and the Local sandbox (the embedded
 * PGlite database under .pgshift/db) which is always there. The selection is remembered per workspace.
 * Targets are resolved through the runner's resolveTarget, as the CLI does; passwords come from
 * SecretStorage (see PasswordStore), the environment's passwordEnv, PGPASSWORD, ~/.pgpass or a prompt,
 * and never from, or into, a settings file or the log.
 */
import * as vscode from 'vscode';
import { validateConfig, type EnvironmentConfig, type LoadedConfig } from '../../core/config';
import { PgshiftError } from '../../core/errors';
import { openProject } from '../../core/project';
import type { ResolvedTarget, RunnerSettings } from '../../core/runner';
import { ContextKey } from '../command-ids';
import type { Ctx } from '../ctx';
import { settings } from '../settings';

export const SANDBOX_ID = '$sandbox';
export const SANDBOX_LABEL = 'Local sandbox';
const SELECTED_KEY = 'pgshift.environment';

export interface Environment {
  /** SANDBOX_ID or the environment's name */
  id: string;
  label: string;
  source: 'sandbox' | 'pgshift.config.json' | 'settings';
  config?: EnvironmentConfig;
}

export function isSandbox(env: Environment): boolean {
  return env.id === SANDBOX_ID;
}

/** Passwords per project and environment, in VS Code's SecretStorage (the OS keychain on desktop). */
export class PasswordStore {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly root: () => string | undefined,
  ) {}

  private key(env: string): string {
    return `pgshift.password:${this.root() ?? ''}:${env}`;
  }

  get(env: string): Thenable<string | undefined> {
    return this.secrets.get(this.key(env));
  }

  set(env: string, password: string): Thenable<void> {
    return this.secrets.store(this.key(env), password);
  }

  async delete(env: string): Promise<boolean> {
    const had = (await this.get(env)) !== undefined;
    await this.secrets.delete(this.key(env));
    return had;
  }
}

export class Environments implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Environment>();
  /** The selected environment changed (or its definition did). */
  readonly onDidChange = this.changed.event;
  readonly passwords: PasswordStore;
  private reportedSettingsError?: string;

  constructor(private readonly ctx: Ctx) {
    this.passwords = new PasswordStore(ctx.extension.secrets, () => ctx.workspaceRoot);
  }

  /** The project's config with the user's environments merged in; undefined when there is no project. */
  loaded(): LoadedConfig | undefined {
    const loaded = this.ctx.projectConfig();
    if (!loaded) return undefined;
    const mine = this.userEnvironments();
    if (!Object.keys(mine).length) return loaded;
    return {
      ...loaded,
      config: { ...loaded.config, environments: { ...loaded.config.environments, ...mine } },
    };
  }

  private userEnvironments(): Record<string, EnvironmentConfig> {
    const raw = settings.userEnvironments();
    if (!raw || (typeof raw === 'object' && !Object.keys(raw).length)) return {};
    try {
      return validateConfig({ environments: raw }, 'setting pgshift.environments').environments;
    } catch (e) {
      const msg = (e as Error).message;
      if (this.reportedSettingsError !== msg) {
        this.reportedSettingsError = msg;
        this.ctx.output.error(msg);
        void vscode.window.showErrorMessage(`pgshift: ${msg}`);
      }
      return {};
    }
  }

  list(): Environment[] {
    const sandbox: Environment = { id: SANDBOX_ID, label: SANDBOX_LABEL, source: 'sandbox' };
    const loaded = this.ctx.projectConfig();
    if (!loaded) return [sandbox];
    const mine = this.userEnvironments();
    const out: Environment[] = [sandbox];
    for (const [name, config] of Object.entries(loaded.config.environments))
      if (!(name in mine)) out.push({ id: name, label: name, source: 'pgshift.config.json', config });
    for (const [name, config] of Object.entries(mine))
      out.push({ id: name, label: name, source: 'settings', config });
    return out;
  }

  find(id: string): Environment | undefined {
    return this.list().find((e) => e.id === id || (id === SANDBOX_LABEL && e.id === SANDBOX_ID));
  }

  /** The remembered choice, else the config's defaultEnvironment, else the Local sandbox. */
  selected(): Environment {
    const list = this.list();
    const stored = this.ctx.extension.workspaceState.get<string>(SELECTED_KEY);
    const fallback = this.ctx.projectConfig()?.config.defaultEnvironment;
    return list.find((e) => e.id === stored) ?? list.find((e) => e.id === fallback) ?? list[0];
  }

  async select(id: string): Promise<Environment> {
    const env = this.find(id);
    if (!env) {
      const known = this.list().map((e) => e.label);
      throw new PgshiftError(`no environment named "${id}"`, { hint: `known: ${known.join(', ')}` });
    }
    await this.ctx.extension.workspaceState.update(SELECTED_KEY, env.id);
    this.updateContext();
    this.changed.fire(env);
    return env;
  }

  /** The definitions changed (config file or settings): tell whoever shows the selection. */
  definitionsChanged(): void {
    this.reportedSettingsError = undefined;
    this.updateContext();
    this.changed.fire(this.selected());
  }

  updateContext(): void {
    const env = this.selected();
    const set = (key: string, value: boolean): Thenable<unknown> =>
      vscode.commands.executeCommand('setContext', key, value);
    void set(ContextKey.envIsSandbox, isSandbox(env));
    void set(ContextKey.envReadOnly, env.config?.readOnly === true);
    void set(ContextKey.envProduction, env.config?.production === true);
    void set(ContextKey.hasServerEnvironments, this.list().length > 1);
  }

  /**
   * Where `env` points, resolved exactly as `pgshift --env NAME` would (the sandbox as the CLI's embedded
   * default). No I/O. `password` overrides the stored one (a prompt's answer).
   */
  async resolve(
    env: Environment,
    password?: string,
  ): Promise<{ target: ResolvedTarget; settings: RunnerSettings; loaded: LoadedConfig }> {
    const loaded = this.loaded();
    if (!loaded)
      throw new PgshiftError('no pgshift project in this workspace', {
        hint: 'open a folder with a pgshift.config.json or a migrations directory',
      });
    const project = openProject({
      cwd: loaded.root,
      loaded,
      discover: false,
      target: isSandbox(env)
        ? { kind: 'embedded' }
        : {
            kind: 'resolve',
            env: env.id,
            environ: process.env,
            password: password ?? (await this.passwords.get(env.id)),
          },
    });
    return { target: project.target, settings: project.settings, loaded };
  }

  dispose(): void {
    this.changed.dispose();
  }
}
