/** Findings as VS Code diagnostics: on open, as you type (debounced), on save, and for the whole folder. */
import * as vscode from 'vscode';
import type { Finding, Severity } from '../../core/lint/types';
import type { SourceText } from '../../core/sql/source';
import type { CodeLintResult } from '../../core/frameworks/lint-code';
import type { Ctx } from '../ctx';
import { toVsRange } from '../positions';
import { settings } from '../settings';
import type { LintService } from './lint-service';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export const DIAGNOSTIC_SOURCE = 'pgshift';

export function ruleDocUri(ctx: Ctx, rule: string): vscode.Uri {
  return vscode.Uri.joinPath(ctx.extension.extensionUri, 'docs', 'rules', `${rule}.md`);
}

export function findingToDiagnostic(ctx: Ctx, source: SourceText, f: Finding): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toVsRange(source, f.range), f.message, SEVERITY[f.severity]);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = { value: f.rule, target: ruleDocUri(ctx, f.rule) };
  if (f.rule === 'unused-ignore') d.tags = [vscode.DiagnosticTag.Unnecessary];
  return d;
}

export class Diagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('pgshift');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subscriptions: vscode.Disposable[] = [];

  /** more diagnostics for a linted document (backup hints) */
  extra?: (doc: vscode.TextDocument, source: SourceText) => Promise<vscode.Diagnostic[]>;

  constructor(
    private readonly ctx: Ctx,
    private readonly lint: LintService,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, settings.lintDebounceMs())),
      vscode.workspace.onDidSaveTextDocument((d) => {
        this.lint.migrationFilesChanged();
        this.schedule(d, 0);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.lint.forget(d.uri);
      }),
    );
  }

  /** Lints every open SQL document (after activation, and when the config changes). */
  refreshOpen(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  /** Lints every migration file of the project, open or not. Returns the number of files. */
  async lintFolder(
    token?: vscode.CancellationToken,
    progress?: (done: number, total: number) => void,
  ): Promise<number> {
    const uris = await vscode.workspace.findFiles('**/*.sql', '**/{node_modules,.git,.pgshift}/**');
    let done = 0;
    for (const uri of uris) {
      if (token?.isCancellationRequested) break;
      const doc = await vscode.workspace.openTextDocument(uri);
      if (this.lint.wants(doc)) await this.run(doc);
      progress?.(++done, uris.length);
    }
    return done;
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    if (!settings.lintEnabled() || !this.lint.wants(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.run(doc);
      }, delay),
    );
  }

  private async run(doc: vscode.TextDocument): Promise<void> {
    try {
      const res = await this.lint.lint(doc);
      if (!res || doc.isClosed) return;
      const findings = res.result.findings.map((f) => findingToDiagnostic(this.ctx, res.result.source, f));
      // a code migration's SQL string built by interpolation: said, since silence would read as safe
      for (const s of (res.result as Partial<CodeLintResult>).skipped ?? []) {
        const d = new vscode.Diagnostic(
          toVsRange(res.result.source, s.range),
          s.reason,
          vscode.DiagnosticSeverity.Information,
        );
        d.source = DIAGNOSTIC_SOURCE;
        findings.push(d);
      }
      this.collection.set(doc.uri, findings);
      const version = doc.version;
      const more = await this.extra?.(doc, res.result.source).catch(() => []);
      // a later edit has its own lint run on the way: these would be stale
      if (more?.length && !doc.isClosed && doc.version === version)
        this.collection.set(doc.uri, [...findings, ...more]);
    } catch (e) {
      this.ctx.output.error(`lint failed for ${doc.fileName}: ${(e as Error).message}`);
    }
  }

  clear(): void {
    this.collection.clear();
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
  }
}
