/** How times, durations, errors and states read in the views, lenses and messages. */
import { progressText, type MigrationStatus } from '../../core/runner';
import { ms } from '../../core/text';

// Re-exported so that the views keep importing their formatting from one place; the editor's one-line SQL
// is core's default, which strips every comment.
export { errorText, ms, oneLineSql } from '../../core/text';

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
