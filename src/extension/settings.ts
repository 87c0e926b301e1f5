/** The one module that reads VS Code settings: one typed getter per setting. */
import * as vscode from 'vscode';

const section = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('pgshift');

const seconds = (key: string, fallback: number, min: number, max: number): number => {
  const v = section().get<number>(key, fallback);
  return Number.isFinite(v) ? Math.min(Math.max(v, min), max) : fallback;
};

export const settings = {
  lintEnabled: (): boolean => section().get<boolean>('lint.enable', true),
  lintDebounceMs: (): number => Math.max(0, section().get<number>('lint.debounceMs', 150)),
  migrationsDirOverride: (): string | undefined => section().get<string>('migrationsDir') || undefined,
  postgresVersionOverride: (): number | undefined =>
    section().get<number | null>('postgresVersion') ?? undefined,
  /** Environments of this user, merged over the project's (same shape as in pgshift.config.json, no passwords). */
  userEnvironments: (): unknown => section().get<unknown>('environments', {}),
  connectTimeoutMs: (): number => seconds('connectTimeoutSeconds', 10, 1, 120) * 1000,
  queryTimeoutMs: (): number => seconds('queryTimeoutSeconds', 20, 1, 600) * 1000,
  codeLensEnabled: (): boolean => section().get<boolean>('codeLens.enable', true),
  dryRunInline: (): boolean => section().get<boolean>('dryRun.inline', true),
  historyLimit: (): number => Math.max(1, Math.floor(section().get<number>('history.limit', 200))),
};

export function affectsSettings(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('pgshift');
}
