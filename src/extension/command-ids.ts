/** Command ids, defined once; package.json contributes the same ids (a unit test checks they match). */
export const CommandId = {
  refresh: 'pgshift.refresh',
  lintWorkspace: 'pgshift.lintWorkspace',
  newMigration: 'pgshift.newMigration',
  expandMigration: 'pgshift.expandMigration',
  openRuleDoc: 'pgshift.openRuleDoc',
  showOutput: 'pgshift.showOutput',
  up: 'pgshift.up',
  down: 'pgshift.down',
  dryRun: 'pgshift.dryRun',
  dryRunDown: 'pgshift.dryRunDown',
  pauseRun: 'pgshift.pauseRun',
  resumeRun: 'pgshift.resumeRun',
  cancelRun: 'pgshift.cancelRun',
  cancelBlocker: 'pgshift.cancelBlocker',
  terminateBlocker: 'pgshift.terminateBlocker',
  restoreBackup: 'pgshift.restoreBackup',
  runSeeds: 'pgshift.runSeeds',
  clearDryRun: 'pgshift.clearDryRun',
  report: 'pgshift.report',
  showReport: 'pgshift.showReport',
  showReportAll: 'pgshift.showReportAll',
  revealInHistory: 'pgshift.revealInHistory',
  copyVersion: 'pgshift.copyVersion',
  selectEnvironment: 'pgshift.selectEnvironment',
  configureEnvironments: 'pgshift.configureEnvironments',
  setPassword: 'pgshift.setPassword',
  clearPassword: 'pgshift.clearPassword',
  testConnection: 'pgshift.testConnection',
  filterHistory: 'pgshift.filterHistory',
  clearHistoryFilter: 'pgshift.clearHistoryFilter',
} as const;
export type CommandId = (typeof CommandId)[keyof typeof CommandId];

/**
 * Commands that connect to a database, run SQL or write files: refused in an untrusted workspace, and
 * hidden there by `isWorkspaceTrusted` in their when clauses (an extension test checks both).
 */
export const NEEDS_TRUST: ReadonlySet<CommandId> = new Set<CommandId>([
  CommandId.newMigration,
  CommandId.expandMigration,
  CommandId.up,
  CommandId.down,
  CommandId.dryRun,
  CommandId.dryRunDown,
  CommandId.selectEnvironment,
  CommandId.setPassword,
  CommandId.clearPassword,
  CommandId.testConnection,
  CommandId.filterHistory,
  CommandId.cancelBlocker,
  CommandId.terminateBlocker,
  CommandId.restoreBackup,
  CommandId.runSeeds,
]);

/** Context keys the extension sets for `when` clauses (package.json uses the same strings). */
export const ContextKey = {
  ready: 'pgshift.ready',
  hasMigrations: 'pgshift.hasMigrations',
  /** the project's migrations are a code-based tool's (Django, Rails, ...): shown read only */
  codeFramework: 'pgshift.codeFramework',
  connectionFailed: 'pgshift.connectionFailed',
  envIsSandbox: 'pgshift.envIsSandbox',
  envReadOnly: 'pgshift.envReadOnly',
  envProduction: 'pgshift.envProduction',
  hasServerEnvironments: 'pgshift.hasServerEnvironments',
  historyFiltered: 'pgshift.historyFiltered',
  hasDryRun: 'pgshift.hasDryRun',
  /** a migration runs from this window and is not paused / is paused by the person */
  runPausable: 'pgshift.runPausable',
  runPaused: 'pgshift.runPaused',
} as const;
