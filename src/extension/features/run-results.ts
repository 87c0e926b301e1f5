/**
 * Results of runs, where the SQL is: a dry run's locks, rewrites, rows and time after each statement's
 * first line (with the details in its hover, and the whole trace in the log), and a failed run's error
 * as a diagnostic on the failing statement. Dry-run marks of a file go when the file is edited: their
 * lines would no longer be right.
 */
import * as vscode from 'vscode';
import { LOCK_MODES, whatItBlocks, type LockMode } from '../../core/pg/lock-modes';
import type { MigrationSet } from '../../core/migrations/model';
import type { DryRunLock, DryRunReport, DryRunStatement, RunResult } from '../../core/runner';
import { ContextKey } from '../command-ids';
import type { Ctx } from '../ctx';
import { settings } from '../settings';
import { ms, oneLineSql } from './format';
import { outsideTransactionNote } from '../../core/text';

type Level = 'danger' | 'caution' | 'calm';

interface Mark {
  line: number;
  text: string;
  hover: vscode.MarkdownString;
  level: Level;
}

const RANK = (mode: string): number => (LOCK_MODES as readonly string[]).indexOf(mode);

/** 'ACCESS EXCLUSIVE on orders · rewrites orders · 1.2 s' */
export function dryRunSummary(s: DryRunStatement): { text: string; level: Level } {
  if (s.error) return { text: `failed: ${s.error}`, level: 'danger' };
  if (s.skipped) return { text: `not executed: ${s.skipped.split(':')[0]}`, level: 'caution' };
  const parts: string[] = [];
  // the indexes a rewrite rebuilds are locked with their table: counted under "rewrites", not listed twice
  const rebuilt = new Set(s.rewrites.filter((r) => r.kind === 'index').map((r) => r.relation));
  const existing = s.locks
    .filter((l) => !l.created && !rebuilt.has(l.relation))
    .sort((a, b) => RANK(b.mode) - RANK(a.mode));
  // one entry per mode, strongest first: 'ACCESS EXCLUSIVE on orders, orders_pkey'
  for (const mode of [...new Set(existing.map((l) => l.mode))])
    parts.push(
      `${mode} on ${existing
        .filter((l) => l.mode === mode)
        .map((l) => l.relation)
        .join(', ')}`,
    );
  const created = s.locks.filter((l) => l.created).map((l) => l.relation);
  if (created.length && !existing.length) parts.push(`new ${created.join(', ')}`);
  if (s.rewrites.length) {
    // 'rewrites' alone when it is the table just named (its indexes go with it; the hover lists them)
    const named = new Set(existing.map((l) => l.relation));
    const others = s.rewrites
      .filter((r) => r.kind !== 'index' && !named.has(r.relation))
      .map((r) => r.relation);
    const onlyIndexes = s.rewrites.every((r) => r.kind === 'index');
    parts.push(
      others.length
        ? `rewrites ${others.join(', ')}`
        : onlyIndexes
          ? `rebuilds ${s.rewrites.map((r) => r.relation).join(', ')}`
          : 'rewrites',
    );
  }
  if (s.rows) parts.push(`${s.rows} row${s.rows === 1 ? '' : 's'}`);
  if (s.durationMs != null) parts.push(ms(s.durationMs));
  const strongest = existing[0]?.mode as LockMode | undefined;
  const level: Level =
    s.rewrites.length || (strongest && RANK(strongest) >= RANK('ACCESS EXCLUSIVE'))
      ? 'danger'
      : strongest && RANK(strongest) >= RANK('SHARE')
        ? 'caution'
        : 'calm';
  return { text: parts.join(' · ') || 'no locks on existing tables', level };
}

/** The statement of a dry run a person should look at first, summarised. */
export function worstOf(report: DryRunReport): { version: string; text: string; level: Level } | undefined {
  const order: Level[] = ['danger', 'caution', 'calm'];
  let best: { version: string; text: string; level: Level } | undefined;
  for (const m of report.migrations)
    for (const st of m.statements) {
      const sum = dryRunSummary(st);
      if (!best || order.indexOf(sum.level) < order.indexOf(best.level))
        best = { version: m.version, ...sum };
    }
  return best;
}

export class RunResults implements vscode.Disposable {
  private readonly types: Record<Level, vscode.TextEditorDecorationType>;
  private readonly marks = new Map<string, Mark[]>();
  readonly failures = vscode.languages.createDiagnosticCollection('pgshift-run');
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    const type = (color: string): vscode.TextEditorDecorationType =>
      vscode.window.createTextEditorDecorationType({
        after: { color: new vscode.ThemeColor(color), margin: '0 0 0 2em', fontStyle: 'italic' },
        isWholeLine: false,
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      });
    this.types = {
      danger: type('editorError.foreground'),
      caution: type('editorWarning.foreground'),
      calm: type('editorCodeLens.foreground'),
    };
    this.subscriptions.push(
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.paint(e))),
      // a dry run describes one database: another environment makes its marks wrong
      ctx.environments.onDidChange(() => {
        if (this.marks.size) this.clearDryRun();
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length && this.marks.delete(e.document.uri.fsPath)) {
          this.repaintAll();
          this.updateContext();
        }
      }),
    );
  }

  /** Shows a dry run: marks in the files, the full trace in the log. */
  showDryRun(report: DryRunReport, set: MigrationSet, where: string): void {
    this.clearDryRun();
    const inline = settings.dryRunInline();
    for (const m of report.migrations) {
      const mig = set.migrations.find((x) => x.version === m.version && x.name === m.name);
      const file = m.direction === 'up' ? mig?.up.file : mig?.down?.file;
      if (!file || !inline) continue;
      const marks = this.marks.get(file) ?? [];
      for (const s of m.statements) {
        const { text, level } = dryRunSummary(s);
        marks.push({ line: s.line - 1, text: `dry run · ${text}`, hover: this.hover(s, where), level });
      }
      this.marks.set(file, marks);
    }
    this.repaintAll();
    this.updateContext();
    this.log(report, where);
  }

  /** The dry-run marks of one file, as shown (for tests and the e2e screenshots' captions). */
  dryRunMarks(file: string): { line: number; text: string }[] {
    return (this.marks.get(file) ?? []).map(({ line, text }) => ({ line, text }));
  }

  clearDryRun(): void {
    this.marks.clear();
    this.repaintAll();
    this.updateContext();
  }

  /** A failed run: a diagnostic on the failing statement until that migration runs cleanly. */
  showRun(result: RunResult, envLabel: string): void {
    for (const s of result.steps) if (!s.failure) this.clearFailuresOf(s.version);
    const f = result.failure;
    if (!f || !f.file || f.error === 'cancelled by the user') return;
    const line = Math.max((f.line ?? 1) - 1, 0);
    const d = new vscode.Diagnostic(
      new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER),
      `${f.direction} failed on ${envLabel}: ${f.error}${f.rolledBack ? ' (rolled back: nothing of it remains)' : ''}. Next: ${f.nextStep}`,
      vscode.DiagnosticSeverity.Error,
    );
    d.source = 'pgshift run';
    d.code = f.version;
    const uri = vscode.Uri.file(f.file);
    this.failures.set(uri, [...(this.failures.get(uri) ?? []).filter((x) => x.code !== f.version), d]);
  }

  private clearFailuresOf(version: string): void {
    this.failures.forEach((uri, diags) => {
      if (diags.some((d) => d.code === version))
        this.failures.set(
          uri,
          diags.filter((d) => d.code !== version),
        );
    });
  }

  private hover(s: DryRunStatement, where: string): vscode.MarkdownString {
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**pgshift dry run** on ${escapeMd(where)} (rolled back)\n\n`);
    if (s.error) md.appendMarkdown(`$(error) failed: ${escapeMd(s.error)}\n\n`);
    if (s.skipped) md.appendMarkdown(`not executed: ${escapeMd(s.skipped)}\n\n`);
    for (const l of s.locks) {
      const effect = lockEffect(l);
      md.appendMarkdown(`- \`${l.mode}\` on \`${l.relation}\`${effect ? ` — ${effect}` : ''}\n`);
    }
    for (const r of s.rewrites) md.appendMarkdown(`- rewrites ${r.kind} \`${r.relation}\`\n`);
    if (s.rows != null) md.appendMarkdown(`- rows: ${s.rows}\n`);
    if (s.durationMs != null)
      md.appendMarkdown(`- time: ${ms(s.durationMs)} (on this database, with its data)\n`);
    return md;
  }

  private log(report: DryRunReport, where: string): void {
    const out = this.ctx.output;
    out.info(`dry run of ${report.direction} on ${where}: everything below was rolled back`);
    for (const w of report.warnings) out.warn(w);
    if (!report.migrations.length)
      out.info(
        report.direction === 'up' ? 'nothing to apply: the database is up to date' : 'nothing to roll back',
      );
    for (const m of report.migrations) {
      out.info(
        `${m.version} ${m.name}${m.direction === 'down' ? ' (down)' : ''}${outsideTransactionNote(m)}`,
      );
      if (!m.statements.length) out.info('  (empty: nothing to run)');
      for (const s of m.statements) {
        out.info(
          `  line ${s.line}: ${oneLineSql(s.sql, 90)}${s.durationMs != null ? `  ${ms(s.durationMs)}` : ''}`,
        );
        if (s.skipped) out.info(`    not executed: ${s.skipped}`);
        if (s.error) out.error(`    FAILED: ${s.error}`);
        for (const l of s.locks) {
          const effect = lockEffect(l);
          out.info(`    lock ${l.mode} on ${l.relation}${effect ? ` — ${effect}` : ''}`);
        }
        for (const r of s.rewrites) out.info(`    rewrites ${r.kind} ${r.relation}`);
        if (s.rows != null) out.info(`    rows ${s.rows}`);
      }
    }
    if (report.restoredSequences.length)
      out.info(`sequences set back after the rollback: ${report.restoredSequences.join(', ')}`);
  }

  private repaintAll(): void {
    for (const e of vscode.window.visibleTextEditors) this.paint(e);
  }

  private paint(editor: vscode.TextEditor): void {
    const marks = this.marks.get(editor.document.uri.fsPath) ?? [];
    for (const level of Object.keys(this.types) as Level[]) {
      const options: vscode.DecorationOptions[] = marks
        .filter((m) => m.level === level && m.line < editor.document.lineCount)
        .map((m) => {
          // the whole line: hovering the statement shows the trace beside the linter's explanation
          return {
            range: editor.document.lineAt(m.line).range,
            hoverMessage: m.hover,
            renderOptions: { after: { contentText: m.text } },
          };
        });
      editor.setDecorations(this.types[level], options);
    }
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', ContextKey.hasDryRun, this.marks.size > 0);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const t of Object.values(this.types)) t.dispose();
    this.failures.dispose();
  }
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]<>#|]/g, '\\$&');
}

/** What a dry run's lock does to others, in words ('' for a mode the table of modes does not know). */
function lockEffect(l: DryRunLock): string {
  if (l.created) return 'new object: blocks no one';
  return (LOCK_MODES as readonly string[]).includes(l.mode) ? whatItBlocks(l.mode as LockMode) : '';
}
