/** The one module that reads VS Code settings: one typed getter per setting. */
import * as vscode from 'vscode';

const section = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('pgshift');

export const settings = {
  lintEnabled: (): boolean => section().get<boolean>('lint.enable', true),
  lintDebounceMs: (): number => Math.max(0, section().get<number>('lint.debounceMs', 150)),
  migrationsDirOverride: (): string | undefined => section().get<string>('migrationsDir') || undefined,
  postgresVersionOverride: (): number | undefined => section().get<number | null>('postgresVersion') ?? undefined,
};

export function affectsSettings(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('pgshift');
}
