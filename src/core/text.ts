/** How durations, SQL and errors read on one line, one implementation for the CLI, the editor and the statement facts. */
import { PgshiftError } from './errors';

/** 0.4 ms, 320 ms, 12.5 s */
export function ms(n: number | null | undefined): string {
  if (n == null) return '';
  if (n < 10) return `${Math.round(n * 10) / 10} ms`;
  if (n < 10_000) return `${Math.round(n)} ms`;
  return `${(n / 1000).toFixed(1)} s`;
}

export interface OneLineSqlOptions {
  /**
   * Keep a `--` comment that ends the text (no newline after it). The CLI keeps it: in a terminal the
   * statement is read as written; the editor's views strip every comment.
   */
  keepTrailingComment?: boolean;
}

/** SQL on one line: `--` comments dropped, whitespace collapsed, cut to `max` characters with '…'. */
export function oneLineSql(sql: string, max = 100, opts: OneLineSqlOptions = {}): string {
  const s = sql
    .replace(opts.keepTrailingComment ? /--[^\n]*\n/g : /--[^\n]*(\n|$)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** A message from a driver or the server on one line: line breaks and the indentation around them become one space. */
export function oneLineMessage(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** One line for a person: the message and, for pgshift's own errors, the next step. */
export function errorText(e: unknown): string {
  if (e instanceof PgshiftError) return e.hint ? `${e.message} (${e.hint})` : e.message;
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

/** ' (runs outside a transaction)', with why when it is only because of what the file holds; '' when it runs in one. */
export function outsideTransactionNote(m: {
  noTransaction: boolean;
  onlyNonTransactional?: string[];
}): string {
  if (!m.noTransaction) return '';
  return m.onlyNonTransactional
    ? ` (runs outside a transaction: it holds only ${m.onlyNonTransactional.join(', ')})`
    : ' (runs outside a transaction)';
}

/** Numbers for people: '1 234 567' rows, '507 MB'. */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US').replace(/,/g, ' ');
}

export function fmtBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = b / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** A count as the CLI's and the editor's progress lines write it: '1,234,567'. */
export function countText(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
