/**
 * The messages between the report panel's host (src/extension/features/report-panel.ts) and its UI
 * (this folder), both ways, as discriminated unions. Both sides check what they receive with the
 * guards below: a webview is a web page, and its messages are untrusted input to the host.
 *
 * Handshake: the UI loads (restoring its last report from its saved state, if any), then sends
 * 'ready'; the host answers with the current report, or computes one and sends 'progress' meanwhile.
 */
import type { Report } from '../../src/core/report/model';

export type ExportFormat = 'html' | 'md';

export type HostToWebview =
  | { type: 'report'; report: Report }
  | { type: 'progress'; message: string }
  | { type: 'error'; message: string; hint?: string }
  | { type: 'exported'; format: ExportFormat; path: string };

export type WebviewToHost =
  | { type: 'ready'; hasReport: boolean; generatedAt?: string }
  | { type: 'refresh' }
  | { type: 'export'; format: ExportFormat }
  | { type: 'openFile'; file: string; line?: number };

/** What the UI keeps across hide/show (acquireVsCodeApi().setState): the last report and where the user was. */
export interface WebviewState {
  version: 1;
  report?: Report;
  scrollY: number;
  /** ids of the <details> the user opened or closed, with their state */
  toggled: Record<string, boolean>;
}

const EXPORT_FORMATS: readonly string[] = ['html', 'md'];

export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (!m || typeof m !== 'object') return false;
  const x = m as Record<string, unknown>;
  switch (x.type) {
    case 'ready':
      return (
        typeof x.hasReport === 'boolean' && (x.generatedAt === undefined || typeof x.generatedAt === 'string')
      );
    case 'refresh':
      return true;
    case 'export':
      return typeof x.format === 'string' && EXPORT_FORMATS.includes(x.format);
    case 'openFile':
      return (
        typeof x.file === 'string' &&
        x.file.length > 0 &&
        x.file.length < 4096 &&
        (x.line === undefined || (Number.isInteger(x.line) && (x.line as number) > 0))
      );
    default:
      return false;
  }
}

export function isHostToWebview(m: unknown): m is HostToWebview {
  if (!m || typeof m !== 'object') return false;
  const x = m as Record<string, unknown>;
  switch (x.type) {
    case 'report':
      return (
        !!x.report &&
        typeof x.report === 'object' &&
        (x.report as { schemaVersion?: unknown }).schemaVersion === 1
      );
    case 'progress':
      return typeof x.message === 'string';
    case 'error':
      return typeof x.message === 'string' && (x.hint === undefined || typeof x.hint === 'string');
    case 'exported':
      return typeof x.format === 'string' && EXPORT_FORMATS.includes(x.format) && typeof x.path === 'string';
    default:
      return false;
  }
}
