/**
 * Activation is cheap on purpose: it registers providers, views and commands, and does no database I/O
 * and no parser load (libpg-query's WASM starts on the first SQL file that is linted, see
 * core/sql/parser.ts; the first status query happens when the Migrations view or a lens asks).
 */
import * as vscode from 'vscode';
import { parserLoaded } from '../core/sql/parser';
import { CommandId, ContextKey } from './command-ids';
import { registerCommands, type CommandHandler } from './commands';
import { Ctx } from './ctx';
import { affectsSettings } from './settings';
import { PgshiftCodeActions } from './features/code-actions';
import { MigrationLenses } from './features/code-lens';
import { Diagnostics, ruleDocUri } from './features/diagnostics';
import { EnvironmentCommands } from './features/environment-commands';
import { HistoryTree } from './features/history-tree';
import { RiskHoverProvider } from './features/hover';
import { LintService } from './features/lint-service';
import { LiveRun } from './features/live-run';
import { MigrationsTree, RiskDecorations, type MigrationsNode } from './features/migrations-tree';
import { newMigration } from './features/new-migration';
import { expandFromEditor } from './features/expand-action';
import { ProjectState } from './features/project-state';
import { REPORT_VIEW_TYPE, ReportPanels, type ReportPanelState } from './features/report-panel';
import { RunResults } from './features/run-results';
import { BackupActions } from './features/backup-actions';
import { BackupHints } from './features/backup-hints';
import { BlockerActions } from './features/blocker-actions';
import { Runs, versionOf } from './features/runs';
import { EnvironmentStatusBar } from './features/status-bar';

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
    /** what each open report panel shows: its scope, and the database its last report was built on */
    reports(): ReportPanelState[];
    /** what VS Code does with a report panel it restores after a window reload (the registered serializer) */
    restoreReport(panel: vscode.WebviewPanel, state: unknown): Thenable<void>;
  };
}

const SQL_SELECTOR: vscode.DocumentSelector = [
  { language: 'sql', scheme: 'file' },
  { pattern: '**/*.sql', scheme: 'file' },
];

/** Code migrations of Django, Rails, Alembic, Knex, Sequelize, TypeORM, EF: their SQL strings get the hover (LintService.wants narrows to the tool's folders). */
const CODE_MIGRATION_SELECTOR: vscode.DocumentSelector = [
  'python',
  'ruby',
  'javascript',
  'typescript',
  'csharp',
].map((language) => ({ language, scheme: 'file' }));

export function activate(context: vscode.ExtensionContext): PgshiftApi {
  const started = performance.now();
  const ctx = new Ctx(context);
  context.subscriptions.push(ctx);

  const f = createFeatures(ctx);
  registerLanguageProviders(ctx, f);
  const refresh = (): void => {
    ctx.invalidateConfig();
    f.lint.migrationFilesChanged();
    f.state.reset();
    f.historyTree.refresh();
    f.diagnostics.refreshOpen();
  };
  registerCommands(ctx, commandHandlers(ctx, f, refresh));
  watchFiles(ctx, f, refresh);

  ctx.environments.updateContext();
  f.diagnostics.refreshOpen();
  void vscode.commands.executeCommand('setContext', ContextKey.ready, true);
  const activationMs = performance.now() - started;
  ctx.output.info(`pgshift activated in ${activationMs.toFixed(1)} ms`);
  return testApi(ctx, f, activationMs);
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}

/** The features of one activation; each is disposed with the Ctx. */
interface Features {
  lint: LintService;
  diagnostics: Diagnostics;
  state: ProjectState;
  results: RunResults;
  migrations: MigrationsTree;
  historyTree: HistoryTree;
  lenses: MigrationLenses;
  runs: Runs;
  blockers: BlockerActions;
  backupActions: BackupActions;
  panels: ReportPanels;
  envs: EnvironmentCommands;
}

/** The shared state, the views and the services the commands and providers use. */
function createFeatures(ctx: Ctx): Features {
  const lint = new LintService(ctx);
  const diagnostics = new Diagnostics(ctx, lint);
  const state = new ProjectState(ctx);
  const results = new RunResults(ctx);
  const live = new LiveRun();
  const migrations = new MigrationsTree(ctx, state, live);
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
    live,
    results,
    migrations,
    historyTree,
    lenses,
    statusBar,
    migrationsView,
    historyView,
  );

  const afterRun = (): void => {
    state.databaseMayHaveChanged();
    diagnostics.refreshOpen();
  };
  const runs = new Runs(ctx, state, results, live, afterRun);
  const blockers = new BlockerActions(ctx, runs);
  const backupActions = new BackupActions(ctx, state);
  const hints = new BackupHints(ctx, state);
  diagnostics.extra = (doc, source) => hints.hints(doc, source);
  const panels = new ReportPanels(ctx, state);
  ctx.push(panels, vscode.window.registerWebviewPanelSerializer(REPORT_VIEW_TYPE, panels.serializer));
  const envs = new EnvironmentCommands(ctx, () => state.refreshStatus());
  return {
    lint,
    diagnostics,
    state,
    results,
    migrations,
    historyTree,
    lenses,
    runs,
    blockers,
    backupActions,
    panels,
    envs,
  };
}

function registerLanguageProviders(ctx: Ctx, f: Features): void {
  ctx.push(
    vscode.languages.registerHoverProvider(SQL_SELECTOR, new RiskHoverProvider(ctx, f.lint)),
    vscode.languages.registerHoverProvider(CODE_MIGRATION_SELECTOR, new RiskHoverProvider(ctx, f.lint)),
    vscode.languages.registerCodeActionsProvider(SQL_SELECTOR, new PgshiftCodeActions(f.lint), {
      providedCodeActionKinds: PgshiftCodeActions.kinds,
    }),
    vscode.languages.registerCodeLensProvider(SQL_SELECTOR, f.lenses),
    vscode.window.registerFileDecorationProvider(new RiskDecorations()),
  );
}

function commandHandlers(ctx: Ctx, f: Features, refresh: () => void): Record<CommandId, CommandHandler> {
  const { diagnostics, state, results, runs, blockers, backupActions, panels, envs, historyTree } = f;
  return {
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
    [CommandId.expandMigration]: (file, at) => expandFromEditor(ctx, state, file, at),
    [CommandId.openRuleDoc]: (rule) =>
      vscode.commands.executeCommand('markdown.showPreview', ruleDocUri(ctx, String(rule))),
    [CommandId.showOutput]: () => ctx.output.show(),
    [CommandId.up]: (arg) => runs.up(arg),
    [CommandId.down]: (arg) => runs.down(arg),
    [CommandId.dryRun]: (arg) => runs.dryRun(arg, 'up'),
    [CommandId.dryRunDown]: (arg) => runs.dryRun(arg, 'down'),
    [CommandId.pauseRun]: () => runs.pause(),
    [CommandId.resumeRun]: () => runs.resume(),
    [CommandId.cancelRun]: () => runs.cancel(),
    [CommandId.cancelBlocker]: (item) => blockers.act(item, 'cancel'),
    [CommandId.terminateBlocker]: (item) => blockers.act(item, 'terminate'),
    [CommandId.restoreBackup]: (item) => backupActions.restore(item),
    [CommandId.runSeeds]: () => runs.seed(),
    [CommandId.clearDryRun]: () => results.clearDryRun(),
    [CommandId.report]: (arg) => panels.showMigration(arg),
    [CommandId.showReport]: () => panels.showPending(),
    [CommandId.showReportAll]: () => panels.showAll(),
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
}

/** The migrations folder: tree, lenses and diagnostics follow edits, renames (delete + create) and new files. */
function watchFiles(ctx: Ctx, f: Features, refresh: () => void): void {
  const sqlWatcher = vscode.workspace.createFileSystemWatcher('**/*.sql');
  const configWatcher = vscode.workspace.createFileSystemWatcher('{pgshift.config.json,package.json}');
  const onFilesChanged = (): void => {
    f.lint.migrationFilesChanged();
    f.state.filesChanged();
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
      f.state.reset();
      f.historyTree.refresh();
    }),
  );
}

function testApi(ctx: Ctx, f: Features, activationMs: number): PgshiftApi {
  return {
    parserLoaded,
    activationMs,
    inspect: {
      migrations: () => f.migrations.getChildren(),
      history: () => f.historyTree.getChildren(),
      statusLoaded: async () => {
        await f.state.whenLoaded();
      },
      dryRunMarks: (file) => f.results.dryRunMarks(file),
      environment: () => ctx.environments.selected().id,
      reports: () => f.panels.states(),
      restoreReport: (panel, state) => f.panels.serializer.deserializeWebviewPanel(panel, state),
    },
  };
}
