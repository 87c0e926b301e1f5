/** What PostgreSQL does with a statement: one answer for the linter, the runner, the dry run and the report. */
export * from './describe';
export * from './facts';
export * from './lock-modes';
export * from './transaction';
export * from './type-change';
export * from './batch';
