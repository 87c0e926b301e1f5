/**
 * What kind of refusal or failure an error is, for code that acts on it (tests, the extension) rather than
 * on the wording. A closed list so that a misspelt code is a compile error, not a silent mismatch.
 */
export type PgshiftErrorCode =
  | 'backup-missing'
  | 'backup-too-big'
  | 'bad-batch'
  | 'bad-files'
  | 'bad-seeds'
  | 'cancelled'
  | 'config'
  | 'dry-run-escaped'
  | 'failed'
  | 'lock-timeout'
  | 'modified'
  | 'needs-no-transaction'
  | 'no-down'
  | 'no-seeds'
  | 'nothing-applied'
  | 'out-of-order'
  | 'partial'
  | 'production'
  | 'read-only'
  | 'restore-refused'
  | 'resolve-state'
  | 'running'
  | 'soak'
  | 'tool-locked'
  | 'transaction-control'
  | 'usage'
  | 'verify-scratch';

export interface PgshiftErrorOptions {
  /** the next step, when we know it */
  hint?: string;
  /** the CLI contract: 1 = a migration failed or was refused (the default), 2 = usage/config, 3 = lock timeout */
  exitCode?: 1 | 2 | 3;
  code?: PgshiftErrorCode;
}

/**
 * An error meant for a person: one line that says what went wrong, and (when we know it) the next step.
 * The CLI prints `message` and `hint` without a stack trace and exits with `exitCode`; the extension shows
 * them in a notification.
 */
export class PgshiftError extends Error {
  readonly hint?: string;
  readonly exitCode: 1 | 2 | 3;
  readonly code?: PgshiftErrorCode;

  constructor(message: string, opts: PgshiftErrorOptions = {}) {
    super(message);
    this.name = 'PgshiftError';
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 1;
    this.code = opts.code;
  }
}

/** A bad config file, URL or option value: always exit code 2, code 'config'. */
export class ConfigError extends PgshiftError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: 2, code: 'config' });
    this.name = 'ConfigError';
  }
}
