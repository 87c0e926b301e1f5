/**
 * The UI's only way to talk to the host: a small typed API over acquireVsCodeApi(), so no other code
 * calls postMessage or getState directly.
 */
import {
  isHostToWebview,
  type ExportFormat,
  type HostToWebview,
  type WebviewState,
  type WebviewToHost,
} from './protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface HostApi {
  ready(hasReport: boolean, generatedAt?: string): void;
  refresh(): void;
  exportAs(format: ExportFormat): void;
  openFile(file: string, line?: number): void;
  onMessage(handler: (m: HostToWebview) => void): void;
  loadState(): WebviewState;
  saveState(state: WebviewState): void;
}

export function connectToHost(win: Window = window): HostApi {
  const vscode = acquireVsCodeApi();
  const post = (m: WebviewToHost): void => vscode.postMessage(m);
  return {
    ready: (hasReport, generatedAt) =>
      post({ type: 'ready', hasReport, ...(generatedAt ? { generatedAt } : {}) }),
    refresh: () => post({ type: 'refresh' }),
    exportAs: (format) => post({ type: 'export', format }),
    openFile: (file, line) => post({ type: 'openFile', file, ...(line ? { line } : {}) }),
    onMessage: (handler) =>
      win.addEventListener('message', (e: MessageEvent) => {
        if (isHostToWebview(e.data)) handler(e.data);
      }),
    loadState: () => {
      const s = vscode.getState() as Partial<WebviewState> | undefined;
      return s && s.version === 1
        ? { version: 1, report: s.report, scrollY: s.scrollY ?? 0, toggled: s.toggled ?? {} }
        : { version: 1, scrollY: 0, toggled: {} };
    },
    saveState: (state) => vscode.setState(state),
  };
}
