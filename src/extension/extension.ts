/**
 * Activation is cheap on purpose: it registers providers, views and commands, and does no database I/O
 * and no parser load (libpg-query's WASM starts on the first SQL file that is linted, see
 * core/sql/parser.ts; the first status query happens when the Migrations view or a lens asks).
 */
import * as vscode from 'vscode';
import { parserLoaded } from '../core/sql/parser';
import { CommandId, ContextKey } from './commandIds';
import { registerCommands, type CommandHandler } from './commands';
import { Ctx } from './ctx';
import { affectsSettings } from './settings';
import { PgshiftCodeActions } from './features/codeActions';
import { MigrationLenses } from './features/codeLens';
import { Diagnostics, ruleDocUri } from './features/diagnostics';
import { EnvironmentCommands } from './features/environmentCommands';
import { HistoryTree } from './features/historyTree';
import { RiskHoverProvider } from './features/hover';
import { LintService } from './features/lintService';
import { MigrationsTree, RiskDecorations, type MigrationsNode } from './features/migrationsTree';
import { newMigration } from './features/newMigration';
import { ProjectState } from './features/projectState';
import {
  REPORT_COMMANDS,
  REPORT_VIEW_TYPE,
  ReportPanels,
  reportCommandHandlers,
  type ReportTargetProvider,
} from './features/reportPanel';
import { RunResults } from './features/runResults';
import { Runs, versionOf } from './features/runs';
import { EnvironmentStatusBar } from './features/statusBar';

export interface PgshiftApi {
  /** For tests: whether the SQL parser has been loaded (it must not be at activation). */
  parserLoaded(): boolean;
  /** For tests: the milliseconds activate() took. */
  activationMs: number;
  /** For tests: what the views and editors show right now, read the way VS Code reads them. */
  inspect: {
    migrations(): vscode.TreeItem[];
    history(): Thenable<vscode.TreeItem[]>;
    /** resolves when the state of the selected environment is loaded (reading it if nobody has) */
    statusLoaded(): Promise<void>;
    dryRunMarks(file: string): { line: number; text: string }[];
    environment(): string;
  };
}

const SQL_SELECTOR: vscode.DocumentSelector = [
  { language: 'sql', scheme: 'file' },
  { pattern: '**/*.sql', scheme: 'file' },
];

export function activate(context: vscode.ExtensionContext): PgshiftApi {
  const started = performance.now();
  const ctx = new Ctx(context);
  context.subscriptions.push(ctx);

  const lint = new LintService(ctx);
  const diagnostics = new Diagnostics(ctx, lint);
  const state = new ProjectState(ctx);
  const results = new RunResults(ctx);
  const migrations = new MigrationsTree(ctx, state);
  const historyTree = new HistoryTree(ctx, state);
  const lenses = new MigrationLenses(ctx, state);
  const statusBar = new EnvironmentStatusBar(ctx, state);
  const migrationsView = vscode.window.createTreeView<MigrationsNode>('pgshift.migrations', {
    treeDataProvider: migrations,
  });
  const historyView = vscode.window.createTreeView('pgshift.history', { treeDataProvider: historyTree });
  migrations.attach(migrationsView);
  historyTree.attach(historyView);
  ctx.push(
    lint,
    diagnostics,
    state,
    results,
    migrations,
    historyTree,
    lenses,
    statusBar,
    migrationsView,
    historyView,
  );
  ctx.push(
    vscode.languages.registerHoverProvider(SQL_SELECTOR, new RiskHoverProvider(ctx, lint)),
    vscode.languages.registerCodeActionsProvider(SQL_SELECTOR, new PgshiftCodeActions(lint), {
      providedCodeActionKinds: PgshiftCodeActions.kinds,
    }),
    vscode.languages.registerCodeLensProvider(SQL_SELECTOR, lenses),
    vscode.window.registerFileDecorationProvider(new RiskDecorations()),
  );

  const afterRun = (): void => {
    state.databaseMayHaveChanged();
    diagnostics.refreshOpen();
  };
  const runs = new Runs(ctx, state, results, afterRun);
  const panels = new ReportPanels(ctx);
  ctx.push(panels, vscode.window.registerWebviewPanelSerializer(REPORT_VIEW_TYPE, panels.serializer()));
  const reports = reportCommandHandlers(ctx, panels, selectedEnvironmentTarget(ctx));
  const envs = new EnvironmentCommands(ctx, () => state.refreshStatus());
  const refresh = (): void => {
    ctx.invalidateConfig();
    lint.migrationFilesChanged();
    state.reset();
    historyTree.refresh();
    diagnostics.refreshOpen();
  };

  const handlers: Record<CommandId, CommandHandler> = {
    [CommandId.refresh]: refresh,
    [CommandId.lintWorkspace]: () =>
      vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: 'pgshift: linting migrations',
          cancellable: true,
        },
        async (progress, token) => {
          const n = await diagnostics.lintFolder(token, (done, total) =>
            progress.report({ message: `${done}/${total}`, increment: 100 / total }),
          );
          ctx.output.info(`linted ${n} SQL files`);
          await vscode.commands.executeCommand('workbench.actions.view.problems');
        },
      ),
    [CommandId.newMigration]: (name) => newMigration(ctx, state, name),
    [CommandId.openRuleDoc]: (rule) =>
      vscode.commands.executeCommand('markdown.showPreview', ruleDocUri(ctx, String(rule))),
    [CommandId.showOutput]: () => ctx.output.show(),
    [CommandId.up]: (arg) => runs.up(arg),
    [CommandId.down]: (arg) => runs.down(arg),
    [CommandId.dryRun]: (arg) => runs.dryRun(arg, 'up'),
    [CommandId.dryRunDown]: (arg) => runs.dryRun(arg, 'down'),
    [CommandId.clearDryRun]: () => results.clearDryRun(),
    [CommandId.report]: (arg) => reports[REPORT_COMMANDS.showMigration](arg),
    [CommandId.showReport]: () => reports[REPORT_COMMANDS.showPending](),
    [CommandId.showReportAll]: () => reports[REPORT_COMMANDS.showAll](),
    [CommandId.revealInHistory]: async (arg) => {
      const version = versionOf(arg);
      historyTree.setFilter({ ...historyTree.currentFilter(), version });
      await vscode.commands.executeCommand('pgshift.history.focus');
      return historyTree.currentFilter();
    },
    [CommandId.copyVersion]: async (arg) => {
      const version = versionOf(arg);
      if (!version) return undefined;
      await vscode.env.clipboard.writeText(version);
      void vscode.window.setStatusBarMessage(`pgshift: copied ${version}`, 3000);
      return version;
    },
    [CommandId.selectEnvironment]: (id) => envs.select(id),
    [CommandId.configureEnvironments]: () => envs.configure(),
    [CommandId.setPassword]: (id, password) => envs.setPassword(id, password),
    [CommandId.clearPassword]: (id) => envs.clearPassword(id),
    [CommandId.testConnection]: (id, options) =>
      envs.testConnection(id, options as { prompt?: boolean } | undefined),
    [CommandId.filterHistory]: (args) => historyTree.pickFilter(args),
    [CommandId.clearHistoryFilter]: () => historyTree.setFilter({}),
  };
  registerCommands(ctx, handlers);

  // The migrations folder: tree, lenses and diagnostics follow edits, renames (delete + create) and new files.
  const sqlWatcher = vscode.workspace.createFileSystemWatcher('**/*.sql');
  const configWatcher = vscode.workspace.createFileSystemWatcher('{pgshift.config.json,package.json}');
  const onFilesChanged = (): void => {
    lint.migrationFilesChanged();
    state.filesChanged();
  };
  ctx.push(
    sqlWatcher,
    configWatcher,
    sqlWatcher.onDidCreate(onFilesChanged),
    sqlWatcher.onDidDelete(onFilesChanged),
    sqlWatcher.onDidChange(onFilesChanged),
    configWatcher.onDidCreate(refresh),
    configWatcher.onDidChange(refresh),
    configWatcher.onDidDelete(refresh),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsSettings(e)) refresh();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      state.reset();
      historyTree.refresh();
    }),
  );

  ctx.environments.updateContext();
  diagnostics.refreshOpen();
  void vscode.commands.executeCommand('setContext', ContextKey.ready, true);
  const activationMs = performance.now() - started;
  ctx.output.info(`pgshift activated in ${activationMs.toFixed(1)} ms`);
  return {
    parserLoaded,
    activationMs,
    inspect: {
      migrations: () => migrations.getChildren(),
      history: () => historyTree.getChildren(),
      statusLoaded: async () => {
        await state.whenLoaded();
      },
      dryRunMarks: (file) => results.dryRunMarks(file),
      environment: () => ctx.environments.selected().id,
    },
  };
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}

/**
 * The report runs against the environment selected in the status bar, on its session (password from
 * SecretStorage and the rest, as for runs); the session is held for the report's duration. An embedded
 * database that does not exist yet is not created: the report is then built from the files alone.
 */
function selectedEnvironmentTarget(ctx: Ctx): ReportTargetProvider {
  return () =>
    new Promise((resolveTarget, reject) => {
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
              dispose: async () => release(),
            });
            await done;
          },
          { purpose: 'read', timeoutMs: 60 * 60 * 1000 },
        )
        .catch(reject);
    });
}
