/** How times, durations, errors and states read in the views, lenses and messages. */
import { PgshiftError } from '../../core/errors';
import { progressText, type MigrationStatus } from '../../core/runner';

/** 0.4 ms, 320 ms, 12.5 s */
export function ms(n: number | null | undefined): string {
  if (n == null) return '';
  if (n < 10) return `${Math.round(n * 10) / 10} ms`;
  if (n < 10_000) return `${Math.round(n)} ms`;
  return `${(n / 1000).toFixed(1)} s`;
}

/** '2026-11-20T10:22:03.123Z' → '2026-11-20 10:22' (local time, as the user reads a clock) */
export function when(iso: string | null | undefined, withSeconds = false): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number): string => String(n).padStart(2, '0');
  const day = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return withSeconds
    ? `${day} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
    : `${day} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function day(iso: string | null | undefined): string {
  return when(iso).slice(0, 10);
}

/** One line for a person: the message and, for pgshift's own errors, the next step. */
export function errorText(e: unknown): string {
  if (e instanceof PgshiftError) return e.hint ? `${e.message} (${e.hint})` : e.message;
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

export function oneLineSql(sql: string, max = 100): string {
  const s = sql
    .replace(/--[^\n]*(\n|$)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** 'applied 2026-11-20 · 320 ms', 'pending', 'failed at line 4', ... */
export function describeState(m: MigrationStatus): string {
  switch (m.state) {
    case 'applied':
      return `applied${m.appliedAt ? ` ${day(m.appliedAt)}` : ''}${m.executionMs != null ? ` · ${ms(m.executionMs)}` : ''}`;
    case 'failed': {
      const f = m.failure;
      const what = f?.interrupted ? 'interrupted' : 'failed';
      return `${what}${f?.line ? ` at line ${f.line}` : ''}${f?.direction === 'down' ? ' (down)' : ''}`;
    }
    case 'modified':
      return `modified since applied ${day(m.appliedAt)}`.trim();
    case 'missing':
      return 'applied, file missing';
    case 'out-of-order':
      return 'pending, out of order';
    case 'running':
      return m.progress ? `running now · ${progressText(m)}` : 'running now';
    case 'partial':
      return `stopped partway${m.progress?.direction === 'down' ? ' (down)' : ''} · ${progressText(m)} · ${m.progress?.direction ?? 'up'} continues`;
    case 'pending':
      return 'pending';
  }
}
