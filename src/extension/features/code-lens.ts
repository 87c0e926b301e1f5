/**
 * Lenses on migration files: `▶ Up`, `Dry run`, `Report` and the state above the up script, `◀ Down`
 * and `Dry run` above the down script (both in one file for dbmate's `-- migrate:up/down` sections).
 * In an untrusted workspace one lens says why nothing runs.
 */
import * as vscode from 'vscode';
import type { Migration } from '../../core/migrations/model';
import { CommandId } from '../command-ids';
import type { Ctx } from '../ctx';
import { settings } from '../settings';
import { describeState } from './format';
import type { ProjectState } from './project-state';

export class MigrationLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly ctx: Ctx,
    private readonly state: ProjectState,
  ) {
    this.subscriptions.push(
      state.onDidChange(() => this.changed.fire()),
      ctx.environments.onDidChange(() => this.changed.fire()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()),
    );
  }

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!settings.codeLensEnabled() || doc.uri.scheme !== 'file') return [];
    const hit = this.state.findByFile(doc.uri.fsPath);
    if (!hit) return [];
    const m = hit.migration;
    const sections = sectionLines(doc, m, hit);
    if (!this.ctx.trusted) {
      const first = sections.up ?? sections.down ?? 0;
      return [
        lens(
          first,
          '$(shield) pgshift: trust this workspace to run migrations (linting works without)',
          'workbench.trust.manage',
        ),
      ];
    }
    const snap = this.state.status();
    const status = this.state.statusOf(m.version);
    const where = snap.env.label;
    const stateText =
      snap.loading && !status
        ? `${where}: reading…`
        : snap.error
          ? `${where}: state unknown`
          : status
            ? `${where}: ${describeState(status)}`
            : `${where}: pending`;
    const arg = { version: m.version };
    const lenses: vscode.CodeLens[] = [];
    // an applied migration's up script offers the rollback (in its own file or section too) instead of
    // an Up that has nothing left to do
    const applied = status && ['applied', 'modified', 'missing'].includes(status.state);
    const downLens = (l: number): vscode.CodeLens =>
      lens(
        l,
        '◀ Down',
        CommandId.down,
        [arg],
        `Roll back ${m.version} (and anything applied after it) on ${where}`,
      );
    const dryDownLens = (l: number): vscode.CodeLens =>
      lens(
        l,
        'Dry run',
        CommandId.dryRunDown,
        [arg],
        'Run the rollback in a transaction that is rolled back, and show its locks',
      );
    if (sections.up !== undefined) {
      const l = sections.up;
      if (applied) {
        // the down script's own lenses do it when it is in this file (dbmate sections)
        if (m.down && sections.down === undefined) lenses.push(downLens(l), dryDownLens(l));
      } else
        lenses.push(
          lens(
            l,
            '▶ Up',
            CommandId.up,
            [arg],
            `Apply the pending migrations up to and including ${m.version} on ${where}`,
          ),
          lens(
            l,
            'Dry run',
            CommandId.dryRun,
            [arg],
            `Run them in a transaction that is rolled back, and show the locks, rewrites and time of each statement`,
          ),
        );
      lenses.push(
        lens(l, 'Report', CommandId.report, [arg], 'Validation and performance report for this migration'),
        lens(l, stateText, snap.error ? CommandId.testConnection : '', [], snap.error ?? `State on ${where}`),
      );
    }
    if (sections.down !== undefined) {
      const l = sections.down;
      lenses.push(downLens(l), dryDownLens(l));
      if (sections.up === undefined) lenses.push(lens(l, stateText, '', [], `State on ${where}`));
    }
    return lenses;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

function lens(
  line: number,
  title: string,
  command: string,
  args: unknown[] = [],
  tooltip?: string,
): vscode.CodeLens {
  // an empty command id renders the title as plain text
  return new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
    title,
    command,
    arguments: args,
    tooltip,
  });
}

/** Where the lenses go: line 0 of a file that holds one script; the section markers of a dbmate file. */
function sectionLines(
  doc: vscode.TextDocument,
  m: Migration,
  hit: { up: boolean; down: boolean },
): { up?: number; down?: number } {
  if (hit.up && hit.down) {
    const text = doc.getText();
    const find = (dir: 'up' | 'down'): number | undefined => {
      const match = new RegExp(`^--\\s*migrate:${dir}\\b`, 'm').exec(text);
      return match ? doc.positionAt(match.index).line : undefined;
    };
    return { up: find('up') ?? 0, down: m.down ? find('down') : undefined };
  }
  return hit.up ? { up: 0 } : { down: 0 };
}
