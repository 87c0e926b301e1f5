/**
 * Quick fixes for pgshift diagnostics: the rule's fix (preferred) or suggestions, ignore for this statement /
 * this file with a reason to fill in, and the rule's documentation; plus source.fixAll.pgshift, which
 * applies only fixes that cannot change locking or transaction behaviour.
 */
import * as vscode from 'vscode';
import { isMetaRule } from '../../core/lint/meta-rules';
import type { Finding, Fix } from '../../core/lint/types';
import type { SourceText } from '../../core/sql/source';
import { CommandId } from '../command-ids';
import { toVsRange } from '../positions';
import { DIAGNOSTIC_SOURCE } from './diagnostics';
import { EXPANDABLE_RULES } from './expand-action';
import type { LintService } from './lint-service';

const FIX_ALL = vscode.CodeActionKind.SourceFixAll.append('pgshift');
export const REASON_PLACEHOLDER = '<why this is safe here>';

export class PgshiftCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix, FIX_ALL];

  constructor(private readonly lint: LintService) {}

  async provideCodeActions(
    doc: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): Promise<vscode.CodeAction[]> {
    if (!this.lint.wants(doc)) return [];
    const res = this.lint.get(doc) ?? (await this.lint.lint(doc));
    if (!res) return [];
    const { source, findings, statements } = res.result;
    if (context.only && FIX_ALL.contains(context.only)) return this.fixAll(doc, source, findings);
    const actions: vscode.CodeAction[] = [];
    for (const diag of context.diagnostics) {
      if (diag.source !== DIAGNOSTIC_SOURCE) continue;
      const rule = typeof diag.code === 'object' ? String(diag.code.value) : String(diag.code);
      const f = findings.find((x) => x.rule === rule && toVsRange(source, x.range).isEqual(diag.range));
      if (!f) continue;
      if (f.fix) actions.push(this.editAction(doc, source, f.fix, diag, true));
      for (const s of f.suggestions ?? [])
        actions.push(this.editAction(doc, source, s, diag, !f.fix && actions.length === 0));
      if (EXPANDABLE_RULES.has(rule)) {
        const a = new vscode.CodeAction(
          'Generate expand/contract migrations',
          vscode.CodeActionKind.QuickFix,
        );
        a.command = {
          command: CommandId.expandMigration,
          title: 'Generate expand/contract migrations',
          arguments: [doc.uri.fsPath, f.range.start],
        };
        a.diagnostics = [diag];
        actions.push(a);
      }
      if (!isMetaRule(rule)) {
        const stmt = statements.find(
          (s) => s.origin === 'top' && f.range.start >= s.range.start && f.range.start <= s.range.end,
        );
        if (stmt) {
          const line = toVsRange(source, stmt.range).start.line;
          const indent = doc.lineAt(line).text.match(/^\s*/)?.[0] ?? '';
          actions.push(
            this.insertAction(
              doc,
              `Ignore ${rule} for this statement`,
              new vscode.Position(line, 0),
              `${indent}-- pgshift-ignore ${rule}: ${REASON_PLACEHOLDER}\n`,
              diag,
            ),
          );
        }
        actions.push(
          this.insertAction(
            doc,
            `Ignore ${rule} for this file`,
            new vscode.Position(0, 0),
            `-- pgshift-ignore-file ${rule}: ${REASON_PLACEHOLDER}\n`,
            diag,
          ),
        );
      }
      const doc_ = new vscode.CodeAction(`Show documentation for ${rule}`, vscode.CodeActionKind.QuickFix);
      doc_.command = { command: CommandId.openRuleDoc, title: 'Show documentation', arguments: [rule] };
      doc_.diagnostics = [diag];
      actions.push(doc_);
    }
    return actions;
  }

  private editAction(
    doc: vscode.TextDocument,
    source: SourceText,
    fix: Fix,
    diag: vscode.Diagnostic,
    preferred: boolean,
  ): vscode.CodeAction {
    const a = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
    a.edit = new vscode.WorkspaceEdit();
    for (const e of fix.edits) a.edit.replace(doc.uri, toVsRange(source, e.range), e.newText);
    a.diagnostics = [diag];
    a.isPreferred = preferred;
    return a;
  }

  private insertAction(
    doc: vscode.TextDocument,
    title: string,
    at: vscode.Position,
    text: string,
    diag: vscode.Diagnostic,
  ): vscode.CodeAction {
    const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
    a.edit = new vscode.WorkspaceEdit();
    a.edit.insert(doc.uri, at, text);
    a.diagnostics = [diag];
    return a;
  }

  private fixAll(doc: vscode.TextDocument, source: SourceText, findings: Finding[]): vscode.CodeAction[] {
    const fixes = findings.filter((f) => f.fix);
    if (fixes.length === 0) return [];
    const a = new vscode.CodeAction('Fix all safe pgshift problems', FIX_ALL);
    a.edit = new vscode.WorkspaceEdit();
    const taken: { start: number; end: number }[] = [];
    for (const f of fixes) {
      // skip fixes whose edits overlap an earlier one: applying both could corrupt the text
      if (f.fix!.edits.some((e) => taken.some((t) => e.range.start < t.end && t.start < e.range.end)))
        continue;
      for (const e of f.fix!.edits) {
        taken.push(e.range);
        a.edit.replace(doc.uri, toVsRange(source, e.range), e.newText);
      }
    }
    return [a];
  }
}
