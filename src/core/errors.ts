/**
 * An error meant for a person: one line that says what went wrong, and (when we know it) the next step.
 * The CLI prints `message` and `hint` without a stack trace; the extension shows them in a notification.
 * `exitCode` follows the CLI contract: 1 = a migration failed or was refused, 2 = usage/config, 3 = lock timeout.
 */
export class PgshiftError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: 1 | 2 | 3 = 1,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'PgshiftError';
  }
}

export class ConfigError extends PgshiftError {
  constructor(message: string, hint?: string) {
    super(message, hint, 2, 'config');
    this.name = 'ConfigError';
  }
}
