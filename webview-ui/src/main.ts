/**
 * The report panel's UI: a toolbar (Refresh, Export HTML, Export Markdown), a status line, and the
 * report rendered by the same code as the exported page (renderReportBody). The last report, the
 * scroll position and the opened sections live in the webview state, so hiding and showing the panel
 * (which destroys this page: retainContextWhenHidden is off) brings it back as it was.
 */
import type { Report } from '../../src/core/report/model';
import { renderReportBody } from '../../src/core/report/render-html';
import { connectToHost, type HostApi } from './host-api';
import type { HostToWebview, WebviewState } from './protocol';

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string>,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

class ReportView {
  private state: WebviewState;
  private readonly status: HTMLElement;
  private readonly content: HTMLElement;
  private readonly buttons: HTMLButtonElement[];
  private saveTimer: number | undefined;

  constructor(private readonly host: HostApi) {
    this.state = host.loadState();
    const toolbar = element('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Report actions' });
    toolbar.append(element('span', { class: 'title' }, 'pgshift report'));
    const refresh = element(
      'button',
      { id: 'refresh', type: 'button', title: 'Compute the report again' },
      'Refresh',
    );
    const html = element(
      'button',
      {
        id: 'export-html',
        type: 'button',
        class: 'secondary',
        title: 'Save the report as a self-contained HTML page',
      },
      'Export HTML',
    );
    const md = element(
      'button',
      { id: 'export-md', type: 'button', class: 'secondary', title: 'Save the report as Markdown' },
      'Export Markdown',
    );
    refresh.addEventListener('click', () => {
      this.setStatus('Refreshing…');
      host.refresh();
    });
    html.addEventListener('click', () => host.exportAs('html'));
    md.addEventListener('click', () => host.exportAs('md'));
    toolbar.append(refresh, html, md);
    this.buttons = [html, md];
    this.status = element('div', { class: 'status', id: 'status', role: 'status', 'aria-live': 'polite' });
    this.content = element('div', { id: 'content' });
    document.body.append(toolbar, this.status, this.content);

    this.content.addEventListener('click', (e) => {
      const target = (e.target as HTMLElement).closest<HTMLElement>('[data-file]');
      if (!target) return;
      e.preventDefault();
      const line = Number(target.dataset.line);
      host.openFile(target.dataset.file!, Number.isInteger(line) && line > 0 ? line : undefined);
    });
    // <details> toggles do not bubble: listen in the capture phase
    this.content.addEventListener(
      'toggle',
      (e) => {
        const d = e.target as HTMLDetailsElement;
        if (d.dataset.key) {
          this.state.toggled[d.dataset.key] = d.open;
          this.save();
        }
      },
      true,
    );
    window.addEventListener('scroll', () => {
      this.state.scrollY = window.scrollY;
      this.save();
    });
    host.onMessage((m) => this.receive(m));

    if (this.state.report) this.render(this.state.report, true);
    else this.showEmpty('Computing the report…');
    host.ready(!!this.state.report, this.state.report?.generatedAt);
  }

  private receive(m: HostToWebview): void {
    switch (m.type) {
      case 'report': {
        const same = this.state.report?.generatedAt === m.report.generatedAt;
        if (!same)
          this.state = {
            version: 1,
            report: m.report,
            scrollY: this.state.report ? window.scrollY : 0,
            toggled: same ? this.state.toggled : {},
          };
        this.render(m.report, same);
        this.save();
        break;
      }
      case 'progress':
        this.setStatus(`${m.message}…`);
        break;
      case 'error':
        this.setStatus(m.hint ? `${m.message} — ${m.hint}` : m.message, true);
        if (!this.state.report) this.showEmpty('No report.');
        break;
      case 'exported':
        this.setStatus(`Exported ${m.format === 'html' ? 'HTML' : 'Markdown'} to ${m.path}`);
        break;
    }
  }

  private render(report: Report, restoring: boolean): void {
    // the same markup as the exported page, escaped by the renderer
    this.content.innerHTML = `<main class="pgshift-report">${renderReportBody(report)}</main>`;
    this.content.querySelectorAll('details').forEach((d, i) => {
      const key = `d${i}`;
      d.dataset.key = key;
      if (key in this.state.toggled) d.open = this.state.toggled[key];
    });
    for (const b of this.buttons) b.disabled = false;
    const when = new Date(report.generatedAt);
    this.setStatus(
      `${report.scopeLabel} · score ${report.score.score}/100 (${report.score.grade}) · generated ${isNaN(when.getTime()) ? report.generatedAt : when.toLocaleTimeString()}`,
    );
    if (restoring) window.scrollTo(0, this.state.scrollY);
  }

  private showEmpty(text: string): void {
    this.content.replaceChildren(element('div', { class: 'empty' }, text));
    for (const b of this.buttons) b.disabled = true;
  }

  private setStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }

  private save(): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = window.setTimeout(() => {
      this.saveTimer = undefined;
      this.host.saveState(this.state);
    }, 150);
  }
}

new ReportView(connectToHost());
document.body.dataset.pgshift = 'ready';
