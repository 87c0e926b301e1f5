/**
 * Activation is cheap on purpose: it registers providers and views, and does no database I/O and no parser
 * load (libpg-query's WASM starts on the first SQL file that is linted, see core/sql/parser.ts).
 */
import * as vscode from 'vscode';
import { parserLoaded } from '../core/sql/parser';
import { CommandId } from './commandIds';
import { Ctx } from './ctx';
import { affectsSettings } from './settings';
import { PgshiftCodeActions } from './features/codeActions';
import { Diagnostics, ruleDocUri } from './features/diagnostics';
import { RiskHoverProvider } from './features/hover';
import { LintService } from './features/lintService';
import { MigrationsTree } from './features/migrationsTree';

export interface PgshiftApi {
  /** For tests: whether the SQL parser has been loaded (it must not be at activation). */
  parserLoaded(): boolean;
  /** For tests: the milliseconds activate() took. */
  activationMs: number;
}

const SQL_SELECTOR: vscode.DocumentSelector = [{ language: 'sql', scheme: 'file' }, { pattern: '**/*.sql', scheme: 'file' }];

export function activate(context: vscode.ExtensionContext): PgshiftApi {
  const started = performance.now();
  const ctx = new Ctx(context);
  context.subscriptions.push(ctx);

  const lint = new LintService(ctx);
  const diagnostics = new Diagnostics(ctx, lint);
  const tree = new MigrationsTree(ctx);
  ctx.push(lint, diagnostics, tree);
  ctx.push(
    vscode.window.registerTreeDataProvider('pgshift.migrations', tree),
    vscode.languages.registerHoverProvider(SQL_SELECTOR, new RiskHoverProvider(ctx, lint)),
    vscode.languages.registerCodeActionsProvider(SQL_SELECTOR, new PgshiftCodeActions(lint), {
      providedCodeActionKinds: PgshiftCodeActions.kinds,
    }),
  );

  const commands: Record<string, (...args: never[]) => unknown> = {
    [CommandId.refresh]: () => {
      ctx.invalidateConfig();
      lint.migrationFilesChanged();
      tree.refresh();
      diagnostics.refreshOpen();
    },
    [CommandId.lintWorkspace]: () =>
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'pgshift: linting migrations', cancellable: true },
        async (progress, token) => {
          const n = await diagnostics.lintFolder(token, (done, total) => progress.report({ message: `${done}/${total}`, increment: 100 / total }));
          ctx.output.info(`linted ${n} SQL files`);
          await vscode.commands.executeCommand('workbench.actions.view.problems');
        },
      ),
    [CommandId.newMigration]: () => vscode.window.showInformationMessage('pgshift: "New Migration" arrives with the runner (pgshift new <name> in the CLI).'),
    [CommandId.openRuleDoc]: (rule: string) => vscode.commands.executeCommand('markdown.showPreview', ruleDocUri(ctx, rule)),
    [CommandId.showOutput]: () => ctx.output.show(),
  };
  for (const [id, fn] of Object.entries(commands)) ctx.push(vscode.commands.registerCommand(id, fn));

  const watcher = vscode.workspace.createFileSystemWatcher('**/*.sql');
  const onFilesChanged = (): void => {
    lint.migrationFilesChanged();
    tree.refresh();
  };
  ctx.push(
    watcher,
    watcher.onDidCreate(onFilesChanged),
    watcher.onDidDelete(onFilesChanged),
    watcher.onDidChange(() => lint.migrationFilesChanged()),
    vscode.workspace.onDidSaveTextDocument((d) => {
      if (/(^|[\\/])(pgshift\.config\.json|package\.json)$/.test(d.fileName)) commands[CommandId.refresh]();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsSettings(e)) commands[CommandId.refresh]();
    }),
  );

  diagnostics.refreshOpen();
  void vscode.commands.executeCommand('setContext', 'pgshift.ready', true);
  const activationMs = performance.now() - started;
  ctx.output.info(`pgshift activated in ${activationMs.toFixed(1)} ms`);
  return { parserLoaded, activationMs };
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}
