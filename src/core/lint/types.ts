import type { Node } from '@pgsql/types';

export type Severity = 'error' | 'warning' | 'info' | 'hint';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info', 'hint'];
export type SeveritySetting = Severity | 'off';

/** UTF-8 byte offsets into the file (see SourceText for the conversion to editor positions). */
export interface Range {
  start: number;
  end: number;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
}

/** What every adapter renders: CLI text/json/sarif, VS Code diagnostics and hovers, the report. */
export interface Finding {
  rule: string;
  severity: Severity;
  range: Range;
  message: string;
  /** Markdown: the lock taken, what waits behind it, and the safe way to write it. */
  help: string;
  /** Safe to apply automatically: cannot change locking or transaction behaviour. */
  fix?: Fix;
  /** Changes behaviour (CONCURRENTLY, NOT VALID, ...): the user picks. */
  suggestions?: Fix[];
}

export type RuleCategory =
  'locking' | 'rewrite' | 'data-loss' | 'breaking-change' | 'correctness' | 'transactions' | 'types' | 'meta';

export interface RuleMeta {
  id: string;
  /** One line, shown in the rules list. */
  description: string;
  defaultSeverity: Severity;
  category: RuleCategory;
  /** 'fix' when it offers an automatic fix, 'suggestion' when it offers a choice, 'none' otherwise. */
  fixable: 'fix' | 'suggestion' | 'none';
  /** Statement node kinds the rule looks at (e.g. 'IndexStmt'); the engine only calls check() for these. '*' = all. */
  kinds: readonly string[];
  /**
   * Off unless the config gives the rule a severity (`"rules": {"<id>": "warning"}`): a house style, not a
   * risk every project shares. defaultSeverity is then the severity it is meant to be enabled with.
   */
  optIn?: boolean;
}

/** A statement as rules see it. */
export interface Stmt {
  index: number;
  /** The parse tree node, e.g. { IndexStmt: {...} }. */
  node: Node;
  /** The node's type, e.g. 'IndexStmt'. */
  kind: string;
  range: Range;
  text: string;
  /** True when this statement runs inside a transaction block (the runner's or an explicit BEGIN). */
  inTransaction: boolean;
  /** Identifies the transaction the statement runs in; statements in autocommit mode each have their own. */
  txId: number;
  /** 'do-block' for SQL found inside a DO block (it runs at migration time, in the DO's transaction). */
  origin: 'top' | 'do-block';
}

export type TransactionMode = 'wrapped' | 'none';

export interface LintOptions {
  /** Target PostgreSQL major version. Default 15. */
  postgresVersion?: number;
  /** How the runner executes a file when the file says nothing: 'wrapped' in one transaction (default) or 'none'. */
  transactionMode?: TransactionMode;
  /** The runner sets lock_timeout itself (default true), so a file need not. */
  runnerSetsLockTimeout?: boolean;
  /** The runner sets statement_timeout itself (default false: pgshift's default statement_timeout is off). */
  runnerSetsStatementTimeout?: boolean;
  /** Per-rule severity overrides, or 'off'. */
  rules?: Record<string, SeveritySetting>;
  /** 'down' when the file undoes an up migration: priorSchema is then the up's result, its objects still new. */
  direction?: 'up' | 'down';
  /** Schema knowledge from earlier migrations (tables and column types), for checks that depend on it. */
  priorSchema?: import('./schema').SchemaModel;
}

export interface ReportInput {
  range?: Range;
  /** Overrides the rule's default severity for this finding (a config setting still wins). */
  severity?: Severity;
  message: string;
  help?: string;
  fix?: Fix;
  suggestions?: Fix[];
}

/** A `-- pgshift:batch` directive of the file (or section). */
export interface BatchAt {
  range: Range;
  text: string;
  /** a statement follows the directive (`statement` is unset when that one did not parse) */
  follows?: boolean;
  statement?: Stmt;
  options?: import('../sql/directives').BatchOptions;
  /** what is wrong with the directive's words */
  error?: string;
}

export interface RuleContext {
  readonly postgresVersion: number;
  readonly runnerSetsLockTimeout: boolean;
  readonly runnerSetsStatementTimeout: boolean;
  /** Every statement of the file (or section), in order. */
  readonly statements: readonly Stmt[];
  /** Tables and columns as they stand just before the current statement. */
  readonly schema: import('./schema').SchemaModel;
  /** The file (or dbmate section) carries `-- pgshift:no-transaction` / `transaction:false`. */
  readonly noTransactionDirective: boolean;
  /** The `-- pgshift:batch` directives, each with the statement it stands before (the file then runs outside a transaction). */
  readonly batches: readonly BatchAt[];
  /**
   * A Liquibase changeset: the end of its `--changeset` line, where `runInTransaction:false` makes it
   * run outside a transaction (instead of `-- pgshift:no-transaction` at the top of the file).
   */
  readonly changeSetHeaderEnd?: number;
  /** The file (or section) has its own BEGIN/COMMIT/ROLLBACK, so the runner does not wrap it. */
  readonly explicitTransactions: boolean;
  /**
   * True when an earlier statement of this file (before `beforeIndex`) created the object. O(1): use it
   * instead of scanning ctx.statements, which is quadratic on large files. Kinds: 'table' (also views,
   * materialized views, sequences), 'index', 'constraint' (name), 'type', 'column' (name = 'table.column').
   */
  createdInFile(
    kind: 'table' | 'index' | 'constraint' | 'type' | 'column',
    name: string,
    beforeIndex: number,
  ): boolean;
  /** The file's bytes: for building fixes. */
  readonly source: import('../sql/source').SourceText;
  /** True when the table was created earlier in this file / migration (empty, nobody else sees it yet). */
  isNewTable(name: { schema?: string; name: string }): boolean;
  /** True when the column was added earlier in this migration (or its table is new). */
  isNewColumn(table: { schema?: string; name: string }, column: string): boolean;
  /** A byte range for a parse-tree location inside `stmt` (statement-relative byte offset), extended over one token. */
  rangeAt(stmt: Stmt, location: number | undefined): Range;
  report(input: ReportInput): void;
}

export interface Rule {
  meta: RuleMeta;
  /** Called for each statement whose kind is in meta.kinds, in file order. */
  check?(stmt: Stmt, ctx: RuleContext): void;
  /** Called once after all statements, for rules about the file as a whole. */
  checkFile?(ctx: RuleContext): void;
}
