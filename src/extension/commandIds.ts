/** Command ids, defined once; package.json contributes the same ids (a unit test checks they match). */
export const CommandId = {
  refresh: 'pgshift.refresh',
  lintWorkspace: 'pgshift.lintWorkspace',
  newMigration: 'pgshift.newMigration',
  openRuleDoc: 'pgshift.openRuleDoc',
  showOutput: 'pgshift.showOutput',
} as const;
export type CommandId = (typeof CommandId)[keyof typeof CommandId];
